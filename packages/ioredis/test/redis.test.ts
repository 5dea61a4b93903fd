import { createCache, isTagCacheError } from '@tagcache/core'
import { createRedisStore, GET_SCRIPT, HINTED_GET_SCRIPT, type RedisArg } from '@tagcache/redis'
import {
  commandsSent,
  type RedisCluster,
  type RedisServer,
  startCluster,
  startRedis,
} from '@tagcache/redis-harness'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type IoredisStoreOptions, ioredisStore } from '../src/index.js'

let server: RedisServer
let cluster: RedisCluster
let redis: Redis
const clients: (Redis | Cluster)[] = []
const client = <T extends Redis | Cluster>(c: T): T => {
  clients.push(c)
  return c
}

beforeAll(async () => {
  // A server and a cluster of its own: MONITOR, SCRIPT FLUSH and ACL SETUSER would disturb
  // other files, and the MOVED count below must not see another file's clients.
  ;[server, cluster] = await Promise.all([startRedis(), startCluster()])
  redis = client(new Redis(server.port, '127.0.0.1'))
})

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.quit()))
  await Promise.allSettled([server?.stop(), cluster?.stop()])
})

describe('round trips on standalone Redis (MONITOR)', () => {
  it('a tagged get is one command; set, getMany, invalidate and invalidateAll too', async () => {
    const cache = createCache({ store: ioredisStore(redis), namespace: 'rt' })
    await cache.set('warm', 1, { tags: ['a'] }) // loads the write script
    await cache.get('warm') // the hinted read script
    await createCache({ store: ioredisStore(redis), namespace: 'rt' }).get('warm') // the full one
    expect(
      await commandsSent(server, () => cache.set('k', { v: 1 }, { tags: ['a', 'b', 'c'] })),
    ).toEqual(['evalsha'])
    // An entry this store wrote or read: the short script, given the tag keys.
    expect(await commandsSent(server, () => cache.get('k'))).toEqual(['evalsha'])
    // One it has not seen (another process wrote it): the full read, then the short one.
    const other = createCache({ store: ioredisStore(redis), namespace: 'rt' })
    expect(await commandsSent(server, () => other.get('k'))).toEqual(['evalsha'])
    expect(await commandsSent(server, () => other.get('k'))).toEqual(['evalsha'])
    expect(await other.get('k')).toEqual({ v: 1 })
    expect(
      await commandsSent(server, () => cache.getMany(['k', 'warm', 'missing', 'x', 'y'])),
    ).toEqual(['evalsha'])
    expect(await commandsSent(server, () => cache.invalidate('a'))).toEqual(['set'])
    expect(await commandsSent(server, () => cache.invalidateAll())).toEqual(['set'])
    // Invalidated: one read finds it stale, and core removes it with a compare-and-delete
    // script, not awaited (a plain DEL could remove another process's newer write of the key);
    // the script's first use on this server loads it (NOSCRIPT, then EVAL).
    const removal = await commandsSent(server, () => cache.get('k'))
    expect(removal[0]).toBe('evalsha')
    expect(removal.slice(1)).toEqual(removal.length === 3 ? ['evalsha', 'eval'] : ['evalsha'])
    expect(await commandsSent(server, () => cache.get('k'))).toEqual(['evalsha'])
    expect(await cache.get('k')).toBeUndefined()
  })

  it('a wrap miss is two commands (read and capture in one, then the write); a wrap hit one', async () => {
    const cache = createCache({ store: ioredisStore(redis), namespace: 'rt-wrap' })
    await cache.wrap('warm', () => 0, { tags: ['t'] }) // loads the scripts
    await cache.wrap('warm', () => 0, { tags: ['t'] })
    let runs = 0
    const load = () => ({ v: ++runs })
    expect(await commandsSent(server, () => cache.wrap('k', load, { tags: ['a', 'b'] }))).toEqual([
      'evalsha',
      'evalsha',
    ])
    expect(await commandsSent(server, () => cache.wrap('k', load, { tags: ['a', 'b'] }))).toEqual([
      'evalsha',
    ])
    expect(runs).toBe(1)
    // Rule 2 still holds: an invalidation while the factory runs leaves the entry born stale.
    await cache.invalidate('a')
    const during = await cache.wrap(
      'k',
      async () => {
        await cache.invalidate('b')
        return { v: ++runs }
      },
      { tags: ['a', 'b'] },
    )
    expect(during).toEqual({ v: 2 })
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.wrap('k', load, { tags: ['a', 'b'] })).toEqual({ v: 3 })
    expect(await cache.get('k')).toEqual({ v: 3 })
  })

  it('reloads scripts after SCRIPT FLUSH (NOSCRIPT)', async () => {
    const cache = createCache({
      store: ioredisStore(redis),
      namespace: 'noscript',
    })
    await cache.set('k', 'v', { tags: ['t'] })
    await redis.script('FLUSH')
    // A known entry: the short read script, loaded by EVAL on NOSCRIPT.
    expect(await commandsSent(server, () => cache.get('k'))).toEqual(['evalsha', 'eval'])
    expect(await redis.script('EXISTS', HINTED_GET_SCRIPT.sha, GET_SCRIPT.sha)).toEqual([1, 0])
    expect(await commandsSent(server, () => cache.get('k'))).toEqual(['evalsha'])
    expect(await cache.get('k')).toBe('v')
    await redis.script('FLUSH')
    const other = createCache({ store: ioredisStore(redis), namespace: 'noscript' })
    expect(await commandsSent(server, () => other.get('k'))).toEqual(['evalsha', 'eval'])
    expect(await redis.script('EXISTS', HINTED_GET_SCRIPT.sha, GET_SCRIPT.sha)).toEqual([0, 1])
    expect(await other.get('k')).toBe('v')
  })
})

