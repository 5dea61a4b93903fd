// The near cache (@tagcache/near): a tagged hit answered locally, next to a
// raw ioredis GET (a round trip), the peers' own local hits and the
// in-process ceiling (an awaited lru-cache get).
import { createCache } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { nearCache } from '@tagcache/near'
import { nodeRedisStore } from '@tagcache/node-redis'
import { startRedis } from '@tagcache/redis-harness'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisDriver } from 'bentocache/drivers/redis'
import { Redis } from 'ioredis'
import { LRUCache } from 'lru-cache'
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
import { type ProcessRun, range, summarize } from './stats.ts'

const KEYS = 10_000
const tagsOf = (i: number) => [`user:${i}`, `team:${i % 50}`, 'users']

const RAW_GET = 'raw ioredis GET'
const NEAR_IOREDIS = 'near hit, 3 tags, ioredis'
const NEAR_NODE_REDIS = 'near hit, 3 tags, node-redis'
const NEAR_STORE = 'near store.get hit (the Store alone, no core)'
/** Values by reference (`byReference: true`): one decoded value per local copy, as lru-cache hands out. */
const NEAR_BY_REFERENCE = 'near hit, 3 tags, ioredis, byReference'
const NEAR_TAGS_ONLY = 'near tags only (1 GET), 3 tags, ioredis'
const CSC = 'node-redis clientSideCache GET hit'
/** What a caching user gets from it: the value, parsed (a near hit returns the value too). */
const CSC_PARSED = 'node-redis clientSideCache GET hit + JSON.parse'
const BENTO_L1 = 'bentocache L1 hit, 3 tags (memory + redis)'
const LRU = 'await lru.get(k) (ceiling)'

/** Writes the entries every case reads: once per suite. */
async function seed({ port }: ChildArgs): Promise<number> {
  const ioredis = new Redis(Number(port), '127.0.0.1')
  const cache = createCache({ store: ioredisStore(ioredis), namespace: 'bench' })
  try {
    const pipeline = ioredis.pipeline()
    for (let i = 0; i < KEYS; i++) pipeline.set(`raw:user:${i}`, JSON.stringify(sampleValue(i)))
    await pipeline.exec()
    for (let i = 0; i < KEYS; i += 500) {
      await cache.setMany(
        Array.from({ length: Math.min(500, KEYS - i) }, (_, j) => ({
          key: `user:${i + j}`,
          value: sampleValue(i + j),
          tags: tagsOf(i + j),
        })),
      )
    }
    return await ioredis.dbsize()
  } finally {
    await ioredis.quit()
  }
}

/** One process: every case at `concurrency` gets in flight. */
async function gets({ port, concurrency }: ChildArgs): Promise<ProcessRun> {
  const url = `redis://127.0.0.1:${port}`
  const ioredis = new Redis(Number(port), '127.0.0.1')
  const ioredis2 = new Redis(Number(port), '127.0.0.1')
  const ioredis3 = new Redis(Number(port), '127.0.0.1')
  const nodeRedis = createClient({ url })
  const csc = createClient({ url, RESP: 3, clientSideCache: { ttl: 0, maxEntries: KEYS * 2 } })
  await Promise.all([nodeRedis.connect(), csc.connect()])
  const bento = new BentoCache({
    default: 'cache',
    stores: {
      cache: bentostore()
        .useL1Layer(memoryDriver({ maxItems: KEYS * 2 }))
        .useL2Layer(redisDriver({ connection: { host: '127.0.0.1', port: Number(port) } })),
    },
  })
  const near = (store: ReturnType<typeof ioredisStore>, values = true, byReference = false) =>
    nearCache(store, { maxKeys: KEYS * 2, values, byReference })
  const nearIo = near(ioredisStore(ioredis))
  const nearNode = near(nodeRedisStore(nodeRedis))
  const nearTags = near(ioredisStore(ioredis2), false)
  const nearRef = near(ioredisStore(ioredis3), true, true)
  await Promise.all([nearIo.ready(), nearNode.ready(), nearTags.ready(), nearRef.ready()])
  const viaNearRef = createCache({ store: nearRef, namespace: 'bench' })
  const viaNearIo = createCache({ store: nearIo, namespace: 'bench' })
  const viaNearNode = createCache({ store: nearNode, namespace: 'bench' })
  const viaNearTags = createCache({ store: nearTags, namespace: 'bench' })
  const lru = new LRUCache<string, object>({ max: KEYS * 2 })
  try {
    let i = 0
    const next = () => {
      i = (i + 7919) % KEYS
      return i
    }
    const cases: Case[] = [
      { name: RAW_GET, run: () => ioredis.get(`raw:user:${next()}`) },
      // Warm-up reads every key: each is then held locally.
      { name: NEAR_IOREDIS, run: () => viaNearIo.get(`user:${next()}`), warmupOps: KEYS },
      { name: NEAR_NODE_REDIS, run: () => viaNearNode.get(`user:${next()}`), warmupOps: KEYS },
      { name: NEAR_BY_REFERENCE, run: () => viaNearRef.get(`user:${next()}`), warmupOps: KEYS },
      // What core adds on top (decoding, checksum, hooks, stats) is core's own.
      { name: NEAR_STORE, run: () => nearIo.get(`bench:e:user:${next()}`) },
      { name: NEAR_TAGS_ONLY, run: () => viaNearTags.get(`user:${next()}`), warmupOps: KEYS },
      { name: CSC, run: () => csc.get(`raw:user:${next()}`), warmupOps: KEYS },
      {
        name: CSC_PARSED,
        run: async () => JSON.parse((await csc.get(`raw:user:${next()}`)) as string) as unknown,
        warmupOps: KEYS,
      },
      {
        name: BENTO_L1,
        prepare: async () => {
          for (let k = 0; k < KEYS; k++) {
            await bento.set({ key: `user:${k}`, value: sampleValue(k), tags: tagsOf(k), ttl: '1h' })
          }
        },
        run: () => bento.get({ key: `user:${next()}` }),
      },
      {
        name: LRU,
        prepare: () => {
          for (let k = 0; k < KEYS; k++) lru.set(`user:${k}`, sampleValue(k))
        },
        run: async () => await lru.get(`user:${next()}`),
      },
    ]
    const run = await measureProcess(cases, {
      concurrency: Number(concurrency),
      rounds: 5,
      ms: 300,
      warmupMs: 300,
    })
    const stats = [nearIo, nearNode, nearTags, nearRef].map((n) => n.stats)
    progress(`near (${concurrency} in flight): ${stats.map((s) => s.summary).join(' | ')}`)
    return run
  } finally {
    await Promise.allSettled([
      viaNearIo.close(),
      viaNearNode.close(),
      viaNearTags.close(),
      viaNearRef.close(),
    ])
    await Promise.allSettled([
      bento.disconnectAll(),
      ioredis.quit(),
      ioredis2.quit(),
      ioredis3.quit(),
      nodeRedis.close(),
      csc.close(),
    ])
  }
}

