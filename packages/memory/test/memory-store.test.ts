import { createCache, isTagCacheError } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../src/index.js'

describe('memoryStore bounds', () => {
  it('evicts the least recently used entries beyond maxEntries', async () => {
    const store = memoryStore({ maxEntries: 3 })
    const cache = createCache({ store })
    for (const k of ['a', 'b', 'c']) await cache.set(k, k)
    expect(await cache.get('a')).toBe('a') // a is now most recent
    await cache.set('d', 'd')
    expect(store.size).toBe(3)
    expect(await cache.getMany(['a', 'b', 'c', 'd'])).toEqual(['a', undefined, 'c', 'd'])
  })

  it('evicts beyond maxBytes', async () => {
    const store = memoryStore({ maxBytes: 20_000 })
    const cache = createCache({ store })
    for (let i = 0; i < 10; i++) await cache.set(`k${i}`, 'x'.repeat(4_000))
    expect(store.bytes).toBeLessThanOrEqual(20_000)
    expect(store.size).toBeLessThan(10)
    expect(await cache.get('k9')).toBe('x'.repeat(4_000))
    expect(await cache.get('k0')).toBeUndefined()
  })

  it('bounds tag versions; dropping one turns its entries into misses, not stale hits', async () => {
    const store = memoryStore({ maxTags: 4 })
    const cache = createCache({ store })
    await cache.set('first', 1, { tags: ['t0'] })
    for (let i = 1; i < 6; i++) await cache.set(`k${i}`, i, { tags: [`t${i}`] })
    expect(store.tagCount).toBeLessThanOrEqual(4)
    expect(await cache.get('first')).toBeUndefined()
    expect(await cache.get('k5')).toBe(5)
  })

  it("a record holding another store's slot, or anything else, is looked up afresh", async () => {
    const write = (n: number) => ({
      value: new Uint8Array([n]),
      tags: [],
      candidate: 'v1',
      ttl: 60_000,
    })
    const [one, two] = [memoryStore(), memoryStore()]
    await one.set('k', write(1))
    await two.set('k', write(2))
    const record = { id: 'k', state: undefined as unknown }
    expect(one.getSync('k', record)?.value[0]).toBe(1)
    // Handed on to another store (which the KeyRecord contract forbids): that store's own entry.
    expect(two.getSync('k', record)?.value[0]).toBe(2)
    expect(one.getSync('k', record)?.value[0]).toBe(1)
    for (const state of [{}, { removed: false }, 'x', 0]) {
      expect(one.getSync('k', { id: 'k', state })?.value[0]).toBe(1)
    }
    expect(one.size).toBe(1)
  })

  it("getSync takes core's performance.now() reading as its clock, unless a clock was passed", async () => {
    const write = { value: new Uint8Array([1]), tags: [], candidate: 'v1', ttl: 1_000 }
    const store = memoryStore()
    await store.set('k', write)
    expect(store.getSync('k', undefined, performance.now())).toBeDefined()
    // A reading past the entry's expiry is used as is: the entry has expired.
    expect(store.getSync('k', undefined, performance.now() + 5_000)).toBeUndefined()
    expect(store.size).toBe(0)
    const fixed = memoryStore({ now: () => 0 })
    await fixed.set('k', write)
    // The store's own clock wins over a reading on another one.
    expect(fixed.getSync('k', undefined, 1e12)).toBeDefined()
  })

  it('an entry whose tag version is dropped by its own write (maxTags) is a miss, then and later', async () => {
    // Found by the bounded model test: the write of a's second value creates
    // two tag versions, and the second pushes out y's, which a was written
    // with. The entry stored a missing version: it must never match.
    const store = memoryStore({ maxTags: 3 })
    const cache = createCache({ store, namespace: 'm' })
    await cache.set('a', 1, { tags: ['y'] })
    await cache.invalidateAll() // the namespace version is now newer than y's
    await cache.set('a', 2, { tags: ['x', 'y', 'z'] })
    expect(store.tagCount).toBe(3)
    expect(await cache.get('a')).toBeUndefined()
    await cache.set('b', 3, { tags: ['x'] })
    expect(await cache.get('a')).toBeUndefined()
  })

  it('rejects bad options with one error naming each path', () => {
    let error: unknown
    try {
      memoryStore({ maxEntries: -1, maxBytes: 1.5 } as never)
    } catch (e) {
      error = e
    }
    expect(isTagCacheError(error, 'E_INVALID_OPTIONS')).toBe(true)
    expect((error as Error).message).toContain('maxEntries')
    expect((error as Error).message).toContain('maxBytes')
  })

  it('clear() flushes entries and tag versions; later writes still never resurrect old entries', async () => {
    const store = memoryStore()
    const cache = createCache({ store })
    await cache.set('k', 1, { tags: ['t'] })
    store.clear()
    expect(store.size).toBe(0)
    expect(await cache.get('k')).toBeUndefined()
  })
})
