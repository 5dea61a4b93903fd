import KeyvRedis from '@keyv/redis'
import { createCache } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { nodeRedisStore } from '@tagcache/node-redis'
import { HINTED_GET_SCRIPT } from '@tagcache/redis'
import { startRedis } from '@tagcache/redis-harness'
import { BentoCache, bentostore } from 'bentocache'
import { redisDriver } from 'bentocache/drivers/redis'
import { createCache as createCacheManager } from 'cache-manager'
import { Redis } from 'ioredis'
import { Keyv } from 'keyv'
import { createClient, RESP_TYPES } from 'redis'
import { type Case, measureProcess, sampleValue } from './measure.ts'
import {
  type BenchOptions,
  type ChildArgs,
  type ChildTask,
  printCpuTable,
  printTable,
  progress,
  runChild,
  runProcesses,
} from './runner.ts'
import { type ProcessRun, range, summarize } from './stats.ts'

const KEYS = 10_000
const CONCURRENCY = 64
const BIG = 100_000

const P = 'tagcache:bench:'
const RAW_GET = 'raw ioredis GET'
const RAW_MGET = 'raw node-redis MGET 5 keys + JSON.parse'
const NODE_REDIS_DEFAULT = 'raw node-redis GET, default options'
const NODE_REDIS_GET = 'raw node-redis GET, timeout: 0'
const EVALSHA = 'raw ioredis EVALSHA of the read script (floor)'
const VIA_IOREDIS = 'tagcache get, 3 tags, ioredis'
const VIA_NODE_REDIS = 'tagcache get, 3 tags, node-redis'
const BENTO = 'bentocache get, 3 tags (redis, no L1)'
const CACHE_MANAGER = 'cache-manager 7 get (@keyv/redis, untagged)'
const tagsOf = (i: number) => [`user:${i}`, `team:${i % 50}`, 'users']
/** The keys a tagged read of `user:n` touches: its entry, the namespace version, its 3 tags. */
const readKeys = (n: number) => [
  `${P}e:user:${n}`,
  `${P}n`,
  `${P}t:user:${n}`,
  `${P}t:team:${n % 50}`,
  `${P}t:users`,
]

/** Every client a task needs; `close()` closes them all, so the child process can exit. */
async function connect(port: number) {
  const url = `redis://127.0.0.1:${port}`
  const ioredis = new Redis(port, '127.0.0.1')
  const nodeRedis = createClient({ url })
  await nodeRedis.connect()
  const bento = new BentoCache({
    default: 'redis',
    stores: {
      redis: bentostore().useL2Layer(redisDriver({ connection: { host: '127.0.0.1', port } })),
    },
  })
  const keyv = new Keyv({ store: new KeyvRedis(url) })
  const cacheManager = createCacheManager({ stores: [keyv] })
  return {
    ioredis,
    nodeRedis,
    bento,
    cacheManager,
    viaIoredis: createCache({ store: ioredisStore(ioredis), namespace: 'bench' }),
    viaNodeRedis: createCache({ store: nodeRedisStore(nodeRedis), namespace: 'bench' }),
    close: async () => {
      const closed = await Promise.allSettled([
        bento.disconnectAll(),
        keyv.disconnect(),
        ioredis.quit(),
        nodeRedis.close(),
      ])
      for (const c of closed) if (c.status === 'rejected') throw c.reason
    },
  }
}

/** Writes the values every client reads: once per suite, before the processes that measure. */
async function seed({ port }: ChildArgs): Promise<number> {
  const c = await connect(Number(port))
  try {
    const pipeline = c.ioredis.pipeline()
    for (let i = 0; i < KEYS; i++) pipeline.set(`raw:user:${i}`, JSON.stringify(sampleValue(i)))
    await pipeline.exec()
    for (let i = 0; i < KEYS; i += 500) {
      const batch = Array.from({ length: Math.min(500, KEYS - i) }, (_, j) => i + j)
      await c.viaIoredis.setMany(
        batch.map((n) => ({ key: `user:${n}`, value: sampleValue(n), tags: tagsOf(n) })),
      )
      await Promise.all(
        batch.map((n) =>
          c.bento.set({ key: `user:${n}`, value: sampleValue(n), tags: tagsOf(n), ttl: '1h' }),
        ),
      )
      await Promise.all(
        batch.map((n) => c.cacheManager.set(`user:${n}`, sampleValue(n), 3_600_000)),
      )
    }
    return await c.ioredis.dbsize()
  } finally {
    await c.close()
  }
}

