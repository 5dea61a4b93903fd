import { type Cache, createCache, type Store } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { nodeRedisStore } from '@tagcache/node-redis'
import { commandsSent, type RedisServer, startRedis } from '@tagcache/redis-harness'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type NearCache, type NearCacheOptions, nearCache } from '../src/index.js'
import { eventually } from './clients.js'
import { spawnRedis } from './redis-process.js'

// This file's own server: the tests MONITOR it and kill its clients.
let server: RedisServer
let admin: Redis
beforeAll(async () => {
  server = await startRedis()
  admin = new Redis(server.port, '127.0.0.1')
})
afterAll(async () => {
  await admin?.quit()
  await server?.stop()
})

/** Staleness windows observed (ms from the writer's acknowledgement to the first fresh read). */
const windows: number[] = []
afterAll(() => {
  if (windows.length > 0) {
    const sorted = [...windows].sort((a, b) => a - b)
    console.info(
      `near: another client's change seen after ${sorted[0]?.toFixed(2)} ms (best), ${sorted[sorted.length >> 1]?.toFixed(2)} ms (median), ${sorted[sorted.length - 1]?.toFixed(2)} ms (worst) over ${sorted.length} changes`,
    )
  }
})

type Driver = 'ioredis' | 'node-redis'

interface Pair {
  near: NearCache
  reader: Cache
  writer: Cache
  close(): Promise<void>
}

let namespaces = 0

/** A near cache (reader) and a plain cache over another connection (writer), one namespace. */
async function pair(driver: Driver, port: number, options: NearCacheOptions = {}): Promise<Pair> {
  const namespace = `coherence-${process.pid}-${++namespaces}`
  let store: Store
  let plain: Store
  let quit: () => Promise<unknown>
  if (driver === 'ioredis') {
    const a = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 50 })
    const b = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 50 })
    a.on('error', () => {})
    b.on('error', () => {})
    store = ioredisStore(a)
    plain = ioredisStore(b)
    quit = () => Promise.allSettled([a.quit(), b.quit()])
  } else {
    const opts = { url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: () => 50 } }
    const a = createClient(opts)
    const b = createClient(opts)
    a.on('error', () => {})
    b.on('error', () => {})
    await Promise.all([a.connect(), b.connect()])
    store = nodeRedisStore(a)
    plain = nodeRedisStore(b)
    quit = () => Promise.allSettled([a.close(), b.close()])
  }
  const near = nearCache(store, options)
  await near.ready()
  const reader = createCache({ store: near, namespace })
  const writer = createCache({ store: plain, namespace })
  return {
    near,
    reader,
    writer,
    async close() {
      await Promise.allSettled([reader.close(), writer.close()])
      await quit()
    },
  }
}

/** Polls the reader until `check` holds of what it reads; records the window. */
async function seen(reader: Cache, key: string, check: (value: unknown) => boolean) {
  windows.push(await eventually(async () => check(await reader.get(key)), 2_000))
}