export const tasks: Record<string, ChildTask> = { seed, get: gets }

/**
 * Targets (issue 15): a near hit of a 3-tag entry >= 20x a raw ioredis GET
 * at concurrency 1, faster than both peers' local hits, and >= 0.5x an
 * awaited lru-cache get.
 */
export async function nearBench({ runs }: BenchOptions): Promise<void> {
  const server = await startRedis()
  try {
    const port = server.port
    const keys = await runChild<number>('near', 'seed', { port })
    progress(`near: seeded ${keys.toLocaleString('en-US')} keys`)
    for (const concurrency of [1, 64]) {
      const processes = await runProcesses('near', 'get', runs, { port, concurrency })
      const head = `near: get at ${concurrency} in flight, ~200-byte JSON values, ${KEYS.toLocaleString('en-US')} keys, every one held locally; ${runs} processes`
      printTable(`${head}\n  vs ${RAW_GET}`, [
        summarize(processes, RAW_GET, RAW_GET),
        summarize(processes, NEAR_IOREDIS, RAW_GET, concurrency === 1 ? 20 : undefined),
        summarize(processes, NEAR_BY_REFERENCE, RAW_GET, concurrency === 1 ? 20 : undefined),
        ...[NEAR_NODE_REDIS, NEAR_STORE, NEAR_TAGS_ONLY, CSC, CSC_PARSED, BENTO_L1, LRU].map((n) =>
          summarize(processes, n, RAW_GET),
        ),
      ])
      printTable(`  vs ${LRU} (same processes)`, [
        summarize(processes, LRU, LRU),
        summarize(processes, NEAR_IOREDIS, LRU, 0.5),
        summarize(processes, NEAR_NODE_REDIS, LRU, 0.5),
        summarize(processes, NEAR_BY_REFERENCE, LRU, 0.5),
        summarize(processes, NEAR_STORE, LRU),
      ])
      console.log('  faster than both peers, ratio median [min-max] over processes:')
      for (const name of [NEAR_IOREDIS, NEAR_NODE_REDIS, NEAR_BY_REFERENCE]) {
        const peers = [
          [CSC, 'node-redis clientSideCache (raw string)'],
          [CSC_PARSED, 'node-redis clientSideCache + JSON.parse'],
          [BENTO_L1, 'bentocache L1'],
        ] as const
        const vs = peers.map(([peer]) => summarize(processes, name, peer, 1.0))
        console.log(
          `  ${name}: ${vs.map((r, k) => `${r.ratio.median.toFixed(2)}x ${range(r.ratio.min, r.ratio.max, 2)} ${peers[k]?.[1]} (${r.verdict})`).join(', ')}`,
        )
      }
    }
  } finally {
    await server.stop()
  }
}