/** One process of the get comparison, with CPU per get (client: this process; server: INFO cpu). */
async function gets({ port }: ChildArgs): Promise<ProcessRun> {
  const c = await connect(Number(port))
  const info = new Redis(Number(port), '127.0.0.1')
  try {
    const { ioredis, nodeRedis } = c
    let i = 0
    const next = () => {
      i = (i + 7919) % KEYS
      return i
    }
    await ioredis.script('LOAD', HINTED_GET_SCRIPT.lua)
    // The payload is the entry's tail: core's envelope ends with the JSON text.
    const jsonBytes = Array.from({ length: KEYS }, (_, n) =>
      Buffer.byteLength(JSON.stringify(sampleValue(n))),
    )
    const noTimeout = { timeout: 0 }
    // As the node-redis adapter sends its commands.
    const buffers = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer }, timeout: 0 }
    const cases: Case[] = [
      { name: RAW_GET, run: () => ioredis.get(`raw:user:${next()}`) },
      {
        name: RAW_MGET,
        run: async () => {
          const n = next()
          const [entry] = (await nodeRedis.sendCommand(
            ['MGET', ...readKeys(n)],
            buffers,
          )) as Buffer[]
          return (
            entry && JSON.parse(entry.toString('utf8', entry.length - (jsonBytes[n] as number)))
          )
        },
      },
      { name: NODE_REDIS_DEFAULT, run: () => nodeRedis.get(`raw:user:${next()}`) },
      {
        name: NODE_REDIS_GET,
        run: () => nodeRedis.sendCommand(['GET', `raw:user:${next()}`], noTimeout),
      },
      {
        // The floor of a Lua read through ioredis: the script tagcache reads
        // known entries with, sent raw (no tagcache code, no decoding).
        name: EVALSHA,
        run: () => ioredis.callBuffer('EVALSHA', HINTED_GET_SCRIPT.sha, '5', ...readKeys(next())),
      },
      // Warm-up reads every key: the store then knows each entry's tag keys
      // (tag hints, one round trip), as a long-running process does.
      { name: VIA_IOREDIS, run: () => c.viaIoredis.get(`user:${next()}`), warmupOps: KEYS },
      { name: VIA_NODE_REDIS, run: () => c.viaNodeRedis.get(`user:${next()}`), warmupOps: KEYS },
      { name: BENTO, run: () => c.bento.get({ key: `user:${next()}` }) },
      { name: CACHE_MANAGER, run: () => c.cacheManager.get(`user:${next()}`) },
    ]
    const serverCpu = async () => {
      const text = await info.info('cpu')
      const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(text)?.[1] ?? 0)
      return field('used_cpu_user') + field('used_cpu_sys')
    }
    return await measureProcess(cases, {
      concurrency: CONCURRENCY,
      rounds: 5,
      ms: 300,
      warmupMs: 300,
      serverCpu,
    })
  } finally {
    await Promise.all([c.close(), info.quit()])
  }
}

export const tasks: Record<string, ChildTask> = {
  seed,
  get: gets,
  invalidation: async ({ port }) => {
    const ioredis = new Redis(Number(port), '127.0.0.1')
    try {
      return await invalidationBench(ioredis)
    } finally {
      await ioredis.quit()
    }
  },
}

/**
 * One redis-server for the suite; every client reads the same ~200-byte JSON
 * values, 64 gets in flight. Targets (issue 12): tagcache on node-redis >=
 * 0.85x a raw node-redis MGET of the 5 keys its read touches plus JSON.parse
 * of the entry; tagcache on ioredis >= 1.0x a raw ioredis GET; both faster
 * than the peers (issue 3).
 */
export async function redisBench({ runs }: BenchOptions): Promise<void> {
  const server = await startRedis()
  try {
    const port = server.port
    const keys = await runChild<number>('redis', 'seed', { port })
    progress(`redis: seeded ${keys.toLocaleString('en-US')} keys`)
    const processes = await runProcesses('redis', 'get', runs, { port })
    const head = `redis: get at ${CONCURRENCY} in flight, ~200-byte JSON values, ${KEYS.toLocaleString('en-US')} keys; ${runs} processes`
    printTable(`${head}\n  vs ${RAW_GET}`, [
      summarize(processes, RAW_GET, RAW_GET),
      ...[NODE_REDIS_DEFAULT, NODE_REDIS_GET, EVALSHA].map((n) => summarize(processes, n, RAW_GET)),
      summarize(processes, VIA_IOREDIS, RAW_GET, 1.0),
      ...[VIA_NODE_REDIS, BENTO, CACHE_MANAGER].map((n) => summarize(processes, n, RAW_GET)),
    ])
    printTable(
      `  vs ${RAW_MGET} (same processes; the entry and 4 tag-version keys, timeout: 0 and Buffer replies as the adapter sends)`,
      [
        summarize(processes, RAW_MGET, RAW_MGET),
        summarize(processes, VIA_NODE_REDIS, RAW_MGET, 0.85),
      ],
    )
    console.log('  faster than both peers (issue 3), ratio median [min-max] over processes:')
    for (const name of [VIA_IOREDIS, VIA_NODE_REDIS]) {
      const vs = [BENTO, CACHE_MANAGER].map((peer) => summarize(processes, name, peer, 1.0))
      console.log(
        `  ${name}: ${vs.map((r, k) => `${r.ratio.median.toFixed(2)}x ${range(r.ratio.min, r.ratio.max, 2)} ${k === 0 ? 'bentocache' : 'cache-manager'} (${r.verdict})`).join(', ')}`,
      )
    }
    printCpuTable(
      `redis: CPU per get, median [min-max] over ${runs} processes (each: median of its rounds). Client: the bench process (process.cpuUsage); server: redis-server (INFO cpu). Indicative: on loopback the kernel's TCP work is charged to whichever side makes the syscall.`,
      [
        RAW_GET,
        RAW_MGET,
        NODE_REDIS_DEFAULT,
        NODE_REDIS_GET,
        EVALSHA,
        VIA_IOREDIS,
        VIA_NODE_REDIS,
        BENTO,
        CACHE_MANAGER,
      ].map((n) => summarize(processes, n, RAW_GET)),
    )
    const inv = await runChild<Invalidation>('redis', 'invalidation', { port })
    printInvalidation(inv)
  } finally {
    await server.stop()
  }
}

