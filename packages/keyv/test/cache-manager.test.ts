// cache-manager 7 over a Keyv store from keyvStore(): the way most of the Node
// ecosystem (NestJS included) takes a cache.
import { randomUUID } from 'node:crypto'
import { type Cache, createCache } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { memoryStore } from '@tagcache/memory'
import { commandsSent, type RedisServer, startRedis } from '@tagcache/redis-harness'
import { createCache as createCacheManager } from 'cache-manager'
import { Redis } from 'ioredis'
import Keyv from 'keyv'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { keyvStore } from '../src/index.js'

let server: RedisServer
let redis: Redis

beforeAll(async () => {
  // A server of its own: the test MONITORs it.
  server = await startRedis()
  redis = new Redis(server.port, '127.0.0.1')
})

afterAll(async () => {
  await redis?.quit()
  await server?.stop()
})

const backends: [string, () => Cache][] = [
  ['memory', () => createCache({ store: memoryStore(), namespace: `cm-${randomUUID()}` })],
  [
    'Redis (ioredis)',
    () => createCache({ store: ioredisStore(redis), namespace: `cm-${randomUUID()}` }),
  ],
]

describe.each(backends)('cache-manager 7 over keyvStore, %s', (_name, makeCache) => {
  it('set, get, mset, mget, del, mdel, ttl and wrap work', async () => {
    const cache = makeCache()
    const manager = createCacheManager({ stores: [new Keyv({ store: keyvStore(cache) })] })
    expect(await manager.set('a', { n: 1 }, 60_000)).toEqual({ n: 1 })
    expect(await manager.get('a')).toEqual({ n: 1 })
    expect(await manager.get('missing')).toBeUndefined()
    await manager.mset([
      { key: 'b', value: 'B' },
      { key: 'c', value: null, ttl: 60_000 },
    ])
    expect(await manager.mget(['a', 'b', 'c', 'missing'])).toEqual([{ n: 1 }, 'B', null, undefined])
    // cache-manager's ttl() reads Keyv's expiry: the one the entry was written with.
    const expires = await manager.ttl('a')
    expect(expires! - Date.now()).toBeGreaterThan(50_000)
    expect(expires! - Date.now()).toBeLessThanOrEqual(60_000)
    expect(await cache.ttl('keyv:a')).toBeLessThanOrEqual(60_000)
    expect(await manager.del('a')).toBe(true)
    expect(await manager.get('a')).toBeUndefined()
    expect(await manager.mdel(['b', 'c'])).toBe(true)
    expect(await manager.mget(['b', 'c'])).toEqual([undefined, undefined])

    const load = vi.fn(async () => ({ loaded: true }))
    expect(await manager.wrap('w', load, 60_000)).toEqual({ loaded: true })
    expect(await manager.wrap('w', load, 60_000)).toEqual({ loaded: true })
    expect(load).toHaveBeenCalledTimes(1)
    await manager.disconnect()
    await cache.close()
  })

  it('honours the TTL: the entry is gone once it runs out, in the store too', async () => {
    const cache = makeCache()
    const manager = createCacheManager({ stores: [new Keyv({ store: keyvStore(cache) })] })
    await manager.set('long', 'v', 60_000)
    const began = performance.now()
    await manager.set('short', 'v', 1_000)
    const fresh = await manager.get('short')
    // Read within its ttl (a loaded machine may take longer: then nothing is known of it).
    if (performance.now() - began < 1_000) expect(fresh).toBe('v')
    await vi.waitFor(
      async () => {
        // The store's own expiry, not just Keyv's check of `expires`.
        expect(await cache.has('keyv:short')).toBe(false)
      },
      { timeout: 10_000, interval: 50 },
    )
    expect(await manager.get('short')).toBeUndefined()
    expect(await manager.get('long')).toBe('v')
    await cache.close()
  })

  it("clear() drops the manager's entries and only those", async () => {
    const cache = makeCache()
    const manager = createCacheManager({ stores: [new Keyv({ store: keyvStore(cache) })] })
    const other = createCacheManager({
      stores: [new Keyv({ store: keyvStore(cache), namespace: 'other' })],
    })
    await Promise.all([manager.set('a', 1), manager.set('b', 2), other.set('a', 'other')])
    await cache.set('own', 'tagcache entry')
    expect(await manager.clear()).toBe(true)
    expect(await manager.mget(['a', 'b'])).toEqual([undefined, undefined])
    expect(await other.get('a')).toBe('other')
    expect(await cache.get('own')).toBe('tagcache entry')
    await manager.set('a', 'after clear')
    expect(await manager.get('a')).toBe('after clear')
    await cache.close()
  })

  it('tags given to keyvStore let cache.invalidate(tag) drop cache-manager entries', async () => {
    const cache = makeCache()
    const store = keyvStore(cache, { tags: (key) => [`prefix:${key.split(':')[0]}`] })
    const manager = createCacheManager({ stores: [new Keyv({ store })] })
    await manager.set('user:1', 'Ada')
    await manager.set('post:1', 'Hi')
    await cache.invalidate('prefix:user')
    expect(await manager.mget(['user:1', 'post:1'])).toEqual([undefined, 'Hi'])
    await cache.close()
  })
})

describe('cache-manager clear() on Redis scans nothing', () => {
  it('is one command whatever the number of entries, never SCAN, KEYS or DEL', async () => {
    const cache = createCache({ store: ioredisStore(redis), namespace: `cm-${randomUUID()}` })
    const manager = createCacheManager({ stores: [new Keyv({ store: keyvStore(cache) })] })
    await manager.mset(Array.from({ length: 500 }, (_, i) => ({ key: `k${i}`, value: i })))
    expect(await manager.get('k499')).toBe(499)
    const sent = await commandsSent(server, () => manager.clear())
    expect(sent).toEqual(['set'])
    expect(await manager.mget(['k0', 'k250', 'k499'])).toEqual([undefined, undefined, undefined])
    await cache.close()
  })
})
