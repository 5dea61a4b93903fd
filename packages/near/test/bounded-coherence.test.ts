// Bounded caches over the near cache, against a server of this file's own
// (the tests MONITOR it): local hits send no read, only the touch that
// records the use; evictions, by this process or another, are never served
// from the local copy; local evictions are not the bounded cache's.
import { type Cache, createCache, type EvictEvent, type Store } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { nodeRedisStore } from '@tagcache/node-redis'
import { fifo, lru } from '@tagcache/policies'
import { commandsSent, type RedisServer, startRedis } from '@tagcache/redis-harness'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type NearCache, type NearCacheOptions, nearCache } from '../src/index.js'

let server: RedisServer
beforeAll(async () => {
  server = await startRedis()
})
afterAll(async () => {
  await server?.stop()
})

type Driver = 'ioredis' | 'node-redis'

interface Setup {
  readonly near: NearCache
  readonly namespace: string
  /** A store over another connection, as another process holds it. */
  readonly other: Store
  close(): Promise<void>
}

let namespaces = 0

async function setup(
  driver: Driver,
  options: NearCacheOptions = {},
  otherOptions: { declaredKeysOnly?: boolean } = {},
): Promise<Setup> {
  const namespace = `nb-${process.pid}-${++namespaces}`
  let store: Store
  let other: Store
  let quit: () => Promise<unknown>
  if (driver === 'ioredis') {
    const a = new Redis(server.port, '127.0.0.1')
    const b = new Redis(server.port, '127.0.0.1')
    store = ioredisStore(a)
    other = ioredisStore(b, otherOptions)
    quit = () => Promise.allSettled([a.quit(), b.quit()])
  } else {
    const a = createClient({ url: server.url })
    const b = createClient({ url: server.url })
    await Promise.all([a.connect(), b.connect()])
    store = nodeRedisStore(a)
    other = nodeRedisStore(b, otherOptions)
    quit = () => Promise.allSettled([a.close(), b.close()])
  }
  const near = nearCache(store, { maxIdle: 60_000, ...options })
  await near.ready()
  return {
    near,
    namespace,
    other,
    async close() {
      await near.shutdown()
      await quit()
    },
  }
}

/** A hook collecting the keys of `evict` events. */
function evictions(): { keys: string[]; hook: { evict(e: EvictEvent): void } } {
  const keys: string[] = []
  return { keys, hook: { evict: (e) => void keys.push(e.key) } }
}

/** Reads `key` through `cache`, expecting a local hit of `near`. */
async function localHit(near: NearCache, cache: Cache, key: string): Promise<unknown> {
  const hits = near.stats.hits
  const value = await cache.get(key)
  expect(near.stats.hits, `${key}: a local hit`).toBe(hits + 1)
  return value
}

