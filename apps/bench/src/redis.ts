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
import { type CaseResult, compare, ratio, report, sampleValue } from './measure.ts'

const KEYS = 10_000
const CONCURRENCY = 64

/**
 * One redis-server started for the run; every client reads the same ~200-byte
 * JSON values. Baseline: raw ioredis GET. Targets (issue 3): tagcache tagged
 * get >= 0.7x raw ioredis GET, and faster than both peers.
 */
export async function redisBench(): Promise<void> {
  const server = await startRedis()
  const ioredis = new Redis(server.port, '127.0.0.1')
  const nodeRedis = createClient({ url: server.url })
  await nodeRedis.connect()
  const bento = new BentoCache({
    default: 'redis',
    stores: {
      redis: bentostore().useL2Layer(
        redisDriver({ connection: { host: '127.0.0.1', port: server.port } }),
      ),
    },
  })
  const keyv = new Keyv({ store: new KeyvRedis(server.url) })
  const cacheManager = createCacheManager({ stores: [keyv] })
  try {
    const viaIoredis = createCache({ store: ioredisStore(ioredis), namespace: 'bench' })
    const viaNodeRedis = createCache({ store: nodeRedisStore(nodeRedis), namespace: 'bench' })
    const tagsOf = (i: number) => [`user:${i}`, `team:${i % 50}`, 'users']

    const pipeline = ioredis.pipeline()
    for (let i = 0; i < KEYS; i++) pipeline.set(`raw:user:${i}`, JSON.stringify(sampleValue(i)))
    await pipeline.exec()
    for (let i = 0; i < KEYS; i += 500) {
      const batch = Array.from({ length: Math.min(500, KEYS - i) }, (_, j) => i + j)
      await viaIoredis.setMany(
        batch.map((n) => ({ key: `user:${n}`, value: sampleValue(n), tags: tagsOf(n) })),
      )
      await Promise.all(
        batch.map((n) =>
          bento.set({ key: `user:${n}`, value: sampleValue(n), tags: tagsOf(n), ttl: '1h' }),
        ),
      )
      await Promise.all(batch.map((n) => cacheManager.set(`user:${n}`, sampleValue(n), 3_600_000)))
    }

    let i = 0
    const next = () => {
      i = (i + 7919) % KEYS
      return i
    }
    await ioredis.script('LOAD', HINTED_GET_SCRIPT.lua)
    const noTimeout = { timeout: 0 }
    const buffers = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer }, timeout: 0 }
    const results = await compare(
      [
        { name: 'raw ioredis GET (baseline)', run: () => ioredis.get(`raw:user:${next()}`) },
        {
          name: 'raw node-redis GET, default options',
          run: () => nodeRedis.get(`raw:user:${next()}`),
        },
        {
          name: 'raw node-redis GET, timeout: 0',
          run: () => nodeRedis.sendCommand(['GET', `raw:user:${next()}`], noTimeout),
        },
        {
          // The floor of a Lua read through ioredis: the script tagcache reads
          // known entries with, sent raw (no tagcache code, no decoding).
          name: 'raw ioredis EVALSHA of the read script',
          run: () => {
            const n = next()
            const p = 'tagcache:bench:'
            return ioredis.callBuffer(
              'EVALSHA',
              HINTED_GET_SCRIPT.sha,
              '5',
              `${p}e:user:${n}`,
              `${p}n`,
              `${p}t:user:${n}`,
              `${p}t:team:${n % 50}`,
              `${p}t:users`,
            )
          },
        },
        { name: 'tagcache get, 3 tags, ioredis', run: () => viaIoredis.get(`user:${next()}`) },
        { name: 'tagcache get, 3 tags, node-redis', run: () => viaNodeRedis.get(`user:${next()}`) },
        {
          name: 'bentocache get, 3 tags (redis, no L1)',
          run: () => bento.get({ key: `user:${next()}` }),
        },
        {
          name: 'cache-manager 7 get (@keyv/redis, untagged)',
          run: () => cacheManager.get(`user:${next()}`),
        },
      ],
      { concurrency: CONCURRENCY, rounds: 5, ms: 500, warmupMs: 500 },
    )
    void buffers
    report(`redis: get at ${CONCURRENCY} in flight, ~200-byte JSON values, ${KEYS} keys`, results, {
      'tagcache get, 3 tags, ioredis': 0.7,
      'tagcache get, 3 tags, node-redis': 0.7,
    })
    const bentoResult = results.find((r) => r.name.startsWith('bentocache')) as CaseResult
    const cmResult = results.find((r) => r.name.startsWith('cache-manager')) as CaseResult
    for (const r of results.filter((x) => x.name.startsWith('tagcache'))) {
      const [vsBento, vsCm] = [ratio(r, bentoResult), ratio(r, cmResult)]
      console.log(
        `  ${r.name}: ${vsBento.toFixed(1)}x bentocache, ${vsCm.toFixed(2)}x cache-manager -> faster than both peers: ${vsBento > 1 && vsCm > 1 ? 'met' : 'NOT MET'}`,
      )
    }

    await cpuBench(ioredis, [
      ['raw ioredis GET (baseline)', () => ioredis.get(`raw:user:${next()}`)],
      [
        'raw node-redis GET, timeout: 0',
        () => nodeRedis.sendCommand(['GET', `raw:user:${next()}`], noTimeout),
      ],
      ['tagcache get, 3 tags, ioredis', () => viaIoredis.get(`user:${next()}`)],
      ['tagcache get, 3 tags, node-redis', () => viaNodeRedis.get(`user:${next()}`)],
      ['cache-manager 7 get (@keyv/redis, untagged)', () => cacheManager.get(`user:${next()}`)],
    ])

    await invalidationBench(ioredis)
  } finally {
    await Promise.allSettled([
      bento.disconnectAll(),
      keyv.disconnect(),
      ioredis.quit(),
      nodeRedis.close(),
    ])
    await server.stop()
  }
}

