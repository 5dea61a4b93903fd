import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { metricsCollector } from '@tagcache/observability'
import { type SharedRedis, sharedRedis } from '@tagcache/redis-harness/vitest'
import { beforeAll, describe, expect, it } from 'vitest'
import { runDemo } from '../src/demo.ts'
import { runNearDemo } from '../src/near-demo.ts'
import { connectIoredis, connectNodeRedis } from '../src/redis.ts'

function expectDemoOutput(text: string) {
  expect(text).toMatch(/get\('user:1'\)\s+\{ id: 1, name: 'Ada' \}/)
  expect(text).toMatch(/about 10 minutes\s+true/)
  expect(text).toMatch(/after invalidate\('user:1'\)\s+undefined/)
  expect(text).toMatch(/getMany\(\['user:1', 'user:2'\]\)\s+\[ undefined, undefined \]/)
  expect(text).toMatch(/database queries\s+1\n/)
  expect(text).toMatch(/afterwards \(miss, not stale\)\s+undefined/)
  expect(text).toMatch(/recomputed\s+'Grace Hopper'/)
  expect(text).toMatch(/has\('user:1'\)\s+false/)
  expect(text).toMatch(/evict events\s+\[ 'b \(capacity, lru\)' \]/)
  expect(text).toMatch(/getMany\(\['a', 'b', 'c', 'd'\]\)\s+\[ 'A', undefined, 'C', 'D' \]/)
  expect(text).toMatch(/stats\.evictions\s+1\n/)
  expect(text.match(/^ {2}\[stats\] hits=\d+ misses=\d+ hitRatio=\d+\.\d% /gm)).toHaveLength(7)
}

