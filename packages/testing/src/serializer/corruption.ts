import { describe, expect, it } from 'vitest'
import type { SerializerSuiteContext } from './options.js'
import { pseudoRandomBytes, toPayload } from './payload.js'

/** `decode` of garbage, or of any truncation of a payload, throws instead of returning a value. */
export function corruptionTests({ create, supports }: SerializerSuiteContext): void {
  describe('corrupted payloads throw, never return a value', () => {
    const garbage: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['pseudo-random bytes', pseudoRandomBytes(256)],
      ['invalid UTF-8', Uint8Array.of(0x7b, 0x22, 0xc3, 0x28, 0xa0, 0xa1, 0x22, 0x7d)],
      ['all zero bytes', new Uint8Array(64)],
    ]
    for (const [label, bytes] of garbage) {
      it(`garbage: ${label}`, () => {
        const serializer = create()
        expect(() => serializer.decode(bytes.slice())).toThrow()
      })
    }

    it('every truncation of the payload of a non-trivial object', () => {
      const serializer = create()
      const value = {
        id: 42,
        name: 'Ada Lovelace',
        tags: ['math', 'engines', 'poetry'],
        nested: { deep: { list: [1, 2.5, 'three', null, true] } },
        text: 'x'.repeat(300),
      }
      const payload = toPayload(serializer.encode(value))
      expect(serializer.decode(payload)).toEqual(value)
      const returned: number[] = []
      for (let length = 0; length < payload.length; length++) {
        try {
          serializer.decode(payload.slice(0, length))
          returned.push(length)
        } catch {
          // expected
        }
      }
      expect(returned, 'prefix lengths that decoded to a value').toEqual([])
    })

    if (supports('binary')) {
      it('every truncation of a binary value', () => {
        const serializer = create()
        const payload = toPayload(serializer.encode({ data: pseudoRandomBytes(2048) }))
        const returned: number[] = []
        for (let length = 0; length < payload.length; length += 13) {
          try {
            serializer.decode(payload.slice(0, length))
            returned.push(length)
          } catch {
            // expected
          }
        }
        expect(returned, 'prefix lengths that decoded to a value').toEqual([])
      })
    }
  })
}
