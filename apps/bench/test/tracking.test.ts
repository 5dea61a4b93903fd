import { type RedisServer, startRedis } from '@tagcache/redis-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  infoNumber,
  type ModeRun,
  parseSizes,
  quantile,
  tasks,
  usecPerCall,
} from '../src/tracking.ts'

describe('tracking suite helpers', () => {
  it('reads sizes over the defaults and refuses unknown or bad ones', () => {
    expect(parseSizes(undefined).tags).toBe(20_000)
    expect(parseSizes('tags=500, writes=10')).toMatchObject({ tags: 500, writes: 10, readers: 4 })
    expect(() => parseSizes('tag=5')).toThrow(/name one of tags/)
    expect(() => parseSizes('tags=-1')).toThrow(/positive number/)
  })

  it('reads INFO fields and commandstats', () => {
    const text = '# Stats\r\ntracking_total_keys:689\r\ntracking_total_items:800\r\n'
    expect(infoNumber(text, 'tracking_total_items')).toBe(800)
    expect(infoNumber(text, 'used_memory')).toBeNaN()
    const stats =
      'cmdstat_mget:calls=3,usec=9,usec_per_call=3.00,rejected_calls=0\r\ncmdstat_set:calls=2,usec=5,usec_per_call=2.50,rejected_calls=0\r\n'
    expect(usecPerCall(stats, 'set')).toBe(2.5)
    expect(usecPerCall(stats, 'get')).toBe(0)
  })

  it('takes nearest-rank quantiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(quantile(xs, 0.5)).toBe(50)
    expect(quantile(xs, 0.99)).toBe(99)
    expect(quantile([], 0.5)).toBeNaN()
  })
})

// Tiny sizes: what each mode makes Redis send, not how fast.
describe('tracking modes on a real server', () => {
  const sizes = {
    tags: 1_000,
    readers: 2,
    readFraction: 0.2,
    writes: 300,
    unreadWrites: 100,
    rate: 5_000,
    mgetOps: 20,
  }
  let server: RedisServer
  const run = (mode: string, port = server.port) =>
    tasks.mode?.({ ...sizes, port, mode, seed: 7 }) as Promise<ModeRun>
  beforeAll(async () => {
    server = await startRedis()
  })
  afterAll(() => server?.stop())

  it('default: the server remembers each tag read, and tells a reader only of those', async () => {
    const r = await run('default')
    expect(r.reads.trackingItems).toBe(sizes.readers * sizes.tags * sizes.readFraction)
    expect(r.reads.trackingPrefixes).toBe(0)
    expect(r.changed.perReader.useful).toBeGreaterThan(0)
    expect(r.changed.perReader.unneeded).toBe(0)
    expect(r.changed.perReader.spurious).toBe(0)
    expect(r.unread.perReader.keys).toBe(0)
  })

  it('bcast: nothing remembered per key, every reader hears every change', async () => {
    const r = await run('bcast')
    expect(r.reads).toMatchObject({ trackingKeys: 0, trackingItems: 0, trackingPrefixes: 1 })
    // A key changed twice within one event loop turn of the server is sent
    // once, and a slow timer on a loaded machine sends many writes per turn.
    expect(r.changed.perReader.keys).toBeGreaterThan(sizes.writes * 0.5)
    expect(r.changed.perReader.keys).toBeLessThanOrEqual(sizes.writes)
    expect(r.changed.perReader.useful).toBeGreaterThan(0)
    expect(r.unread.perReader.unneeded).toBeGreaterThan(sizes.unreadWrites * 0.5)
    expect(r.unread.perReader.useful).toBe(0)
  })

  it('default with a full tracking table: keys dropped from it are invalidated unchanged', async () => {
    const small = await startRedis({ args: ['--tracking-table-max-keys', '50'] })
    try {
      const r = await run('default', small.port)
      expect(r.reads.trackingKeys).toBeLessThanOrEqual(60)
      expect(r.reads.perReader.spurious).toBeGreaterThan(100)
    } finally {
      await small.stop()
    }
  })
})
