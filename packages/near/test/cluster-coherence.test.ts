import { type Cache, createCache, type Store } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { nodeRedisStore } from '@tagcache/node-redis'
import { type RedisCluster, startCluster } from '@tagcache/redis-harness'
import { sharedCluster } from '@tagcache/redis-harness/vitest'
import { Cluster, Redis } from 'ioredis'
import { createCluster } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type NearCache, type NearCacheOptions, nearCache } from '../src/index.js'
import { keySlot } from '../src/slot.js'
import { eventually } from './clients.js'

type Node = { readonly host: string; readonly port: number }

/** A direct connection to each node of the shared cluster, to list and kill clients. */
let admins: Redis[]
beforeAll(() => {
  admins = sharedCluster().nodes.map((n) => new Redis(n.port, n.host))
})
afterAll(async () => {
  await Promise.allSettled(admins.map((a) => a.quit()))
})

type Driver = 'ioredis' | 'node-redis'

interface Pair {
  near: NearCache
  reader: Cache
  writer: Cache
  namespace: string
  /** The name every connection of the reader's cluster client (and the near cache's duplicates) carries. */
  name: string
  close(): Promise<void>
}

let pairs = 0

/** A near cache (reader) and a plain cache over another cluster client (writer), one namespace. */
async function pair(driver: Driver, nodes: readonly Node[], options: NearCacheOptions = {}) {
  const namespace = `cluster-${process.pid}-${++pairs}`
  const name = `near-${namespace}`
  let store: Store
  let plain: Store
  let quit: () => Promise<unknown>
  if (driver === 'ioredis') {
    const seeds = nodes.map((n) => ({ host: n.host, port: n.port }))
    const a = new Cluster(seeds, {
      clusterRetryStrategy: () => 50,
      redisOptions: { connectionName: name, maxRetriesPerRequest: 1 },
    })
    const b = new Cluster(seeds, { clusterRetryStrategy: () => 50 })
    a.on('error', () => {})
    b.on('error', () => {})
    await Promise.all([
      new Promise((resolve) => a.once('ready', resolve)),
      new Promise((resolve) => b.once('ready', resolve)),
    ])
    store = ioredisStore(a)
    plain = ioredisStore(b)
    quit = () => Promise.allSettled([a.quit(), b.quit()])
  } else {
    const rootNodes = nodes.map((n) => ({ socket: { host: n.host, port: n.port } }))
    const a = createCluster({
      rootNodes,
      defaults: { name, socket: { reconnectStrategy: () => 50 } },
    })
    const b = createCluster({ rootNodes, defaults: { socket: { reconnectStrategy: () => 50 } } })
    a.on('error', () => {})
    b.on('error', () => {})
    await Promise.all([a.connect(), b.connect()])
    store = nodeRedisStore(a)
    plain = nodeRedisStore(b)
    quit = () => Promise.allSettled([a.close(), b.close()])
  }
  const near = nearCache(store, options)
  await near.ready()
  const reader = createCache({ store: near, namespace, onError: 'throw' })
  const writer = createCache({ store: plain, namespace, onError: 'throw' })
  return {
    near,
    reader,
    writer,
    namespace,
    name,
    async close() {
      await Promise.allSettled([reader.close(), writer.close()])
      await quit()
    },
  } satisfies Pair
}