describe('write coalescing on standalone Redis', () => {
  // Socket writes are counted where they leave the client: each call of the
  // socket's _write or _writev hands the kernel one buffer (corked writes go
  // as one _writev at uncork). Counted at a reader instead (a proxy's
  // chunks), writes merge whenever the reader gets a core late: a quiet CI
  // run saw "plain" writes as 3 chunks for 50 rounds.
  const viaOwn: Redis[] = []
  const flushesOf = new Map<ReturnType<typeof createCache>, () => number>()
  afterAll(async () => {
    await Promise.allSettled(viaOwn.map((c) => c.quit()))
  })

  const keys = Array.from({ length: 40 }, (_, i) => `k${i}`)

  /** A cache over a client of its own, holding 40 tagged entries, warm; its socket's flushes counted. */
  async function cacheVia(
    namespace: string,
    options: IoredisStoreOptions = {},
    present: (c: Redis) => Redis = (c) => c,
  ) {
    const own = new Redis(server.port, '127.0.0.1')
    viaOwn.push(own)
    const cache = createCache({ store: ioredisStore(present(own), options), namespace })
    await cache.setMany(keys.map((key, i) => ({ key, value: { i }, tags: [`t${i % 3}`] })))
    await cache.get('k0') // loads the read script
    const socket = own.stream as unknown as {
      _write: (...args: unknown[]) => unknown
      _writev?: (...args: unknown[]) => unknown
    }
    let flushes = 0
    const write = socket._write
    const writev = socket._writev
    socket._write = function (this: unknown, ...args: unknown[]) {
      flushes++
      return write.apply(this, args)
    }
    if (writev !== undefined) {
      socket._writev = function (this: unknown, ...args: unknown[]) {
        flushes++
        return writev.apply(this, args)
      }
    }
    flushesOf.set(cache, () => flushes)
    return cache
  }

  /** The socket writes 40 gets issued in one tick (one command each) go out in. */
  async function chunksOfOneTick(cache: ReturnType<typeof createCache>): Promise<number> {
    const flushes = flushesOf.get(cache) as () => number
    const before = flushes()
    expect(await Promise.all(keys.map((key) => cache.get(key)))).toEqual(
      keys.map((_, i) => ({ i })),
    )
    return flushes() - before
  }

  /**
   * Rounds of {@link chunksOfOneTick} for each cache, until `enough` holds
   * (at most 50 rounds): a write issued while the socket is still busy
   * with the last joins the next flush, so a round may show fewer than were made.
   */
  async function rounds<K extends string>(
    caches: Record<K, ReturnType<typeof createCache>>,
    enough: (seen: Record<K, number[]>) => boolean,
  ): Promise<Record<K, number>> {
    const names = Object.keys(caches) as K[]
    const seen = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
      K,
      number[]
    >
    for (let round = 0; round < 50 && !enough(seen); round++) {
      for (const name of names) seen[name].push(await chunksOfOneTick(caches[name]))
    }
    return Object.fromEntries(names.map((name) => [name, Math.max(...seen[name])])) as Record<
      K,
      number
    >
  }

  it('40 commands issued in one tick go out in 3 writes of at most 16; with coalesceWrites: false, in 40', async () => {
    const most = await rounds(
      {
        coalesced: await cacheVia('coalesce'),
        plain: await cacheVia('coalesce', { coalesceWrites: false }),
      },
      (seen) => seen.coalesced.includes(3) && seen.plain.some((n) => n > 3),
    )
    // 16 + 16 + 8: never more than 3 writes, and 3 unless the socket was busy between them.
    expect(most.coalesced).toBe(3)
    // One write per command: more than 3 as soon as the socket keeps up at all.
    expect(most.plain).toBeGreaterThan(3)
  })

  // A client as another ioredis might present it, lacking what coalescing
  // needs (its own methods still see the real client): the store detects it
  // and sends each command plainly.
  const hide =
    (what: (stream: object) => object | undefined) =>
    (c: Redis): Redis =>
      new Proxy(c, {
        get(target, key) {
          if (key === 'stream') return what(target.stream)
          const value = Reflect.get(target, key, target)
          return typeof value === 'function' ? value.bind(target) : value
        },
      })
  it.each([
    { lacking: 'a stream', present: hide(() => undefined) },
    {
      lacking: 'uncork on its stream',
      present: hide(
        (stream) =>
          new Proxy(stream, {
            get: (target, key) => (key === 'uncork' ? undefined : Reflect.get(target, key)),
          }),
      ),
    },
  ])('a client lacking $lacking gets plain writes', async ({ present }) => {
    const most = await rounds({ plain: await cacheVia('coalesce-fallback', {}, present) }, (seen) =>
      seen.plain.some((n) => n > 3),
    )
    expect(most.plain).toBeGreaterThan(3)
  })

  it('refuses a coalesceWrites that is not a boolean, and the Redis store still checks its own options', () => {
    const error = (options: unknown) => {
      try {
        ioredisStore(redis, options as IoredisStoreOptions)
      } catch (e) {
        return e
      }
      throw new Error('accepted')
    }
    const bad = error({ coalesceWrites: 'no' })
    expect(isTagCacheError(bad, 'E_INVALID_OPTIONS')).toBe(true)
    expect((bad as Error).message).toMatch(
      /^\[tagcache\] \[ioredis\] invalid options:\n {2}- coalesceWrites: /,
    )
    const unknown = error({ coalesceWrites: false, tagHint: 5 })
    expect(isTagCacheError(unknown, 'E_INVALID_OPTIONS')).toBe(true)
    expect((unknown as Error).message).toContain('tagHint')
  })

  it('works on a client with enableAutoPipelining', async () => {
    const own = client(new Redis(server.port, '127.0.0.1', { enableAutoPipelining: true }))
    const cache = createCache({ store: ioredisStore(own), namespace: 'coalesce-auto' })
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`)
    await cache.setMany(keys.map((key, i) => ({ key, value: i, tags: [`t${i % 2}`] })))
    expect(await Promise.all(keys.map((key) => cache.get(key)))).toEqual(keys.map((_, i) => i))
    await cache.invalidate('t0')
    expect(await Promise.all(keys.map((key) => cache.get(key)))).toEqual(
      keys.map((_, i) => (i % 2 === 0 ? undefined : i)),
    )
  })

  it('keeps working across a reconnect, and while the client is not ready', async () => {
    const own = client(new Redis(server.port, '127.0.0.1', { lazyConnect: true }))
    const cache = createCache({ store: ioredisStore(own), namespace: 'coalesce-reconnect' })
    // Not connected yet: the first commands connect the client and wait in
    // ioredis' offline queue meanwhile.
    expect(own.status).toBe('wait')
    await Promise.all([cache.set('a', 1, { tags: ['t'] }), cache.set('b', 2)])
    expect(await Promise.all([cache.get('a'), cache.get('b')])).toEqual([1, 2])
    await own.disconnect(true) // reconnects: a new socket
    await new Promise<void>((resolve) => own.once('ready', resolve))
    expect(await Promise.all([cache.get('a'), cache.get('b'), cache.get('c')])).toEqual([
      1,
      2,
      undefined,
    ])
    await cache.invalidate('t')
    expect(await cache.get('a')).toBeUndefined()
  })
})

describe('round trips on Redis Cluster', () => {
  /** Wraps the cluster client, counting sequential round trips (calls issued after a reply). */
  function countingStore(c: Cluster) {
    const stats = { roundTrips: 0, commands: 0 }
    let replied = true
    const store = createRedisStore({
      name: 'ioredis',
      cluster: true,
      driverPrefix: '',
      call: (args: readonly RedisArg[]) => {
        stats.commands++
        if (replied) stats.roundTrips++
        replied = false
        const [command, ...rest] = args as [string, ...RedisArg[]]
        return (c.callBuffer(command, ...rest) as Promise<unknown>).finally(() => {
          replied = true
        })
      },
    })
    return { store, stats }
  }

  it('works on a cluster client with enableAutoPipelining (redis/ioredis#1923, #2109)', async () => {
    const c = client(
      new Cluster(
        cluster.nodes.map((n) => ({ host: n.host, port: n.port })),
        { enableAutoPipelining: true },
      ),
    )
    const cache = createCache({ store: ioredisStore(c), namespace: 'cluster-auto' })
    const keys = Array.from({ length: 30 }, (_, i) => `k${i}`)
    await cache.setMany(keys.map((key, i) => ({ key, value: i, tags: [`t${i % 3}`] })))
    expect(await Promise.all(keys.map((key) => cache.get(key)))).toEqual(keys.map((_, i) => i))
    await cache.invalidate('t1')
    expect(await cache.getMany(keys)).toEqual(keys.map((_, i) => (i % 3 === 1 ? undefined : i)))
  })

  it('sends each command to the node serving its keys: Redis answers none with MOVED', async () => {
    const c = client(new Cluster(cluster.nodes.map((n) => ({ host: n.host, port: n.port }))))
    const cache = createCache({ store: ioredisStore(c), namespace: 'cluster-moved' })
    await cache.set('warm', 0, { tags: ['t0'] }) // connects, learns the slots
    /** MOVED replies the masters have sent so far (INFO errorstats). */
    const moved = async () => {
      let total = 0
      for (const node of c.nodes('master')) {
        const stats = await node.info('errorstats')
        total += Number(/errorstat_MOVED:count=(\d+)/.exec(stats)?.[1] ?? 0)
      }
      return total
    }
    const before = await moved()
    const keys = Array.from({ length: 30 }, (_, i) => `k${i}`)
    await cache.setMany(keys.map((key, i) => ({ key, value: i, tags: [`t${i % 3}`] })))
    expect(await Promise.all(keys.map((key) => cache.get(key)))).toEqual(keys.map((_, i) => i))
    await cache.invalidate('t1')
    expect(await cache.getMany(keys)).toEqual(keys.map((_, i) => (i % 3 === 1 ? undefined : i)))
    expect(await moved()).toBe(before)
  })

  it('a tagged get takes two round trips and a set at most two, never cross-slot', async () => {
    const c = client(new Cluster(cluster.nodes.map((n) => ({ host: n.host, port: n.port }))))
    const { store, stats } = countingStore(c)
    const cache = createCache({ store, namespace: 'rt-cluster' })
    // First use of a script on a node costs one NOSCRIPT reload; warm every node involved.
    await cache.set('warm', 1, { tags: ['a', 'b', 'c'] })
    const measure = async (fn: () => Promise<unknown>) => {
      stats.roundTrips = 0
      stats.commands = 0
      await fn()
      return { ...stats }
    }
    expect((await measure(() => cache.set('k', 1, { tags: ['a', 'b', 'c'] }))).roundTrips).toBe(2)
    const get = await measure(() => cache.get('k'))
    expect(get).toEqual({ roundTrips: 2, commands: 5 }) // entry, then namespace + 3 tags in parallel
    expect((await measure(() => cache.getMany(['k', 'warm', 'missing']))).roundTrips).toBe(2)
    expect((await measure(() => cache.invalidate('a', 'b'))).roundTrips).toBe(1)
    expect(await cache.get('k')).toBeUndefined()
  })
})

describe('ACL, keyPrefix and databases', () => {
  it('works for a user allowed only on the cache prefix', async () => {
    await redis.call(
      'ACL',
      'SETUSER',
      'cacheuser',
      'on',
      '>secret',
      'resetkeys',
      '~app-cache:*',
      '+@all',
      '-@dangerous',
    )
    const restricted = client(
      new Redis({
        port: server.port,
        host: '127.0.0.1',
        username: 'cacheuser',
        password: 'secret',
      }),
    )
    const cache = createCache({
      store: ioredisStore(restricted, { prefix: 'app-cache:' }),
      namespace: 'acl',
    })
    await cache.set('k', 'v', { tags: ['t'] })
    expect(await cache.get('k')).toBe('v')
    expect(await cache.wrap('w', () => 'computed', { tags: ['t'] })).toBe('computed')
    await cache.invalidate('t')
    expect(await cache.getMany(['k', 'w'])).toEqual([undefined, undefined])
    // The restriction is real: a key outside the prefix is refused.
    await expect(restricted.set('elsewhere', '1')).rejects.toThrow(/NOPERM/)
    // And a cache configured with another prefix fails with a typed error naming the prefix.
    const wrong = createCache({ store: ioredisStore(restricted, { prefix: 'other:' }) })
    const error = await wrong.get('k').catch((e: unknown) => e)
    expect(isTagCacheError(error, 'E_STORE')).toBe(true)
    expect((error as Error).message).toContain('other:*')
  })

  it("honours ioredis' keyPrefix and db options", async () => {
    const prefixed = client(
      new Redis({ port: server.port, host: '127.0.0.1', keyPrefix: 'tenant1:', db: 3 }),
    )
    const cache = createCache({ store: ioredisStore(prefixed), namespace: 'kp' })
    // Another store: its first read is the full script, then the short one
    // given the tag keys; both must see the driver's keyPrefix the same way.
    const hinted = createCache({ store: ioredisStore(prefixed), namespace: 'kp' })
    await cache.set('k', 'v', { tags: ['t'] })
    expect(await cache.get('k')).toBe('v')
    expect(await hinted.get('k')).toBe('v')
    expect(await hinted.get('k')).toBe('v')
    const db3 = client(new Redis({ port: server.port, host: '127.0.0.1', db: 3 }))
    const keys = (await db3.keys('*')).sort()
    expect(keys).toEqual([
      'tenant1:tagcache:kp:e:k',
      'tenant1:tagcache:kp:n',
      'tenant1:tagcache:kp:t:t',
    ])
    expect(await redis.exists('tenant1:tagcache:kp:e:k')).toBe(0) // db 0 untouched
    await cache.invalidate('t')
    expect(await cache.get('k')).toBeUndefined()
    expect(await hinted.get('k')).toBeUndefined()
    await cache.set('k2', 'v2', { tags: ['t'], ttl: '1h' })
    expect(await cache.expire('k2', '2h')).toBe(true)
    expect(await db3.pttl('tenant1:tagcache:kp:t:t')).toBeGreaterThan(3_600_000)
  })
})

describe('showFriendlyErrorStack', () => {
  it("is honoured: a failed command's stack shows where the store sent it", async () => {
    await redis.call(
      'ACL',
      'SETUSER',
      'stackuser',
      'on',
      '>secret',
      'resetkeys',
      '~elsewhere:*',
      '+@all',
    )
    const causeOf = async (showFriendlyErrorStack: boolean) => {
      const own = client(
        new Redis({
          port: server.port,
          host: '127.0.0.1',
          username: 'stackuser',
          password: 'secret',
          showFriendlyErrorStack,
        }),
      )
      const error = await createCache({ store: ioredisStore(own) })
        .get('k')
        .catch((e: unknown) => e)
      expect(isTagCacheError(error, 'E_STORE')).toBe(true)
      const cause = (error as Error).cause as Error
      expect(cause.message).toMatch(/NOPERM/)
      return cause.stack ?? ''
    }
    // The caller's frames (this file), as ioredis' own commands show them.
    expect(await causeOf(true)).toContain('redis.test.ts')
    // Without it, only where the reply was parsed.
    expect(await causeOf(false)).not.toContain('redis.test.ts')
  })
})

describe('foreign data', () => {
  it('a key written by another program under an entry key is a miss, not garbage', async () => {
    const cache = createCache({ store: ioredisStore(redis), namespace: 'foreign' })
    await redis.set('tagcache:foreign:e:k', 'not a tagcache entry')
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.wrap('k', () => 'mine')).toBe('mine')
    expect(await cache.get('k')).toBe('mine')
  })
})

describe('arguments', () => {
  it('refuses what is not an ioredis client, naming what it expects', () => {
    const nodeRedisLike = { sendCommand: async () => null }
    for (const bad of [null, undefined, 'redis://localhost', {}, nodeRedisLike]) {
      expect(() => ioredisStore(bad as unknown as Redis)).toThrow(
        /expects an ioredis Redis or Cluster instance/,
      )
    }
  })
})
