import { createTagVersion } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { entryId, type SuiteContext, sameBytes } from './context.js'

/** Payloads are opaque bytes: the store keeps them exactly, and keeps no reference to them. */
export function bytesTests(ctx: SuiteContext): void {
  describe('payload bytes', () => {
    it('stores payloads byte for byte, including bytes that are not UTF-8', async () => {
      const { store, namespace } = ctx
      const all = new Uint8Array(256).map((_, i) => i)
      const invalidUtf8 = Uint8Array.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x82])
      const big = new Uint8Array(1 << 20).map((_, i) => (i * 31 + 7) & 0xff)
      const payloads = [all, invalidUtf8, new Uint8Array(0), big]
      for (const [i, value] of payloads.entries()) {
        const key = entryId(namespace, `bin${i}`)
        const copy = value.slice()
        await store.set(key, {
          value: copy,
          tags: [`${namespace}:n`],
          candidate: createTagVersion(),
          ttl: 60_000,
        })
        copy.fill(0) // the store must not keep a reference to the caller's buffer
        expect(sameBytes((await store.get(key))?.value, value), `payload ${i}`).toBe(true)
      }
      const many = await store.getMany(payloads.map((_, i) => entryId(namespace, `bin${i}`)))
      for (const [i, value] of payloads.entries()) {
        expect(sameBytes(many[i]?.value, value), `getMany payload ${i}`).toBe(true)
      }
    })

    it('setMany stores each payload byte for byte under its own key', async () => {
      const { store, namespace } = ctx
      const payloads = [Uint8Array.from([0, 0xff, 0]), Uint8Array.from([0xc3]), new Uint8Array(0)]
      await store.setMany(
        payloads.map((value, i) => ({
          key: entryId(namespace, `many${i}`),
          value: value.slice(),
          tags: [`${namespace}:n`],
          candidate: createTagVersion(),
          ttl: 60_000,
        })),
      )
      const read = await store.getMany(payloads.map((_, i) => entryId(namespace, `many${i}`)))
      for (const [i, value] of payloads.entries()) {
        expect(sameBytes(read[i]?.value, value), `payload ${i}`).toBe(true)
      }
    })
  })
}