for (const driver of ['ioredis', 'node-redis'] as const) {
  describe(`bounded caches over a near cache over ${driver}`, () => {
    it('a local hit sends no read: only the touch recording its use, one per batch of hits', async () => {
      const s = await setup(driver)
      try {
        const reader = createCache({
          store: s.near,
          namespace: s.namespace,
          policy: lru({ maxSize: 10 }),
        })
        await reader.set('k', { n: 1 }, { tags: ['a', 'b'] })
        expect(await reader.get('k')).toEqual({ n: 1 }) // from Redis, kept
        await localHit(s.near, reader, 'k') // loads the touch script
        const hits = s.near.stats.hits
        const sequential = await commandsSent(server, async () => {
          for (let i = 0; i < 20; i++) expect(await reader.get('k')).toEqual({ n: 1 })
        })
        expect(s.near.stats.hits).toBe(hits + 20)
        // No GET, MGET or PTTL: each hit's use is one touch script, sent without waiting for it.
        expect(sequential.length).toBeGreaterThan(0)
        expect(sequential.length).toBeLessThanOrEqual(20)
        expect(new Set(sequential)).toEqual(new Set(['evalsha']))
        // Hits issued together: one touch for all of them.
        const together = await commandsSent(server, () =>
          Promise.all(Array.from({ length: 20 }, () => reader.get('k'))),
        )
        expect(s.near.stats.hits).toBe(hits + 40)
        expect(together).toEqual(['evalsha'])
        // FIFO counts no reads: a local hit sends nothing at all.
        const fifoCache = createCache({
          store: s.near,
          namespace: `${s.namespace}-fifo`,
          policy: fifo({ maxSize: 10 }),
        })
        await fifoCache.set('k', 1)
        expect(await fifoCache.get('k')).toBe(1)
        expect(await commandsSent(server, () => localHit(s.near, fifoCache, 'k'))).toEqual([])
        await Promise.all([reader.close(), fifoCache.close()])
      } finally {
        await s.close()
      }
    })

    it('local hits are uses: the eviction order counts them', async () => {
      const s = await setup(driver)
      try {
        const { keys, hook } = evictions()
        const reader = createCache({
          store: s.near,
          namespace: s.namespace,
          policy: lru({ maxSize: 3 }),
          hooks: [hook],
        })
        for (const k of ['a', 'b', 'c']) await reader.set(k, k)
        // Read from Redis (and kept) in the order a, b, c; then a again, locally.
        for (const k of ['a', 'b', 'c']) expect(await reader.get(k)).toBe(k)
        expect(await localHit(s.near, reader, 'a')).toBe('a')
        // Least recently used: b (a's local hit was a use).
        await reader.set('d', 'd')
        expect(keys).toEqual(['b'])
        await reader.close()
      } finally {
        await s.close()
      }
    })

    for (const declaredKeysOnly of [false, true]) {
      it(`an entry another process evicts is not served locally once Redis said so${declaredKeysOnly ? ' (its store declaredKeysOnly: evicted entries deleted after the script)' : ''}`, async () => {
        const s = await setup(driver, {}, { declaredKeysOnly })
        try {
          const policy = lru({ maxSize: 3 })
          const reader = createCache({ store: s.near, namespace: s.namespace, policy })
          const { keys, hook } = evictions()
          const writer = createCache({
            store: s.other,
            namespace: s.namespace,
            policy,
            hooks: [hook],
          })
          for (const k of ['a', 'b', 'c']) await writer.set(k, k, { tags: ['t'] })
          for (const k of ['a', 'b', 'c']) expect(await reader.get(k)).toBe(k)
          for (const k of ['b', 'a', 'c']) expect(await localHit(s.near, reader, k)).toBe(k)
          // Least recently used: b. The writer's eviction deletes it in Redis. A shorter ttl
          // than the tag versions' leaves them as they are (a longer one extends them, which
          // Redis reports as a change: every local copy would be read again, b's too).
          await writer.set('d', 'd', { tags: ['t'], ttl: '10m' })
          expect(keys).toEqual(['b'])
          await s.near.sync()
          const { misses, hits } = s.near.stats
          expect(await reader.get('b')).toBeUndefined()
          expect(s.near.stats.misses).toBe(misses + 1)
          expect(s.near.stats.hits).toBe(hits)
          // The others are still local.
          expect(await localHit(s.near, reader, 'a')).toBe('a')
          expect(await localHit(s.near, reader, 'c')).toBe('c')
          await Promise.all([reader.close(), writer.close()])
        } finally {
          await s.close()
        }
      })
    }

    it("an entry this process's own write evicts is not served locally, with no sync", async () => {
      const s = await setup(driver)
      try {
        const reader = createCache({
          store: s.near,
          namespace: s.namespace,
          policy: lru({ maxSize: 3 }),
        })
        for (const k of ['a', 'b', 'c']) await reader.set(k, k)
        for (const k of ['a', 'b', 'c']) expect(await reader.get(k)).toBe(k)
        expect(await localHit(s.near, reader, 'a')).toBe('a')
        const entries = s.near.stats.entries
        await reader.set('d', 'd', { ttl: '10m' }) // evicts b; tag versions left as they are
        // No sync: Redis's invalidation of b may come after the write's reply (another
        // connection), but the view heard the eviction in that reply and dropped b.
        expect(s.near.stats.entries).toBe(entries - 1)
        const misses = s.near.stats.misses
        expect(await reader.get('b')).toBeUndefined()
        expect(s.near.stats.misses).toBe(misses + 1)
        await reader.close()
      } finally {
        await s.close()
      }
    })

    it('a local eviction (maxKeys) is not an eviction of the bounded cache', async () => {
      const s = await setup(driver, { maxKeys: 2 })
      try {
        const { keys, hook } = evictions()
        const reader = createCache({
          store: s.near,
          namespace: s.namespace,
          policy: lru({ maxSize: 10 }),
          hooks: [hook],
        })
        const all = ['k0', 'k1', 'k2', 'k3', 'k4']
        for (const k of all) await reader.set(k, k)
        for (const k of all) expect(await reader.get(k)).toBe(k)
        expect(s.near.stats.evictions).toBe(3)
        expect(s.near.stats.entries).toBe(2)
        expect(reader.stats.evictions).toBe(0)
        expect(keys).toEqual([])
        expect(await reader.getMany(all)).toEqual(all)
        await reader.close()
      } finally {
        await s.close()
      }
    })
  })
}
