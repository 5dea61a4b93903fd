// Bounded caches on Redis, for both drivers: the round-trip budget
// (MONITOR), the policies Redis refuses, processes writing into one bounded
// cache at once, and where a sharded cache's keys live on a cluster.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createCache, InvalidOptionsError, type Store } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { lru, tinyLfu } from '@tagcache/policies'
import { commandsSent } from '@tagcache/redis-harness'
import { sharedCluster } from '@tagcache/redis-harness/vitest'
import { Cluster } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { nodeRedisStore } from '../src/index.js'
import { ioredis, nodeRedis, server, useBothClients } from './both-clients.js'

useBothClients()

const drivers: Record<string, () => Store> = {
  ioredis: () => ioredisStore(ioredis),
  'node-redis': () => nodeRedisStore(nodeRedis),
}

describe.each(Object.keys(drivers))('bounded caches over %s', (driver) => {
  const store = () => (drivers[driver] as () => Store)()

  it('a tagged get, set, getMany, delete are one round trip each; a wrap miss two; invalidateAll one', async () => {
    const cache = createCache({
      store: store(),
      namespace: `rt-${driver}`,
      policy: lru({ maxSize: 3 }),
    })
    await cache.wrap('warm', () => 0, { tags: ['t'] }) // loads the scripts
    await cache.wrap('warm', () => 0, { tags: ['t'] })
    await cache.get('warm') // the hinted read (tag keys known from the write)
    await cache.getMany(['warm'])
    await cache.delete('none')
    const sent = (fn: () => Promise<unknown>) => commandsSent(server, fn)
    expect(await sent(() => cache.set('k', 1, { tags: ['a', 'b'] }))).toEqual(['evalsha'])
    // An entry this view wrote or read: the store's hinted read (node-redis: a plain MGET) and
    // the touch script, issued together (pipelined: one round trip; see packages/redis' tests).
    const hinted = driver === 'node-redis' ? ['mget', 'evalsha'] : ['evalsha', 'evalsha']
    expect(await sent(() => cache.get('k'))).toEqual(hinted)
    // An entry another process wrote: the full read, one command too.
    const other = createCache({
      store: store(),
      namespace: `rt-${driver}`,
      policy: lru({ maxSize: 3 }),
    })
    expect(await sent(() => other.get('k'))).toEqual(['evalsha'])
    expect(await other.get('k')).toBe(1)
    expect(await sent(() => cache.getMany(['k', 'warm', 'x']))).toEqual(['evalsha'])
    expect(await sent(() => cache.wrap('w', () => 2, { tags: ['a'] }))).toEqual([
      'evalsha',
      'evalsha',
    ])
    expect(await sent(() => cache.wrap('w', () => 3, { tags: ['a'] }))).toEqual(['evalsha'])
    // A write that evicts: still one command, the eviction inside the script.
    expect(cache.stats.evictions).toBe(0)
    expect(await sent(() => cache.set('k2', 1, { tags: ['a'] }))).toEqual(['evalsha'])
    expect(cache.stats.evictions).toBe(1)
    expect(await sent(() => cache.delete('k'))).toEqual(['evalsha'])
    // The index is dropped (UNLINK, O(1)) with the namespace version, pipelined.
    expect((await sent(() => cache.invalidateAll())).sort()).toEqual(['set', 'unlink'])
    await cache.close()
  })

  it('refuses tinyLfu (in-process only) with an InvalidOptionsError naming policy', () => {
    const attempt = () => createCache({ store: store(), policy: tinyLfu({ maxSize: 10 }) })
    expect(attempt).toThrow(InvalidOptionsError)
    expect(attempt).toThrow(/policy: tinyLfu .*in-process only/)
  })
})

describe.each([false, true])('bounded caches, declaredKeysOnly: %s', (declaredKeysOnly) => {
  it.each(['ioredis', 'node-redis'])(
    'an entry key holding another Redis type is a miss on %s (never WRONGTYPE), and the next write replaces it',
    async (driver) => {
      const make = () =>
        driver === 'ioredis'
          ? ioredisStore(ioredis, { declaredKeysOnly })
          : nodeRedisStore(nodeRedis, { declaredKeysOnly })
      const ns = `wrongtype-${driver}-${declaredKeysOnly}`
      const cache = createCache({ store: make(), namespace: ns, policy: lru({ maxSize: 3 }) })
      await cache.set('c', { a: 1 }, { tags: ['t'] })
      await cache.set('other', 2, { tags: ['t'] })
      const key = `tagcache:{${ns}:b::0}${ns}:e:c`
      expect(await ioredis.exists(key)).toBe(1)
      await ioredis.del(key)
      await ioredis.hset(key, 'f', 'v')
      // A cache that never read it (full read script or two steps), and the writer (hinted read).
      const fresh = createCache({ store: make(), namespace: ns, policy: lru({ maxSize: 3 }) })
      for (const c of [fresh, cache]) {
        expect(await c.get('c')).toBeUndefined()
        expect(await c.getMany(['c', 'other'])).toEqual([undefined, 2])
      }
      expect(await fresh.wrap('c', () => 'fresh', { tags: ['t'] })).toBe('fresh')
      expect(await cache.get('c')).toBe('fresh')
      expect(await cache.get('other')).toBe(2)
    },
  )
})