/**
 * CPU time per get, in this process (the client) and in redis-server, from
 * process.cpuUsage() and INFO cpu around a fixed number of gets. Here both
 * share 2 cores, so server work (a Lua script costs several times a GET)
 * slows the client down. Indicative only: on loopback, the kernel's TCP work
 * for both ends is charged to whichever process makes the syscall, so the
 * split between client and server moves with how replies batch up.
 */
async function cpuBench(redis: Redis, cases: [string, () => Promise<unknown>][]): Promise<void> {
  const serverCpu = async () => {
    const info = await redis.info('cpu')
    const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0)
    return field('used_cpu_user') + field('used_cpu_sys')
  }
  const OPS = 64 * 1000
  const measure = async (run: () => Promise<unknown>) => {
    const server0 = await serverCpu()
    const client0 = process.cpuUsage()
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = 0; i < OPS / CONCURRENCY; i++) await run()
      }),
    )
    const client = process.cpuUsage(client0)
    const server = (await serverCpu()) - server0
    return { client: (client.user + client.system) / OPS, server: (server * 1e6) / OPS }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number
  const samples = new Map(
    cases.map(([name]) => [name, { client: [] as number[], server: [] as number[] }]),
  )
  for (let round = 0; round < 3; round++) {
    for (const [name, run] of cases) {
      const m = await measure(run)
      samples.get(name)?.client.push(m.client)
      samples.get(name)?.server.push(m.server)
    }
  }
  const base = median(samples.get(cases[0]?.[0] as string)?.client ?? [1])
  console.log(`
redis: CPU per get (µs, median of 3 x ${OPS.toLocaleString('en-US')} gets at ${CONCURRENCY} in flight)`)
  console.log(
    `${'case'.padEnd(52)} ${'client'.padStart(8)} ${'server'.padStart(8)} ${'client vs raw ioredis'.padStart(22)}`,
  )
  for (const [name] of cases) {
    const m = samples.get(name)
    const client = median(m?.client ?? [])
    const server = median(m?.server ?? [])
    console.log(
      `${name.padEnd(52)} ${client.toFixed(1).padStart(8)} ${server.toFixed(1).padStart(8)} ${`${(base / client).toFixed(2)}x`.padStart(22)}`,
    )
  }
}

/** invalidate(tag) over 10 vs 100,000 entries (O(1): same cost), next to SCAN+DEL. */
async function invalidationBench(ioredis: Redis): Promise<void> {
  const cache = createCache({ store: ioredisStore(ioredis), namespace: 'inv' })
  const BIG = 100_000
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
  let small = 0
  let big = 0
  const smallRuns: number[] = []
  const bigRuns: number[] = []
  for (let r = 0; r < 5; r++) {
    smallRuns.push(await time(() => cache.invalidate('small'), 100))
    bigRuns.push(await time(() => cache.invalidate('big'), 100))
  }
  smallRuns.sort((a, b) => a - b)
  bigRuns.sort((a, b) => a - b)
  small = smallRuns[2] as number
  big = bigRuns[2] as number
  const stillCached = await cache.get('big:5')

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

  console.log(
    `\ninvalidation (median ms; the keyspace holds ~${(BIG + 2 * KEYS).toLocaleString('en-US')} keys)`,
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
    `  100k/10 invalidate ratio: ${(big / small).toFixed(2)}x (O(1) means ~1x); entry after invalidate: ${stillCached === undefined ? 'miss (correct)' : 'HIT (WRONG)'}`,
  )
}