for (const driver of ['ioredis', 'node-redis'] as const) {
  describe(`near over ${driver}`, () => {
    it('a hit costs no round trip, and hands out a fresh value each time', async () => {
      const p = await pair(driver, server.port, { maxIdle: 60_000 })
      try {
        await p.writer.set('k', { n: 1 }, { tags: ['a', 'b', 'c'] })
        expect(await p.reader.get('k')).toEqual({ n: 1 }) // from Redis, kept
        const sent = await commandsSent(server, async () => {
          for (let i = 0; i < 20; i++) {
            const value = (await p.reader.get('k')) as { n: number }
            expect(value).toEqual({ n: 1 })
            value.n = 99 // never reaches the cache
          }
        })
        expect(sent).toEqual([])
        expect(p.near.stats.hits).toBeGreaterThanOrEqual(20)
      } finally {
        await p.close()
      }
    })

    it('byReference: hits hand out one decoded value, the same object; a change still reaches it', async () => {
      const p = await pair(driver, server.port, { maxIdle: 60_000, byReference: true })
      try {
        await p.writer.set('k', { n: 1 }, { tags: ['a', 'b', 'c'] })
        expect(await p.reader.get('k')).toEqual({ n: 1 }) // from Redis, kept
        let first: unknown
        await eventually(async () => {
          first = await p.reader.get('k') // the first local hit decodes it
          return first === (await p.reader.get('k'))
        }, 2_000)
        const sent = await commandsSent(server, async () => {
          for (let i = 0; i < 20; i++) expect(await p.reader.get('k')).toBe(first)
        })
        expect(sent).toEqual([])
        // Another client's invalidation and write: a new copy, a new object.
        await p.writer.invalidate('b')
        await seen(p.reader, 'k', (v) => v === undefined)
        await p.writer.set('k', { n: 2 }, { tags: ['a', 'b', 'c'] })
        await seen(p.reader, 'k', (v) => (v as { n: number } | undefined)?.n === 2)
        // A read from Redis is decoded afresh, and one racing the writer's own
        // invalidation is not kept: wait for two reads to be the same local copy.
        let again: unknown
        await eventually(async () => {
          again = await p.reader.get('k')
          return again === (await p.reader.get('k'))
        }, 2_000)
        expect(again).toEqual({ n: 2 })
        expect(again).not.toBe(first)
        expect(await p.reader.get('k')).toBe(again)
      } finally {
        await p.close()
      }
    })

    it("another client's writes of other entries with the same tags leave its local copy serving", async () => {
      const p = await pair(driver, server.port)
      try {
        await p.writer.set('k', 'v', { tags: ['t'], ttl: '1h' })
        expect(await p.reader.get('k')).toBe('v')
        // Writes that carry k's tags (its own and the namespace's), with ttls
        // no longer than k's: they need not extend the tag keys' lives, so
        // Redis reports no change of them to the reader.
        for (let i = 0; i < 20; i++) {
          await p.writer.set(`other${i}`, i, { tags: ['t'], ttl: i % 2 === 0 ? '1h' : '1m' })
        }
        await p.near.sync()
        const { hits, misses } = p.near.stats
        const sent = await commandsSent(server, async () => {
          expect(await p.reader.get('k')).toBe('v')
        })
        expect(sent).toEqual([])
        expect(p.near.stats).toMatchObject({ hits: hits + 1, misses })
      } finally {
        await p.close()
      }
    })

    it("another client's writes, deletes and invalidations reach it", async () => {
      const p = await pair(driver, server.port)
      try {
        for (let round = 0; round < 10; round++) {
          await p.writer.set('k', round, { tags: ['t', `r${round % 3}`] })
          await seen(p.reader, 'k', (v) => v === round)
          expect(await p.reader.get('k')).toBe(round) // a local hit now
          await p.writer.invalidate(`r${round % 3}`)
          await seen(p.reader, 'k', (v) => v === undefined)
          await p.writer.set('k', `again-${round}`, { tags: ['t'] })
          await seen(p.reader, 'k', (v) => v === `again-${round}`)
          await p.writer.delete('k')
          await seen(p.reader, 'k', (v) => v === undefined)
        }
        await p.writer.set('k', 'last', { tags: ['t'] })
        await seen(p.reader, 'k', (v) => v === 'last')
        await p.writer.invalidateAll()
        await seen(p.reader, 'k', (v) => v === undefined)
        const { stats } = p.near
        expect(stats.hits).toBeGreaterThan(0)
        expect(stats.invalidations).toBeGreaterThan(0)
      } finally {
        await p.close()
      }
    })

    it('after sync(), a change another client made is never served stale', async () => {
      const p = await pair(driver, server.port)
      try {
        for (let i = 0; i < 50; i++) {
          await p.writer.set(`k${i % 5}`, i, { tags: [`t${i % 3}`] })
          await p.near.sync()
          expect(await p.reader.get(`k${i % 5}`)).toBe(i)
          expect(await p.reader.get(`k${i % 5}`)).toBe(i)
          await p.writer.invalidate(`t${i % 3}`)
          await p.near.sync()
          expect(await p.reader.get(`k${i % 5}`)).toBeUndefined()
        }
      } finally {
        await p.close()
      }
    })

    it('CLIENT KILL of its invalidation connection: a write made meanwhile is not served stale', async () => {
      const p = await pair(driver, server.port)
      try {
        await p.writer.set('k', 'old', { tags: ['t'] })
        expect(await p.reader.get('k')).toBe('old')
        expect(await p.reader.get('k')).toBe('old')
        expect(p.near.stats.hits).toBeGreaterThan(0)
        const flushes = p.near.stats.flushes
        // The connection invalidations reach: the listener (ioredis), the tracking connection (node-redis).
        const target = driver === 'ioredis' ? /\bsub=1\b/ : /\bflags=[^ ]*t/
        const list = String(await admin.call('CLIENT', 'LIST'))
        const ids = list
          .split('\n')
          .filter((line) => target.test(line))
          .map((line) => /\bid=(\d+)/.exec(line)?.[1])
        expect(ids.length).toBe(1)
        await admin.call('CLIENT', 'KILL', 'ID', String(ids[0]))
        // Its invalidation is lost (the target is gone): only the near cache's flush saves the reader.
        await p.writer.set('k', 'new', { tags: ['t'] })
        await eventually(async () => p.near.stats.flushes > flushes && p.near.healthy, 5_000)
        expect(await p.reader.get('k')).toBe('new')
        // And it tracks again: the next change reaches it.
        expect(await p.reader.get('k')).toBe('new')
        await p.writer.invalidate('t')
        await seen(p.reader, 'k', (v) => v === undefined)
      } finally {
        await p.close()
      }
    })

    it('a restart of redis-server empties the local copy', async () => {
      const own = await spawnRedis()
      const p = await pair(driver, own.port)
      try {
        await p.writer.set('k', 'before', { tags: ['t'] })
        expect(await p.reader.get('k')).toBe('before')
        expect(await p.reader.get('k')).toBe('before')
        await own.restart()
        await eventually(async () => p.near.healthy, 10_000)
        // The restarted server lost everything: never the old value.
        await eventually(async () => {
          try {
            return (await p.reader.get('k')) === undefined
          } catch {
            return false
          }
        }, 10_000)
        await p.writer.set('k', 'after', { tags: ['t'] })
        await seen(p.reader, 'k', (v) => v === 'after')
        await p.writer.invalidate('t')
        await seen(p.reader, 'k', (v) => v === undefined)
      } finally {
        await p.close()
        await own.stop()
      }
    })

    it('its pings keep a quiet connection from counting as silent (maxIdle)', async () => {
      // Pings every 250 ms; a loaded machine may stall the loop, not for 750 ms.
      const p = await pair(driver, server.port, { maxIdle: 750 })
      try {
        await p.writer.set('k', 'v', { tags: ['t'] })
        expect(await p.reader.get('k')).toBe('v')
        const { flushes, hits } = p.near.stats
        await new Promise((resolve) => setTimeout(resolve, 2_000))
        expect(await p.reader.get('k')).toBe('v')
        expect(p.near.stats.flushes).toBe(flushes)
        expect(p.near.stats.hits).toBe(hits + 1)
      } finally {
        await p.close()
      }
    })

    it('maxIdle of silence (a frozen server): the local copy stops serving and is emptied', async () => {
      const own = await spawnRedis()
      const p = await pair(driver, own.port, { maxIdle: 300 })
      try {
        await p.writer.set('k', 'v', { tags: ['t'] })
        expect(await p.reader.get('k')).toBe('v')
        expect(await p.reader.get('k')).toBe('v')
        const { flushes } = p.near.stats
        own.signal('SIGSTOP')
        await new Promise((resolve) => setTimeout(resolve, 700))
        // Not served locally: the read waits for the frozen server.
        let settled = false
        const read = p.reader.get('k').finally(() => {
          settled = true
        })
        await new Promise((resolve) => setTimeout(resolve, 100))
        expect(settled).toBe(false)
        expect(p.near.stats.flushes).toBeGreaterThan(flushes)
        own.signal('SIGCONT')
        await read.catch(() => undefined)
        await eventually(async () => p.near.healthy, 10_000)
        await p.writer.invalidate('t')
        await seen(p.reader, 'k', (v) => v === undefined)
      } finally {
        own.signal('SIGCONT')
        await p.close()
        await own.stop()
      }
    })

    it('tags only: another client’s invalidation reaches it, and a read is one GET', async () => {
      const p = await pair(driver, server.port, { values: false, maxIdle: 60_000 })
      try {
        await p.writer.set('k', 'v', { tags: ['a', 'b', 'c'] })
        expect(await p.reader.get('k')).toBe('v') // learns the tag versions
        const sent = await commandsSent(server, async () => {
          expect(await p.reader.get('k')).toBe('v')
        })
        expect(sent).toEqual(['mget'])
        await p.writer.invalidate('b')
        await seen(p.reader, 'k', (v) => v === undefined)
      } finally {
        await p.close()
      }
    })

    it('FLUSHALL empties the local copy', async () => {
      const own = await spawnRedis()
      const p = await pair(driver, own.port)
      try {
        await p.writer.set('k', 'v', { tags: ['t'] })
        expect(await p.reader.get('k')).toBe('v')
        expect(await p.reader.get('k')).toBe('v')
        const probe = new Redis(own.port, '127.0.0.1')
        await probe.flushall()
        await probe.quit()
        await seen(p.reader, 'k', (v) => v === undefined)
      } finally {
        await p.close()
        await own.stop()
      }
    })
  })
}