/** The near-cache step's lines: a Redis hit, then a near hit, then another process's invalidate. */
function expectNearOutput(text: string) {
  expect(text).toContain('9. a near cache: a local copy kept coherent by Redis')
  expect(text).toMatch(/get\('user:1'\) from Redis \(a near miss\)\s+\{ id: 1, name: 'Ada' \}\n/)
  expect(text).toMatch(/get\('user:1'\) again: local, no round trip\s+\{ id: 1, name: 'Ada' \}\n/)
  const [, redisMs, nearMs] =
    text.match(/^ {2}Redis hit ([\d.]+) ms, near hit ([\d.]+) ms \(\d+x; medians of 20 keys/m) ?? []
  // Only that both were measured: which is faster is for apps/bench to say, not a busy CI box.
  expect(Number(redisMs)).toBeGreaterThan(0)
  expect(Number(nearMs)).toBeGreaterThan(0)
  expect(text).toMatch(/\[near\] near: 20 hits, 20 misses \(50\.0%\), \d+ invalidations/)
  expect(text).toMatch(
    /another process \(pid \d+, no near cache\)\s+invalidate\('users'\) returned in [\d.]+ ms\n/,
  )
  expect(text).toMatch(
    /the invalidation reached this near cache\s+[\d.]+ ms after the other process called invalidate\n/,
  )
  expect(text).toMatch(/get\('user:1'\) after it \(a miss, not stale\)\s+undefined\n/)
  expect(text).toMatch(/getMany of all 20 \(all tagged 'users'\): hits\s+0\n/)
  // The reads after the invalidation (1 get, a getMany of 20) went to Redis: no more near hits.
  expect(text).toMatch(/\[near\] near: 20 hits, 41 misses \(32\.8%\), [1-9]\d* invalidations/)
}

describe('playground demo', () => {
  it('runs on the memory store: hits, misses, invalidation and single-flight', async () => {
    const lines: string[] = []
    const cache = await runDemo({ log: (line) => void lines.push(line) })
    expectDemoOutput(lines.join('\n'))
    expect(cache.stats.coalesced).toBe(4)
  })

  it('prints a stats line after each step, the last one agreeing with the cache', async () => {
    const lines: string[] = []
    // A second collector, passed through `hooks`, sees exactly what the demo's own one sees.
    const metrics = metricsCollector()
    const cache = await runDemo({ log: (line) => void lines.push(line), hooks: [metrics] })
    const stats = lines.filter((line) => line.startsWith('  [stats] '))
    expect(stats).toHaveLength(7)
    expect(stats[0]).toMatch(/^ {2}\[stats\] hits=2 misses=0 hitRatio=100\.0% sets=2 /)
    const latency = /(get|wrap) n=\d+ p50=([\d.]+)ms p99=([\d.]+)ms/g
    for (const [i, line] of stats.entries()) {
      const ops = [...line.matchAll(latency)]
      // wrap first runs in step 4.
      expect(ops.map((m) => m[1])).toEqual(i < 3 ? ['get'] : ['get', 'wrap'])
      for (const [, , p50, p99] of ops) {
        expect(Number(p50)).toBeGreaterThan(0)
        expect(Number(p50)).toBeLessThanOrEqual(Number(p99))
      }
    }

    const s = metrics.snapshot()
    const counters = `hits=${s.hits} misses=${s.misses} hitRatio=${(s.hitRatio * 100).toFixed(1)}% sets=${s.sets} invalidations=${s.invalidations}`
    expect(stats[6]).toContain(`[stats] ${counters} `)
    expect(counters).toBe('hits=5 misses=10 hitRatio=33.3% sets=7 invalidations=5')
    expect([s.hits, s.misses, s.sets, s.invalidations]).toEqual([
      cache.stats.hits,
      cache.stats.misses,
      cache.stats.sets,
      cache.stats.invalidations,
    ])
  })

  it('on the memory store, the near-cache step says it needs Redis and how to run it', async () => {
    const lines: string[] = []
    const result = await runNearDemo({
      log: (line) => void lines.push(line),
      storeName: 'memory',
      redisUrl: 'redis://127.0.0.1:6379',
    })
    expect(result).toBeUndefined()
    expect(lines).toEqual([
      '\n9. a near cache (@tagcache/near) needs Redis: run `pnpm demo -- --store ioredis --redis-url redis://127.0.0.1:6379` (or --store node-redis)',
    ])
  })

  it('pnpm demo on the memory store ends with that line', () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
    const result = spawnSync(process.execPath, [main], { encoding: 'utf8', timeout: 120_000 })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^9\. a near cache .* needs Redis: run /,
    )
  })

  describe('on Redis', () => {
    let server: SharedRedis
    beforeAll(() => {
      server = sharedRedis() // the run's shared server (vitest globalSetup); namespace 'playground'
    })

    for (const store of ['ioredis', 'node-redis'] as const) {
      it(`the near-cache step on ${store}: a near hit, another process's invalidate arrives, then a miss`, async () => {
        const connect = store === 'ioredis' ? connectIoredis : connectNodeRedis
        const redis = await connect(server.url)
        const lines: string[] = []
        try {
          const result = await runNearDemo({
            log: (line) => void lines.push(line),
            storeName: store,
            store: redis.store,
            redisUrl: server.url,
            namespace: `near-demo-test-${store}`,
          })
          expectNearOutput(lines.join('\n'))
          expect(result?.missAfter).toBe(true)
          expect(result?.arrivalMs).toBeGreaterThanOrEqual(0)
          expect(Number.isFinite(result?.arrivalMs)).toBe(true)
        } finally {
          await redis.close()
        }
      })
    }

    for (const store of ['ioredis', 'node-redis']) {
      it(`runs with --store ${store} --redis-url, twice in a row`, () => {
        const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
        for (let run = 0; run < 2; run++) {
          const result = spawnSync(
            process.execPath,
            [main, '--store', store, '--redis-url', server.url],
            {
              encoding: 'utf8',
              timeout: 120_000,
            },
          )
          expect(result.stderr).toBe('')
          expect(result.status).toBe(0)
          expect(result.stdout).toContain(`store: ${store}`)
          expectDemoOutput(result.stdout)
          expectNearOutput(result.stdout)
        }
      })
    }
  })
})