/** invalidate(tag) over 10 vs 100,000 entries (O(1): same cost), next to SCAN+DEL. */
interface Invalidation {
  small: number
  big: number
  scanSmall: number
  scanBig: number
  stillCached: boolean
  /** Keys in the keyspace while invalidate() was timed. */
  keys: number
}

async function invalidationBench(ioredis: Redis): Promise<Invalidation> {
  const cache = createCache({ store: ioredisStore(ioredis), namespace: 'inv' })
  for (let i = 0; i < BIG; i += 1000) {
    await cache.setMany(
      Array.from({ length: 1000 }, (_, j) => ({
        key: `big:${i + j}`,
        value: { n: i + j },
        tags: ['big'],
      })),
    )
  }
  await cache.setMany(
    Array.from({ length: 10 }, (_, j) => ({ key: `small:${j}`, value: { n: j }, tags: ['small'] })),
  )

  const time = async (fn: () => Promise<unknown>, runs: number) => {
    const samples: number[] = []
    for (let r = 0; r < runs; r++) {
      const t = performance.now()
      await fn()
      samples.push(performance.now() - t)
    }
    samples.sort((a, b) => a - b)
    return samples[samples.length >> 1] as number
  }
  // Interleaved so that both see the same machine state.
  const smallRuns: number[] = []
  const bigRuns: number[] = []
  for (let r = 0; r < 5; r++) {
    smallRuns.push(await time(() => cache.invalidate('small'), 100))
    bigRuns.push(await time(() => cache.invalidate('big'), 100))
  }
  smallRuns.sort((a, b) => a - b)
  bigRuns.sort((a, b) => a - b)
  const small = smallRuns[2] as number
  const big = bigRuns[2] as number
  const stillCached = await cache.get('big:5')
  const keys = await ioredis.dbsize()

  const scanDel = async (pattern: string) => {
    const t = performance.now()
    let cursor = '0'
    do {
      const [nextCursor, keys] = await ioredis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
      cursor = nextCursor
      if (keys.length > 0) await ioredis.del(...keys)
    } while (cursor !== '0')
    return performance.now() - t
  }
  const fill = async (prefix: string, n: number) => {
    for (let i = 0; i < n; i += 5000) {
      const p = ioredis.pipeline()
      for (let j = i; j < Math.min(n, i + 5000); j++) p.set(`${prefix}${j}`, 'x')
      await p.exec()
    }
  }
  await fill('scan:small:', 10)
  await fill('scan:big:', BIG)
  const scanSmall = await scanDel('scan:small:*')
  const scanBig = await scanDel('scan:big:*')

  return { small, big, scanSmall, scanBig, stillCached: stillCached !== undefined, keys }
}

function printInvalidation({
  small,
  big,
  scanSmall,
  scanBig,
  stillCached,
  keys,
}: Invalidation): void {
  console.log(
    `\ninvalidation (one process: timings, no ratio target; median ms of 5 x 100 calls; the keyspace holds ${keys.toLocaleString('en-US')} keys)`,
  )
  console.log(`${'case'.padEnd(52)} ${'ms'.padStart(10)}`)
  console.log(
    `${'tagcache invalidate(tag) covering 10 entries'.padEnd(52)} ${small.toFixed(3).padStart(10)}`,
  )
  console.log(
    `${'tagcache invalidate(tag) covering 100,000 entries'.padEnd(52)} ${big.toFixed(3).padStart(10)}`,
  )
  console.log(`${'SCAN MATCH + DEL of 10 keys'.padEnd(52)} ${scanSmall.toFixed(3).padStart(10)}`)
  console.log(`${'SCAN MATCH + DEL of 100,000 keys'.padEnd(52)} ${scanBig.toFixed(1).padStart(10)}`)
  console.log(
    `  100k/10 invalidate ratio: ${(big / small).toFixed(2)}x (O(1) means ~1x); entry after invalidate: ${!stillCached ? 'miss (correct)' : 'HIT (WRONG)'}`,
  )
}