describe('8 processes writing into one bounded cache at once', () => {
  it('never holds more than maxSize entries, and each eviction is reported once', async () => {
    const maxSize = 50
    const writes = 160
    const namespace = 'race'
    const script = fileURLToPath(new URL('./bounded-writer.mjs', import.meta.url))
    const children = Array.from({ length: 8 }, (_, w) =>
      fork(
        script,
        [
          w % 2 ? 'ioredis' : 'node-redis',
          server.url,
          namespace,
          String(w),
          String(writes),
          String(maxSize),
        ],
        {
          stdio: 'inherit',
        },
      ),
    )
    const ready = children.map((c) => new Promise((resolve) => c.once('message', resolve)))
    const done = children.map(
      (c) =>
        new Promise<number>((resolve, reject) => {
          c.on('message', (m) => {
            if (typeof m === 'object' && m !== null) resolve((m as { evictions: number }).evictions)
          })
          c.once('exit', (code) =>
            code === 0 ? undefined : reject(new Error(`writer exited with ${code}`)),
          )
        }),
    )
    await Promise.all(ready)
    // The index and the entry keys, counted atomically (one script) while the writers race.
    const index = `tagcache:{${namespace}:b::0}#i`
    const entries = `tagcache:{${namespace}:b::0}${namespace}:e:*`
    const count = async () =>
      (await ioredis.eval(
        "return {redis.call('ZCARD', KEYS[1]), #redis.call('KEYS', ARGV[1])}",
        1,
        index,
        entries,
      )) as [number, number]
    let finished = false
    const evictions = Promise.all(done).finally(() => {
      finished = true
    })
    for (const c of children) c.send('go')
    let most = [0, 0]
    let samples = 0
    while (!finished) {
      const [indexed, live] = await count()
      most = [Math.max(most[0] as number, indexed), Math.max(most[1] as number, live)]
      samples++
    }
    const total = (await evictions).reduce((a, b) => a + b, 0)
    const [indexed, live] = await count()
    expect(samples).toBeGreaterThan(0)
    expect(most[0]).toBeLessThanOrEqual(maxSize) // Lua is atomic: exactly the bound, not maxSize + 8
    expect(most[1]).toBeLessThanOrEqual(maxSize)
    expect([indexed, live]).toEqual([maxSize, maxSize])
    // 8 warm-up writes + 8 x 160: every entry but maxSize evicted, each reported by its writer alone.
    expect(total).toBe(8 + 8 * writes - maxSize)
  })
})

describe('a sharded bounded cache on a cluster', () => {
  it('puts each shard (index, counter, entries) in one slot of its own, each bounded', async () => {
    const cluster = new Cluster(sharedCluster().nodes.map((n) => ({ host: n.host, port: n.port })))
    try {
      const cache = createCache({
        store: ioredisStore(cluster),
        namespace: 'sharded',
        policy: lru({ maxSize: 12, shards: 4 }),
      })
      for (let i = 0; i < 80; i++) await cache.set(`k${i}`, i, { tags: ['t'] })
      const keys: string[] = []
      for (const node of cluster.nodes('master')) {
        let cursor = '0'
        do {
          const [next, found] = await node.scan(
            cursor,
            'MATCH',
            'tagcache:{sharded:b::*',
            'COUNT',
            1000,
          )
          cursor = next
          keys.push(...found)
        } while (cursor !== '0')
      }
      const slots = new Map<number, string[]>()
      for (const key of keys) {
        const slot = (await cluster.cluster('KEYSLOT', key)) as number
        slots.set(slot, [...(slots.get(slot) ?? []), key])
      }
      expect(slots.size).toBe(4)
      for (const inSlot of slots.values()) {
        // Its index, its counter and at most ceil(12 / 4) entries.
        expect(inSlot.filter((k) => k.endsWith('}#i') || k.endsWith('}#c'))).toHaveLength(2)
        expect(inSlot.length - 2).toBe(3)
      }
      expect(cache.stats.evictions).toBe(80 - 12)
      await cache.close()
    } finally {
      await cluster.quit()
    }
  })
})
