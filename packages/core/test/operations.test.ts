import { describe, expect, it } from 'vitest'
import { CacheMiss, createCache, isTagCacheError } from '../src/index.js'
import { testStore } from './support/test-store.js'

describe('reads and writes', () => {
  it('getOrThrow throws CacheMiss naming the key on a miss, and returns a hit', async () => {
    const cache = createCache({ store: testStore() })
    const error = await cache.getOrThrow('nope').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CacheMiss)
    expect(isTagCacheError(error, 'E_CACHE_MISS')).toBe(true)
    expect((error as Error).message).toContain('"nope"')
    await cache.set('k', null)
    expect(await cache.getOrThrow('k')).toBeNull()
  })

  it('rejects undefined as a value and writes nothing', async () => {
    const store = testStore()
    const cache = createCache({ store })
    const error = await cache.set('k', undefined).catch((e: unknown) => e)
    expect(isTagCacheError(error, 'E_INVALID_VALUE')).toBe(true)
    const many = await cache.setMany([{ key: 'k', value: undefined }]).catch((e: unknown) => e)
    expect(isTagCacheError(many, 'E_INVALID_VALUE')).toBe(true)
    expect(store.writes).toEqual([])
    expect(await cache.has('k')).toBe(false)
  })

  it('bind() operates on one key', async () => {
    const cache = createCache({ store: testStore() })
    const bound = cache.bind<number>('counter')
    expect(bound.key).toBe('counter')
    expect(await bound.get()).toBeUndefined()
    await bound.set(1, { tags: ['t'] })
    expect(await bound.get()).toBe(1)
    expect(await cache.get('counter')).toBe(1)
    expect(await bound.has()).toBe(true)
    expect(await bound.wrap(() => 2)).toBe(1)
    expect(await bound.delete()).toBe(true)
    expect(await bound.wrap(() => 3)).toBe(3)
    expect(await bound.getOrThrow()).toBe(3)
    expect(await bound.expire('1h')).toBe(true)
    expect(await bound.ttl()).toBeLessThanOrEqual(3_600_000)
    expect(await bound.persist()).toBe(true)
    expect(await bound.ttl()).toBe(Number.POSITIVE_INFINITY)
    await cache.invalidate('t')
    expect(await bound.get()).toBe(3) // written by wrap, without the tag
  })

  it('stats count hits, misses, sets, deletes and invalidations', async () => {
    const cache = createCache({ store: testStore() })
    await cache.set('a', 1)
    await cache.get('a')
    await cache.get('b')
    await cache.delete('a')
    await cache.invalidate('x')
    expect(cache.stats).toMatchObject({
      hits: 1,
      misses: 1,
      sets: 1,
      deletes: 1,
      invalidations: 1,
      errors: 0,
    })
    expect(cache.stats.hitRatio).toBe(0.5)
    expect(cache.stats.summary).toContain('hits=1')
    cache.stats.reset()
    expect(cache.stats).toMatchObject({ hits: 0, misses: 0, sets: 0, invalidations: 0 })
  })

  it('ttl(), expire() and persist() of an invalidated entry see a miss and never reach the store ttl or expire', async () => {
    const store = testStore()
    const cache = createCache({ store })
    await cache.set('k', 'v', { tags: ['t'] })
    await cache.invalidate('t')
    store.calls.length = 0
    expect(await cache.ttl('k')).toBeUndefined()
    expect(await cache.expire('k', '1h')).toBe(false)
    expect(await cache.persist('k')).toBe(false)
    // Each read the entry only (and dropped it, once): nothing asked for its time to live.
    const methods = store.calls.map((c) => c.method)
    expect(methods.filter((m) => m === 'get')).toHaveLength(3)
    expect(methods).not.toContain('ttl')
    expect(methods).not.toContain('expire')
  })

  it('defaultTtl applies to writes without ttl, and an explicit ttl wins', async () => {
    const store = testStore()
    const cache = createCache({ store, defaultTtl: '5m' })
    await cache.set('a', 1)
    await cache.set('b', 2, { ttl: '1m' })
    await cache.setMany([{ key: 'c', value: 3 }])
    await cache.wrap('d', () => 4)
    expect(store.writes.map((w) => w.ttl)).toEqual([300_000, 60_000, 300_000, 300_000])
  })
})