describe('options and stores', () => {
  it('refuses bad options and other stores, with typed errors', async () => {
    const client = new Redis(server.port, '127.0.0.1', { lazyConnect: true })
    try {
      const store = ioredisStore(client)
      expect(() => nearCache(store, { maxKeys: 0 })).toThrow(/maxKeys/)
      expect(() => nearCache(store, { confidence: 101 })).toThrow(/confidence/)
      expect(() => nearCache(store, { policy: {} as never })).toThrow(/policy/)
      expect(() => nearCache(store, { nope: 1 } as never)).toThrow(/nope/)
      expect(() => nearCache(store, { values: false, byReference: true })).toThrow(
        /byReference: true keeps decoded values, and values: false keeps none/,
      )
      const notRedis = { name: 'x' } as unknown as Store
      expect(() => nearCache(notRedis)).toThrow(
        expect.objectContaining({ code: 'E_INVALID_OPTIONS' }),
      )
    } finally {
      client.disconnect()
    }
  })

  it.each(['ioredis', 'node-redis'] as const)(
    'Redis refusing CLIENT TRACKING (%s): ready() rejects with a StoreError saying why; reads go to Redis',
    async (driver) => {
      const user = `notrack-${driver}`
      await admin.call('ACL', 'SETUSER', user, 'on', '>pw', '~*', '&*', '+@all', '-client|tracking')
      const url = `redis://${user}:pw@127.0.0.1:${server.port}`
      let store: Store
      let quit: () => Promise<unknown>
      if (driver === 'ioredis') {
        const client = new Redis(url)
        store = ioredisStore(client)
        quit = () => client.quit()
      } else {
        const client = createClient({ url })
        await client.connect()
        store = nodeRedisStore(client)
        quit = () => client.close()
      }
      const near = nearCache(store)
      const cache = createCache({ store: near, namespace: `refused-${driver}` })
      try {
        const refusal = await near.ready().then(
          () => undefined,
          (error: unknown) => error,
        )
        expect(refusal).toMatchObject({
          code: 'E_STORE',
          message: expect.stringMatching(
            /^\[tagcache\] \[near\] Redis refused client tracking \(NOPERM.*client\|tracking.*\); expected Redis 6 or later/,
          ),
        })
        expect(near.healthy).toBe(false)
        // The cache works on, every read from Redis.
        await cache.set('k', 'v', { tags: ['t'] })
        for (let i = 0; i < 3; i++) expect(await cache.get('k')).toBe('v')
        await cache.invalidate('t')
        expect(await cache.get('k')).toBeUndefined()
        await near.sync()
        expect(near.stats.hits).toBe(0)
        expect(near.stats.misses).toBe(4)
      } finally {
        await cache.close()
        await quit()
        await admin.call('ACL', 'DELUSER', user)
      }
    },
  )

  it('an ioredis keyPrefix: invalidations name keys with it, and still reach the entries', async () => {
    const a = new Redis(server.port, '127.0.0.1', { keyPrefix: 'kp:' })
    const b = new Redis(server.port, '127.0.0.1', { keyPrefix: 'kp:' })
    const near = nearCache(ioredisStore(a))
    await near.ready()
    const reader = createCache({ store: near, namespace: 'prefixed' })
    const writer = createCache({ store: ioredisStore(b), namespace: 'prefixed' })
    try {
      await writer.set('k', 1, { tags: ['t'] })
      expect(await reader.get('k')).toBe(1)
      expect(await reader.get('k')).toBe(1)
      expect(near.stats.hits).toBe(1)
      expect(await a.exists('tagcache:prefixed:e:k')).toBe(1) // as ioredis names it: kp: added
      await writer.invalidate('t')
      await seen(reader, 'k', (v) => v === undefined)
      await writer.set('k', 2, { tags: ['t'] })
      await seen(reader, 'k', (v) => v === 2)
    } finally {
      await Promise.allSettled([reader.close(), writer.close()])
      await Promise.allSettled([a.quit(), b.quit()])
    }
  })

  it('keeps at most maxKeys entries locally', async () => {
    const p = await pair('ioredis', server.port, { maxKeys: 3 })
    try {
      for (let i = 0; i < 10; i++) await p.writer.set(`k${i}`, i, { tags: ['t'] })
      for (let i = 0; i < 10; i++) expect(await p.reader.get(`k${i}`)).toBe(i)
      expect(p.near.stats.entries).toBe(3)
      expect(p.near.stats.evictions).toBe(7)
      // The last three are local hits.
      const hits = p.near.stats.hits
      for (let i = 7; i < 10; i++) expect(await p.reader.get(`k${i}`)).toBe(i)
      expect(p.near.stats.hits).toBe(hits + 3)
      p.near.reset()
      expect(p.near.stats.entries).toBe(0)
      expect(p.near.stats.summary).toMatch(/^near: \d+ hits/)
    } finally {
      await p.close()
    }
  })

  it('share(): two views over one local copy; the connections close with the last', async () => {
    const p = await pair('node-redis', server.port)
    try {
      const other = p.near.share()
      const second = createCache({ store: other, namespace: 'shared-view' })
      await second.set('k', 1, { tags: ['t'] })
      expect(await second.get('k')).toBe(1)
      expect(await second.get('k')).toBe(1)
      expect(other.stats.hits).toBe(1)
      await second.close()
      expect(p.near.healthy).toBe(true) // the first view still holds the connections
      await p.writer.set('x', 'y', { tags: ['t'] })
      expect(await p.reader.get('x')).toBe('y')
    } finally {
      await p.close()
    }
    expect(p.near.healthy).toBe(false)
  })

  it('confidence 0: every hit is checked against Redis, and a contradicted one counts dirty', async () => {
    const p = await pair('ioredis', server.port, { confidence: 0, maxIdle: 60_000 })
    try {
      await p.writer.set('k', 1, { tags: ['t'] })
      expect(await p.reader.get('k')).toBe(1)
      const sent = await commandsSent(server, async () => {
        expect(await p.reader.get('k')).toBe(1)
      })
      expect(sent.length).toBeGreaterThan(0)
      expect(p.near.stats.dirty).toBe(0)
    } finally {
      await p.close()
    }
  })
})
