// PLACEHOLDER: replaced by W-TinyLFU (helper pol-local). Not for release.
import type { LocalPolicy } from '@tagcache/core'

export const TinyLfuPolicy: new (maxSize: number) => LocalPolicy = class {
  constructor() {
    throw new Error('[tagcache] [policies] tinyLfu: not implemented yet')
  }
} as never
