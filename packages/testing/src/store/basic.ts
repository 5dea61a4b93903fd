import { createTagVersion, type StoredEntry } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { entryId, type SuiteContext, sameBytes, syncRead, tagId } from './context.js'

/**
 * Reads, writes and deletes: `get`, `getSync` (where implemented), `getMany`,
 * `set`, `setMany`, `delete`, `deleteMany` and `close`.
 */
export function basicTests(ctx: SuiteContext): void {
  describe('basic operations', () => {
    it('round-trips values of every JSON type, and null is a cached value', async () => {
      const c = ctx.cache()
      const values: [string, unknown][] = [
        ['string', 'hello'],
        ['empty-string', ''],
        ['number', 42.5],
        ['zero', 0],
        ['false', false],
        ['null', null],
        ['array', [1, 'two', { three: 3 }]],
        ['object', { a: 1, nested: { b: [true, null] }, unicode: 'žluťoučký 🐎' }],
      ]
      for (const [key, value] of values) await c.set(key, value)
      for (const [key, value] of values) expect(await c.get(key)).toEqual(value)
      expect(await c.has('null')).toBe(true)
    })

    it('get, getSync and getMany of a key never written are misses', async () => {
      const c = ctx.cache()
      const { store, namespace } = ctx
      expect(await store.get(entryId(namespace, 'nope'))).toBeUndefined()
      expect(await syncRead(store, entryId(namespace, 'nope'))).toBeUndefined()
      expect(await store.getMany([entryId(namespace, 'nope')])).toEqual([undefined])
      expect(await c.get('nope')).toBeUndefined()
      expect(await c.has('nope')).toBe(false)
    })

    it('get and getSync (where implemented) return the entry with its stored and current versions, and an invalidated one as not servable', async () => {
      const { store, namespace } = ctx
      const tags = [`${namespace}:n`, tagId(namespace, 'a')]
      const candidate = createTagVersion()
      await store.set(entryId(namespace, 'k'), {
        value: new Uint8Array([1, 2, 3]),
        tags,
        candidate,
        ttl: 60_000,
      })
      const read = await store.get(entryId(namespace, 'k'))
      expect(sameBytes(read?.value, new Uint8Array([1, 2, 3]))).toBe(true)
      expect(read?.tags).toEqual(tags)
      expect(read?.versions).toEqual([candidate, candidate])
      expect(read?.current).toEqual([candidate, candidate])
      if (store.getSync !== undefined) {
        const sync = await syncRead(store, entryId(namespace, 'k'))
        expect(sync?.tags).toEqual(read?.tags)
        expect(sync?.versions).toEqual(read?.versions)
        expect(sync?.current).toEqual(read?.current)
        expect(sameBytes(sync?.value, read?.value)).toBe(true)
      }
      // After an invalidation the entry is not servable: a stored version is
      // not current (a store may return a placeholder entry saying just that).
      await store.invalidate([tagId(namespace, 'a')], createTagVersion(), 60_000)
      const servable = (entry: StoredEntry | undefined) =>
        entry !== undefined &&
        entry.current.length === entry.versions.length &&
        entry.current.every((version, i) => version !== null && version === entry.versions[i])
      const after = await store.get(entryId(namespace, 'k'))
      expect(servable(after)).toBe(false)
      expect(after?.verified).not.toBe(true)
      expect(servable(await syncRead(store, entryId(namespace, 'k')))).toBe(false)
    })

    it('deleteIfUnchanged, where offered: removes an entry only while it is still the one read', async (t) => {
      const { store, namespace } = ctx
      const deleteIfUnchanged = store.deleteIfUnchanged
      if (typeof deleteIfUnchanged !== 'function') {
        return t.skip('the store offers no deleteIfUnchanged (core removes with delete)')
      }
      const id = entryId(namespace, 'k')
      const write = (byte: number) =>
        store.set(id, {
          value: new Uint8Array([byte]),
          tags: [tagId(namespace, 'a')],
          candidate: createTagVersion(),
          ttl: 60_000,
        })
      await write(1)
      const first = await store.get(id)
      expect(first).toBeDefined()
      // Another process rewrites the key after the read: the old read must not remove it.
      await write(2)
      expect(await deleteIfUnchanged.call(store, id, first as StoredEntry)).toBe(false)
      expect(sameBytes((await store.get(id))?.value, new Uint8Array([2]))).toBe(true)
      const second = await store.get(id)
      expect(await deleteIfUnchanged.call(store, id, second as StoredEntry)).toBe(true)
      expect(await store.get(id)).toBeUndefined()
    })

    it('overwrites an entry, replacing its tags', async () => {
      const c = ctx.cache()
      await c.set('k', 1, { tags: ['a'] })
      await c.set('k', 2, { tags: ['b'] })
      await c.invalidate('a')
      expect(await c.get('k')).toBe(2)
      await c.invalidate('b')
      expect(await c.get('k')).toBeUndefined()
    })

    it('delete removes an entry and reports whether it existed', async () => {
      const c = ctx.cache()
      await c.set('k', 'v')
      expect(await c.delete('k')).toBe(true)
      expect(await c.get('k')).toBeUndefined()
      expect(await c.delete('k')).toBe(false)
    })

    it('getMany, setMany and deleteMany align with their keys', async () => {
      const c = ctx.cache()
      await c.setMany([
        { key: 'a', value: 1, tags: ['odd'] },
        { key: 'b', value: 2, tags: ['even'] },
        { key: 'c', value: 3, tags: ['odd'] },
      ])
      expect(await c.getMany(['a', 'missing', 'b', 'c'])).toEqual([1, undefined, 2, 3])
      await c.invalidate('odd')
      expect(await c.getMany(['a', 'b', 'c'])).toEqual([undefined, 2, undefined])
      expect(await c.getMany([])).toEqual([])
      expect(await c.deleteMany(['b', 'missing'])).toBe(1)
      expect(await c.getMany(['b'])).toEqual([undefined])
      expect(await ctx.store.deleteMany([])).toBe(0)
    })

    it('close(), where implemented, resolves and leaves a client passed to the store open', async (t) => {
      const { store, namespace } = ctx
      if (store.close === undefined) return t.skip('the store has no close()')
      await expect(store.close()).resolves.toBeUndefined()
      // Another store over the same client (another process) keeps working.
      const peer = ctx.harness.peer?.()
      if (peer === undefined) return
      // Tagged: Redis stores never serve an entry without tags (core always adds one).
      await peer.set(entryId(namespace, 'after-close'), {
        value: new Uint8Array([7]),
        tags: [tagId(namespace, 'after-close')],
        candidate: createTagVersion(),
        ttl: 60_000,
      })
      const read = await peer.get(entryId(namespace, 'after-close'))
      expect(sameBytes(read?.value, new Uint8Array([7]))).toBe(true)
    })
  })
}
