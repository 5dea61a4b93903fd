// PLACEHOLDER: replaced by the in-process policies (helper pol-local). Not for release.
import type { LocalPolicy } from '@tagcache/core'

function pending(name: string): new () => LocalPolicy {
  return class {
    constructor() {
      throw new Error(`[tagcache] [policies] ${name}: in-process order not implemented yet`)
    }
  } as never
}
export const LruPolicy = pending('lru')
export const LfuPolicy = pending('lfu')
export const FifoPolicy = pending('fifo')
export const MruPolicy = pending('mru')
export const RrPolicy = pending('rr')
export const TlruPolicy = pending('tlru')
