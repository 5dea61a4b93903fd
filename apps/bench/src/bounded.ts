// Bounded caches on Redis (`createCache({ store, policy })`): a tagged get
// and a tagged set through each policy's Lua bookkeeping, as a ratio to the
// unbounded cache of the same driver measured in the same process.
//   pnpm bench bounded
import { type Cache, createCache, type EvictionPolicy, type Store } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { nodeRedisStore } from '@tagcache/node-redis'
import { fifo, lfu, lru, mru, rr, tlru } from '@tagcache/policies'
import { startRedis } from '@tagcache/redis-harness'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { type Case, measureProcess, sampleValue } from './measure.ts'
import {
  type BenchOptions,
  type ChildArgs,
  type ChildTask,
  printTable,
  progress,
  runChild,
  runProcesses,
} from './runner.ts'
import { type ProcessRun, summarize } from './stats.ts'

const MAX_SIZE = 10_000
const CONCURRENCY = 64
/** Keys a set cycles through: twice the bound, so that a bounded set evicts. */
const SET_KEYS = 2 * MAX_SIZE
const TARGET = 0.6
const POLICIES: Record<string, (o: { maxSize: number }) => EvictionPolicy> = {
  lru,
  lfu,
  fifo,
  mru,
  rr,
  tlru,
}
const DRIVERS = ['ioredis', 'node-redis'] as const
const tagsOf = (i: number) => [`user:${i}`, `team:${i % 50}`, 'users']

/** The cache a case reads or writes: unbounded (`policy` undefined) or bounded at MAX_SIZE. */
const namespaceOf = (policy: string | undefined) => (policy === undefined ? 'plain' : `b-${policy}`)
const caseName = (op: string, driver: string, policy: string | undefined) =>
  `${op}, 3 tags, ${driver}, ${policy === undefined ? 'unbounded' : `${policy} maxSize 10k`}`

async function connect(port: number) {
  const ioredis = new Redis(port, '127.0.0.1')
  const nodeRedis = createClient({ url: `redis://127.0.0.1:${port}` })
  await nodeRedis.connect()
  const stores: Record<(typeof DRIVERS)[number], Store> = {
    ioredis: ioredisStore(ioredis),
    'node-redis': nodeRedisStore(nodeRedis),
  }
  const cache = (driver: (typeof DRIVERS)[number], policy: string | undefined): Cache =>
    createCache({
      store: stores[driver],
      namespace: namespaceOf(policy),
      ...(policy !== undefined && {
        policy: (POLICIES[policy] as (o: { maxSize: number }) => EvictionPolicy)({
          maxSize: MAX_SIZE,
        }),
      }),
    })
  return { ioredis, cache, close: () => Promise.all([ioredis.quit(), nodeRedis.close()]) }
}

/** Fills the unbounded cache and each bounded one with MAX_SIZE entries (all fit). */
async function seed({ port }: ChildArgs): Promise<number> {
  const c = await connect(Number(port))
  try {
    for (const policy of [undefined, ...Object.keys(POLICIES)]) {
      const cache = c.cache('ioredis', policy)
      for (let i = 0; i < MAX_SIZE; i += 500) {
        await cache.setMany(
          Array.from({ length: 500 }, (_, j) => ({
            key: `user:${i + j}`,
            value: sampleValue(i + j),
            tags: tagsOf(i + j),
          })),
        )
      }
    }
    return await c.ioredis.dbsize()
  } finally {
    await c.close()
  }
}

/** One process: every driver and policy, `op` only (gets of present keys, or sets that evict). */
async function measure(op: 'get' | 'set', port: number): Promise<ProcessRun> {
  const c = await connect(port)
  try {
    const cases: Case[] = []
    for (const driver of DRIVERS) {
      for (const policy of [undefined, ...Object.keys(POLICIES)]) {
        const cache = c.cache(driver, policy)
        let i = 0
        const name = caseName(op, driver, policy)
        if (op === 'get') {
          const next = () => {
            i = (i + 7919) % MAX_SIZE
            return i
          }
          // Warm-up reads every key: the unbounded store then knows each entry's tag keys.
          cases.push({ name, run: () => cache.get(`user:${next()}`), warmupOps: MAX_SIZE })
        } else {
          const next = () => {
            i = (i + 7919) % SET_KEYS
            return i
          }
          cases.push({
            name,
            run: () => {
              const n = next()
              return cache.set(`user:${n}`, sampleValue(n), { tags: tagsOf(n) })
            },
          })
        }
      }
    }
    return await measureProcess(cases, { concurrency: CONCURRENCY, rounds: 5 })
  } finally {
    await c.close()
  }
}

export const tasks: Record<string, ChildTask> = {
  seed,
  get: ({ port }) => measure('get', Number(port)),
  set: ({ port }) => measure('set', Number(port)),
}

/**
 * One redis-server; ~200-byte JSON values with 3 tags, 64 operations in
 * flight. Target (issue 13): a bounded cache's tagged get and set >= 0.6x the
 * unbounded cache's, per driver and policy. Gets read present keys (the
 * unbounded store with its tag hints warm, as a long-running process has
 * them); sets cycle through 20,000 keys, so a bounded set evicts as often as
 * it inserts.
 */
export async function boundedBench({ runs }: BenchOptions): Promise<void> {
  const server = await startRedis()
  try {
    const port = server.port
    const keys = await runChild<number>('bounded', 'seed', { port })
    progress(`bounded: seeded ${keys.toLocaleString('en-US')} keys`)
    for (const op of ['get', 'set'] as const) {
      const processes = await runProcesses('bounded', op, runs, { port })
      for (const driver of DRIVERS) {
        const baseline = caseName(op, driver, undefined)
        printTable(
          `bounded caches: tagged ${op} at ${CONCURRENCY} in flight, ${driver}, ${runs} processes${op === 'set' ? ` (cycling ${SET_KEYS.toLocaleString('en-US')} keys: bounded sets evict)` : ''}`,
          [
            summarize(processes, baseline, baseline),
            ...Object.keys(POLICIES).map((p) =>
              summarize(processes, caseName(op, driver, p), baseline, TARGET),
            ),
          ],
        )
      }
    }
  } finally {
    await server.stop()
  }
}
