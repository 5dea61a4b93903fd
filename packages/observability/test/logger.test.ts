import { Writable } from 'node:stream'
import { createCache, type Hook } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { type Logger, loggerHook } from '../src/index.js'
import { flakyStore } from './stores.js'

/** A real pino logger writing JSON lines into an array. */
function capture(level = 'debug') {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line))
      done()
    },
  })
  return { logger: pino({ level }, stream), lines }
}

const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 }

describe('loggerHook with pino', () => {
  it('failed operations at error (with err), survived errors at warn, invalidations at info', async () => {
    const { logger, lines } = capture()
    const { store, failing } = flakyStore(memoryStore())
    const cache = createCache({
      store,
      namespace: 'log',
      hooks: [loggerHook(logger)],
      onError: (_e, { operation }) => (operation === 'wrap' ? 'miss' : 'throw'),
    })
    await cache.invalidate('users')
    failing.on = true
    await expect(cache.get('k')).rejects.toThrow()
    await cache.wrap('k2', () => 1)
    const [invalidated, failed, survived] = lines
    expect(lines).toHaveLength(3)
    expect(invalidated).toMatchObject({
      level: LEVEL.info,
      tags: ['users'],
      all: false,
      namespace: 'log',
    })
    expect(failed).toMatchObject({
      level: LEVEL.error,
      msg: 'tagcache get failed',
      operation: 'get',
      keys: ['k'],
      outcome: 'error',
      err: { message: 'store unavailable', type: 'Error' },
    })
    expect(typeof failed?.durationMs).toBe('number')
    expect(survived).toMatchObject({
      level: LEVEL.warn,
      operation: 'wrap',
      key: 'k2',
      err: { message: 'store unavailable' },
    })
  })

  it("reports another hook's failure once, at warn", async () => {
    const { logger, lines } = capture()
    const broken: Hook = {
      after: () => {
        throw new Error('metrics backend down')
      },
    }
    const cache = createCache({ store: memoryStore(), hooks: [broken, loggerHook(logger)] })
    for (let i = 0; i < 5; i++) await cache.get('k')
    expect(lines).toEqual([
      expect.objectContaining({
        level: LEVEL.warn,
        hookIndex: 0,
        method: 'after',
        err: expect.objectContaining({ message: 'metrics backend down' }),
      }),
    ])
  })

  it('operations at debug and slow operations at warn, when asked; keys can be left out', async () => {
    const { logger, lines } = capture()
    const cache = createCache({
      store: memoryStore(),
      hooks: [
        loggerHook(logger, {
          operations: true,
          slowOperationMs: 15,
          keys: false,
          invalidations: false,
        }),
      ],
    })
    await cache.get('secret-user-id')
    await cache.wrap('slow', () => new Promise((resolve) => setTimeout(() => resolve(1), 25)))
    await cache.invalidate('t')
    expect(lines.map((l) => [l.level, l.operation])).toEqual([
      [LEVEL.debug, 'get'],
      [LEVEL.warn, 'wrap'],
      [LEVEL.debug, 'invalidate'],
    ])
    expect(lines[1]?.msg).toMatch(/^tagcache wrap took \d+\.\dms$/)
    expect(JSON.stringify(lines)).not.toContain('secret-user-id')
    expect(lines[0]?.keyCount).toBe(1)
  })

  it('names what is wrong with a logger or options', () => {
    expect(() => loggerHook(console as unknown as Logger)).not.toThrow()
    expect(() => loggerHook({ error() {}, warn() {} } as unknown as Logger)).toThrow(
      /the logger has no info\(\) method/,
    )
    expect(() => loggerHook(capture().logger, { slowOperationMs: -1 })).toThrow(
      'loggerHook.slowOperationMs: expected a number of milliseconds >= 0, got -1',
    )
  })
})
