import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { type RedisServer, startRedis } from '@tagcache/redis-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
}

describe('playground demo', () => {
  it('runs on the memory store: hits, misses, invalidation and single-flight', async () => {
    const lines: string[] = []
    const cache = await runDemo({ log: (line) => void lines.push(line) })
    expectDemoOutput(lines.join('\n'))
    expect(cache.stats.coalesced).toBe(4)
  })

  describe('on Redis', () => {
    let server: RedisServer
    beforeAll(async () => {
      server = await startRedis()
    })
    afterAll(async () => {
      await server?.stop()
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
              timeout: 30_000,
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

  it('rejects an unknown store with a clear message', () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
    const result = spawnSync(process.execPath, [main, '--store', 'mongo'], { encoding: 'utf8' })
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('expected memory, ioredis or node-redis')
  })
})
