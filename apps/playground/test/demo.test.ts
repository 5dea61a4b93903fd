import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { metricsCollector } from '@tagcache/observability'
import { type SharedRedis, sharedRedis } from '@tagcache/redis-harness/vitest'
import { beforeAll, describe, expect, it } from 'vitest'
import { runDemo } from '../src/demo.ts'

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

  describe('on Redis', () => {
    let server: SharedRedis
    beforeAll(() => {
      server = sharedRedis() // the run's shared server (vitest globalSetup); namespace 'playground'
    })

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
        }
      })
    }
  })
})
