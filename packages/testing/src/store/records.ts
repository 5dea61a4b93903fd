import { createTagVersion, type KeyRecord, type StoredEntry } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { entryId, type SuiteContext, syncRead, tagId } from './context.js'

/**
 * What a read means, whichever path produced it: absent, not servable, or
 * servable with its bytes, tags and versions. (A store may return a
 * placeholder for an entry it found not servable: only that verdict counts.)
 */
function meaning(entry: StoredEntry | undefined) {
  if (entry === undefined) return undefined
  const servable =
    entry.versions.length > 0 &&
    entry.versions.length === entry.current.length &&
    entry.versions.every((v, i) => entry.current[i] !== null && entry.current[i] === v)
  if (!servable) return { servable }
  return {
    value: Buffer.from(entry.value).toString('hex'),
    tags: [...entry.tags],
    versions: [...entry.versions],
    servable,
  }
}

/**
 * Reads through a {@link KeyRecord}: the per-key state a store keeps in it
 * (the memory store's slot, the Redis stores' tag hint) is only a guess, so
 * a read through a record must mean exactly what a read without one means,
 * after every way the key can change under the record.
 */
export function recordTests(ctx: SuiteContext): void {
  describe('reads through a key record', () => {
    it('agree with plain reads as the key is rewritten with other tags, invalidated, deleted and written again', async () => {
      const { store, namespace } = ctx
      const id = entryId(namespace, 'k')
      const ns = `${namespace}:n`
      const [a, b] = [tagId(namespace, 'a'), tagId(namespace, 'b')]
      const record: KeyRecord = { id, state: undefined }
      const write = (value: number, tags: string[]) =>
        store.set(id, {
          value: new Uint8Array([value]),
          tags: [ns, ...tags],
          candidate: createTagVersion(),
          ttl: 60_000,
        })
      const check = async (
        step: string,
        expected: { value?: number; servable: boolean } | null,
      ) => {
        const plain = meaning(await store.get(id))
        const through = meaning(await store.get(id, record))
        expect(through, `${step}: get through the record`).toEqual(plain)
        // A second read through the record takes the store's fast path, if it has one.
        expect(meaning(await store.get(id, record)), `${step}: again`).toEqual(plain)
        if (store.getSync !== undefined) {
          expect(meaning(await syncRead(store, id, record)), `${step}: getSync`).toEqual(plain)
        }
        if (expected === null) expect(plain, step).toBeUndefined()
        else if (!expected.servable) expect(plain, step).toEqual({ servable: false })
        else {
          expect(plain?.servable, step).toBe(true)
          expect(plain?.value, step).toBe(Buffer.from([expected.value ?? -1]).toString('hex'))
        }
      }
      await check('never written', null)
      await write(1, [a])
      await check('written with a', { value: 1, servable: true })
      await write(2, [b])
      await check('rewritten with b', { value: 2, servable: true })
      await store.invalidate([a], createTagVersion(), 60_000)
      await check('a invalidated: no longer its tag', { value: 2, servable: true })
      await store.invalidate([b], createTagVersion(), 60_000)
      await check('b invalidated', { servable: false })
      await store.delete(id)
      await check('deleted', null)
      await write(3, [a, b])
      await check('written again with a and b', { value: 3, servable: true })
      await store.invalidate([ns], createTagVersion(), 60_000)
      await check('namespace invalidated', { servable: false })
      await write(4, [])
      await check('written again untagged', { value: 4, servable: true })
    })

    it('a cache serves through its records what it would serve without them', async () => {
      // Core hands its records to the store on every get: a stale one must never
      // serve an old value or miss a current one.
      const c = ctx.cache()
      await c.set('k', 'one', { tags: ['a'] })
      expect(await c.get('k')).toBe('one')
      expect(await c.get('k')).toBe('one')
      await c.set('k', 'two', { tags: ['b'] })
      expect(await c.get('k')).toBe('two')
      await c.invalidate('a')
      expect(await c.get('k')).toBe('two')
      await c.invalidate('b')
      expect(await c.get('k')).toBeUndefined()
      await c.set('k', 'three', { tags: ['a'] })
      expect(await c.get('k')).toBe('three')
      await c.delete('k')
      expect(await c.get('k')).toBeUndefined()
      await c.set('k', 'four')
      expect(await c.get('k')).toBe('four')
      await c.invalidateAll()
      expect(await c.get('k')).toBeUndefined()
    })
  })
}