/** Ids of the near cache's invalidation connections on `admin`'s node (ioredis: listeners; node-redis: RESP3 tracking). */
async function invalidationConnections(admin: Redis, driver: Driver, name: string) {
  const list = String(await admin.call('CLIENT', 'LIST'))
  const target = driver === 'ioredis' ? /\bsub=1\b/ : /\bflags=[^ ]*t/
  return list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `) && target.test(line))
    .map((line) => /\bid=(\d+)/.exec(line)?.[1] as string)
}

it('keySlot hashes as the cluster does (hash tags, unicode, empty braces)', async () => {
  const keys = [
    '',
    'a',
    'foo',
    'tagcache:ns:e:user:1',
    '{user1}:a',
    'x{user1}y',
    '{}x',
    'a{}b{c}',
    '{{a}}',
    'a}b{c',
    'ünïcødé-键-🔑',
    'x'.repeat(1000),
  ]
  for (let i = 0; i < 50; i++) keys.push(`k${i}:${Math.random().toString(36)}`)
  const admin = admins[0] as Redis
  for (const key of keys) {
    expect(keySlot(key), key).toBe(await admin.call('CLUSTER', 'KEYSLOT', key))
  }
})

for (const driver of ['ioredis', 'node-redis'] as const) {
  describe(`near over a ${driver} cluster`, () => {
    it('reads go to the master owning each slot: keys on every node are kept, and hit locally', async () => {
      const p = await pair(driver, sharedCluster().nodes, { maxIdle: 60_000 })
      try {
        const keys = Array.from({ length: 30 }, (_, i) => `k${i}`)
        for (const key of keys) await p.writer.set(key, key, { tags: ['a', `b${key}`] })
        for (const key of keys) expect(await p.reader.get(key)).toBe(key)
        const { hits, flushes } = p.near.stats
        for (const key of keys) expect(await p.reader.get(key)).toBe(key)
        expect(p.near.stats.hits).toBe(hits + keys.length)
        expect(p.near.stats.flushes).toBe(flushes) // no redirection, no gap
        expect(p.near.stats.entries).toBe(keys.length)
        // A change of one shared tag drops every entry, wherever it lives.
        await p.writer.invalidate('a')
        await p.near.sync()
        for (const key of keys) expect(await p.reader.get(key)).toBeUndefined()
      } finally {
        await p.close()
      }
    }, 60_000)

    it("after sync(), another client's sets, deletes and invalidations are never served stale", async () => {
      const p = await pair(driver, sharedCluster().nodes)
      try {
        for (let i = 0; i < 60; i++) {
          const key = `k${i % 7}`
          await p.writer.set(key, i, { tags: [`t${i % 3}`, 'all'] })
          await p.near.sync()
          expect(await p.reader.get(key)).toBe(i)
          expect(await p.reader.get(key)).toBe(i)
          if (i % 2 === 0) await p.writer.invalidate(`t${i % 3}`)
          else await p.writer.delete(key)
          await p.near.sync()
          expect(await p.reader.get(key)).toBeUndefined()
        }
        expect(p.near.stats.hits).toBeGreaterThanOrEqual(60)
        expect(p.near.stats.invalidations).toBeGreaterThan(0)
      } finally {
        await p.close()
      }
    }, 60_000)

    it('tags only: the tag versions are tracked on their masters', async () => {
      const p = await pair(driver, sharedCluster().nodes, { values: false })
      try {
        for (let i = 0; i < 20; i++) await p.writer.set(`k${i}`, i, { tags: [`t${i}`] })
        for (let i = 0; i < 20; i++) expect(await p.reader.get(`k${i}`)).toBe(i)
        const { hits } = p.near.stats
        for (let i = 0; i < 20; i++) expect(await p.reader.get(`k${i}`)).toBe(i)
        expect(p.near.stats.hits).toBe(hits + 20)
        for (let i = 0; i < 20; i++) await p.writer.invalidate(`t${i}`)
        await p.near.sync()
        for (let i = 0; i < 20; i++) expect(await p.reader.get(`k${i}`)).toBeUndefined()
      } finally {
        await p.close()
      }
    }, 60_000)

    it("CLIENT KILL of one node's invalidation connection: that node's slots are dropped, a write made meanwhile is not served stale, other nodes' entries keep serving", async () => {
      const p = await pair(driver, sharedCluster().nodes)
      const ownerOfKey = (key: string) => ownerOf(admins, keySlot(`tagcache:${p.namespace}:${key}`))
      /** The first of `base0`, `base1`... for which `accept` holds. */
      const pick = async (base: string, accept: (name: string) => Promise<boolean>) => {
        for (let i = 0; ; i++) if (await accept(`${base}${i}`)) return `${base}${i}`
      }
      try {
        const nsOwner = await ownerOfKey('n')
        for (const [n, admin] of admins.entries()) {
          // `a` lives on node n (its invalidation is lost with the connection);
          // `b` and its tag live elsewhere (tracked by nodes that had no gap).
          const a = await pick(`a${n}-`, async (k) => (await ownerOfKey(`e:${k}`)) === n)
          const b = await pick(`b${n}-`, async (k) => (await ownerOfKey(`e:${k}`)) !== n)
          const tb = await pick(`tb${n}-`, async (t) => (await ownerOfKey(`t:${t}`)) !== n)
          await p.writer.set(a, 'old', { tags: ['ta'] })
          await p.writer.set(b, 'b', { tags: [tb] })
          await p.near.sync()
          for (const key of [a, b, a, b]) await p.reader.get(key)
          const { flushes, nodeGaps } = p.near.stats
          const ids = await invalidationConnections(admin, driver, p.name)
          expect(ids.length).toBe(1)
          await admin.call('CLIENT', 'KILL', 'ID', ids[0] as string)
          // The invalidation of `a` is lost: only dropping node n's slots saves the reader.
          await p.writer.set(a, 'new', { tags: ['ta'] })
          await eventually(async () => p.near.stats.nodeGaps > nodeGaps, 10_000)
          expect(await p.reader.get(a)).toBe('new')
          expect(p.near.stats.flushes).toBe(flushes)
          if (nsOwner !== n) {
            // `b` never left the local copy: a hit, no read.
            const { hits, misses } = p.near.stats
            expect(await p.reader.get(b)).toBe('b')
            expect(p.near.stats).toMatchObject({ hits: hits + 1, misses })
          } else {
            // The namespace's version lives on node n: every entry carries it.
            expect(await p.reader.get(b)).toBe('b')
          }
          // Node n tracks again: `a` is kept, and its next change reaches the reader.
          await eventually(async () => {
            const { hits } = p.near.stats
            await p.reader.get(a)
            return p.near.stats.hits > hits
          }, 10_000)
          await p.writer.invalidate('ta')
          await p.near.sync()
          expect(await p.reader.get(a)).toBeUndefined()
        }
      } finally {
        await p.close()
      }
    }, 60_000)
  })
}

describe('slot migration (a cluster of its own)', () => {
  let own: RedisCluster
  beforeAll(async () => {
    own = await startCluster()
  }, 60_000)
  afterAll(async () => {
    await own?.stop()
  })

  for (const driver of ['ioredis', 'node-redis'] as const) {
    it(`${driver}: only the migrated slot's local entries are dropped, and the new owner tracks them`, async () => {
      const p = await pair(driver, own.nodes)
      const direct = own.nodes.map((n) => new Redis(n.port, n.host))
      try {
        const key = `tagcache:${p.namespace}:e:k`
        const slot = keySlot(key)
        const ids = await Promise.all(
          direct.map(async (r) => String(await r.call('CLUSTER', 'MYID'))),
        )
        const from = await ownerOf(direct, slot)
        const to = (from + 1) % direct.length
        // `o` lives on the same master as `k`, in another slot: it must not go
        // with `k` (ioredis, answered MOVED, says the whole range moved until it
        // has refreshed its table).
        let o = ''
        for (let i = 0; o === ''; i++) {
          const s = keySlot(`tagcache:${p.namespace}:e:o${i}`)
          if (s !== slot && (await ownerOf(direct, s)) === from) o = `o${i}`
        }
        await p.writer.set('k', 'before', { tags: ['t'] })
        await p.writer.set(o, 'other', { tags: ['u'] })
        for (const k of ['k', o, 'k', o]) await p.reader.get(k)
        expect(p.near.stats.entries).toBe(2)
        // `o` stays: neither its key nor any tag key (the namespace's
        // included) hashes to the moved slot, which holds `k` alone.
        const inSlot = (await namespaceKeys(direct, p.namespace)).filter((k) => keySlot(k) === slot)
        expect(inSlot).toEqual([key])
        const { flushes } = p.near.stats
        // Move the entry's slot to another master.
        const source = direct[from] as Redis
        const target = direct[to] as Redis
        await target.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', ids[from] as string)
        await source.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', ids[to] as string)
        const keys = (await source.call('CLUSTER', 'GETKEYSINSLOT', slot, 100)) as string[]
        expect(keys).toContain(key)
        const at = own.nodes[to] as Node
        await source.call('MIGRATE', at.host, at.port, '', 0, 5_000, 'KEYS', ...keys)
        for (const r of direct) await r.call('CLUSTER', 'SETSLOT', slot, 'NODE', ids[to] as string)
        // The source said the key went (MIGRATE deletes it there).
        await p.near.sync()
        expect(p.near.stats.entries).toBe(1)
        // Read again: from the new owner (through a redirection, or after the
        // cluster client saw the new table), then kept, tracked there.
        await eventually(async () => (await p.reader.get('k')) === 'before', 10_000)
        await eventually(async () => {
          await p.reader.get('k')
          return p.near.healthy && p.near.stats.entries === 2
        }, 10_000)
        // The other entry was never dropped: its master still tracks it.
        expect(p.near.stats.flushes).toBe(flushes)
        const { hits, misses } = p.near.stats
        expect(await p.reader.get(o)).toBe('other')
        expect(p.near.stats.hits).toBe(hits + 1)
        expect(p.near.stats.misses).toBe(misses)
        // Both are coherent: writes and invalidations by another client reach the reader.
        await p.writer.set('k', 'after', { tags: ['t'] })
        await p.writer.set(o, 'other 2', { tags: ['u'] })
        await p.near.sync()
        expect(await p.reader.get('k')).toBe('after')
        expect(await p.reader.get(o)).toBe('other 2')
        await p.writer.invalidate('t')
        await p.writer.invalidate('u')
        await p.near.sync()
        expect(await p.reader.get('k')).toBeUndefined()
        expect(await p.reader.get(o)).toBeUndefined()
      } finally {
        await p.close()
        await Promise.allSettled(direct.map((r) => r.quit()))
      }
    }, 60_000)

    it(`${driver}: a frozen master (SIGSTOP) drops only its slots' copies; the other masters' keep serving`, async () => {
      const p = await pair(driver, own.nodes, { maxIdle: 3_000 })
      const direct = own.nodes.map((n) => new Redis(n.port, n.host))
      const ownerOfKey = (key: string) => ownerOf(direct, keySlot(`tagcache:${p.namespace}:${key}`))
      const pick = async (base: string, accept: (name: string) => Promise<boolean>) => {
        for (let i = 0; ; i++) if (await accept(`${base}${i}`)) return `${base}${i}`
      }
      let frozen: number | undefined
      try {
        // Freeze a master that does not hold the namespace's version (every entry carries it).
        const nsOwner = await ownerOfKey('n')
        const f = (nsOwner + 1) % direct.length
        const pid = Number(/process_id:(\d+)/.exec(String(await direct[f]?.info('server')))?.[1])
        expect(pid).toBeGreaterThan(0)
        const a = await pick('a', async (k) => (await ownerOfKey(`e:${k}`)) === f)
        const b = await pick('b', async (k) => (await ownerOfKey(`e:${k}`)) !== f)
        const tb = await pick('tb', async (t) => (await ownerOfKey(`t:${t}`)) !== f)
        await p.writer.set(a, 'old', { tags: ['ta'] })
        await p.writer.set(b, 'b', { tags: [tb] })
        await p.near.sync()
        for (const key of [a, b, a, b]) await p.reader.get(key)
        expect(p.near.stats.entries).toBe(2)
        const { flushes, nodeGaps } = p.near.stats
        process.kill(pid, 'SIGSTOP')
        frozen = pid
        await eventually(async () => p.near.stats.nodeGaps > nodeGaps, 10_000)
        // `a` went with its master's slots; `b` is still served, locally.
        expect(p.near.stats).toMatchObject({ entries: 1, flushes })
        const { hits, misses } = p.near.stats
        expect(await p.reader.get(b)).toBe('b')
        expect(p.near.stats).toMatchObject({ hits: hits + 1, misses, flushes })
        process.kill(pid, 'SIGCONT')
        frozen = undefined
        // The master answers again: its link starts over, and tracks `a` again.
        await eventually(async () => {
          const before = p.near.stats.hits
          await p.reader.get(a)
          return p.near.stats.hits > before
        }, 10_000)
        await p.writer.set(a, 'new', { tags: ['ta'] })
        await p.near.sync()
        expect(await p.reader.get(a)).toBe('new')
      } finally {
        if (frozen !== undefined) process.kill(frozen, 'SIGCONT')
        await p.close()
        await Promise.allSettled(direct.map((r) => r.quit()))
      }
    }, 60_000)
  }
})

/** The index (in `direct`) of the master that owns `slot`. */
async function ownerOf(direct: readonly Redis[], slot: number): Promise<number> {
  const shards = (await (direct[0] as Redis).call('CLUSTER', 'SLOTS')) as [
    number,
    number,
    [string, number],
  ][]
  for (const [from, to, [, port]] of shards) {
    if (slot >= from && slot <= to) {
      const index = direct.findIndex((r) => r.options.port === port)
      if (index !== -1) return index
    }
  }
  throw new Error(`no master owns slot ${slot}`)
}

/** Every key of `namespace` on the cluster (entries and tag keys). */
async function namespaceKeys(direct: readonly Redis[], namespace: string): Promise<string[]> {
  const keys = await Promise.all(
    direct.map((r) => r.call('KEYS', `tagcache:${namespace}:*`) as Promise<string[]>),
  )
  return keys.flat()
}
