import { describe, expect, it } from 'vitest'
import type { SerializerSuiteContext } from './options.js'

/** Functions and symbols, wherever they sit, are refused by `encode`. */
export function refusalTests({ create }: SerializerSuiteContext): void {
  describe('values that cannot be represented are refused by encode', () => {
    const cases: [string, () => unknown][] = [
      ['a function', () => () => 1],
      ['a symbol', () => Symbol('s')],
      ['a function property', () => ({ ok: 1, f: () => 1 })],
      ['a symbol property', () => ({ ok: 1, s: Symbol('s') })],
      ['a function in an array', () => [1, () => 1]],
      ['a deeply nested function', () => ({ a: { b: [{ c: () => 1 }] } })],
    ]
    for (const [label, make] of cases) {
      it(label, () => {
        const serializer = create()
        expect(() => serializer.encode(make())).toThrow()
      })
    }
  })
}
