import { createCache, type Hook, type OperationEndEvent } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { describe, expect, it, vi } from 'vitest'
import { bucketOf, bucketUpperBound, LatencyHistogram } from '../src/histogram.js'
import { metricsCollector } from '../src/index.js'
import { flakyStore, storeCases, uniqueNamespace } from './stores.js'

describe.each(storeCases())('metricsCollector on $name', ({ create }) => {
  it('counts events and operations, and times every call', async () => {
    const metrics = metricsCollector()
    const cache = createCache({ store: create(), namespace: uniqueNamespace(), hooks: [metrics] })
    await cache.set('a', 1, { tags: ['t'] })
    await cache.set('b', 2)
    await cache.get('a')
    await cache.get('a')
    await cache.get('nope')
    await cache.getMany(['a', 'b', 'c'])
    await cache.wrap('w', () => 'x')
    await cache.invalidate('t')
    await cache.get('a')

    const s = metrics.snapshot()
    // get: a, a, nope, a (invalidated); getMany: a b c; wrap: w
    expect(s).toMatchObject({ hits: 4, misses: 4, sets: 3, invalidations: 1, evictions: 1 })
    expect(s.hitRatio).toBe(0.5)
    expect(s.operations.get).toMatchObject({ calls: 4, hits: 2, misses: 2, errors: 0 })
    expect(s.operations.set?.calls).toBe(2)
    expect(s.operations.getMany?.calls).toBe(1)
    expect(s.operations.wrap).toMatchObject({ calls: 1, misses: 1 })
    const latency = s.operations.get?.latency
    expect(latency?.count).toBe(4)
    expect(latency?.min).toBeGreaterThan(0)
    expect(latency?.max).toBeGreaterThanOrEqual(latency?.p99 ?? Number.NaN)
    expect(latency?.p50).toBeGreaterThanOrEqual(latency?.min ?? Number.NaN)
    expect(metrics.summary()).toMatch(/^hits=4 misses=4 hitRatio=50\.0% .*get n=4 p50=/)
    // stats in core agree with the collector.
    expect(cache.stats).toMatchObject({ hits: s.hits, misses: s.misses, sets: s.sets })

    metrics.reset()
    expect(metrics.snapshot()).toMatchObject({ hits: 0, misses: 0, operations: {} })
  })
})

describe('metricsCollector', () => {
  it('counts failed operations as calls with errors', async () => {
    const metrics = metricsCollector()
    const { store, failing } = flakyStore(memoryStore())
    const cache = createCache({ store, hooks: [metrics] })
    failing.on = true
    await expect(cache.get('k')).rejects.toThrow()
    await expect(cache.set('k', 1)).rejects.toThrow()
    const s = metrics.snapshot()
    expect(s.errors).toBe(2)
    expect(s.operations.get).toMatchObject({ calls: 1, errors: 1 })
    expect(s.operations.set).toMatchObject({ calls: 1, errors: 1 })
  })

  it('records the duration of every operation the cache reports, to the last digit', async () => {
    const metrics = metricsCollector()
    const durations: Record<string, number[]> = {}
    const note = (event: OperationEndEvent) => {
      durations[event.operation] = [...(durations[event.operation] ?? []), event.duration]
    }
    const seen: Hook = {
      after: note,
      error: (e) => e.failedOperation && note(e.failedOperation),
    }
    // The memory store is read synchronously; the flaky one through a promise.
    const cache = createCache({ store: memoryStore(), hooks: [metrics, seen] })
    await cache.set('a', 1)
    for (let i = 0; i < 5; i++) await cache.get(i % 2 === 0 ? 'a' : 'b')
    await cache.set('b', 2)
    await cache.get('b')
    const { store, failing } = flakyStore(memoryStore())
    const flaky = createCache({ store, hooks: [metrics, seen] })
    await flaky.get('a')
    failing.on = true
    await flaky.get('a').catch(() => {})
    const ops = metrics.snapshot().operations
    for (const name of ['get', 'set'] as const) {
      const recorded = durations[name] ?? []
      expect(recorded.length).toBeGreaterThan(0)
      expect(ops[name]?.latency).toMatchObject({
        count: recorded.length,
        sum: recorded.reduce((a, b) => a + b, 0),
        min: Math.min(...recorded),
        max: Math.max(...recorded),
      })
    }
    expect(ops.get).toMatchObject({ calls: 8, hits: 4, misses: 3, errors: 1 })
  })

  it('a counter per operation, whatever the order of operations, and again after reset', async () => {
    const metrics = metricsCollector()
    const end = (operation: OperationEndEvent['operation'], duration: number) =>
      metrics.after?.({
        namespace: 'n',
        store: 's',
        operation,
        keys: ['k'],
        tags: [],
        duration,
        outcome: 'ok',
      })
    end('get', 1)
    end('get', 2)
    end('set', 4)
    end('get', 8)
    const s = metrics.snapshot().operations
    expect(s.get).toMatchObject({ calls: 3, latency: { count: 3, sum: 11 } })
    expect(s.set).toMatchObject({ calls: 1, latency: { count: 1, sum: 4 } })
    metrics.reset()
    end('get', 16) // the operation seen last before the reset
    expect(metrics.snapshot().operations).toEqual({
      get: expect.objectContaining({ calls: 1, latency: expect.objectContaining({ sum: 16 }) }),
    })
  })

  it('latency: false keeps the counters, no histogram, and spares the cache its clock reads', async () => {
    const metrics = metricsCollector({ latency: false })
    expect(metrics.latency).toBe(false)
    const cache = createCache({ store: memoryStore(), hooks: [metrics] })
    const spy = vi.spyOn(performance, 'now')
    try {
      await cache.set('a', 1)
      await cache.get('a')
      await cache.get('b')
    } finally {
      spy.mockRestore()
    }
    // The memory store keeps its own bound clock, which the spy does not see.
    expect(spy).not.toHaveBeenCalled()
    const s = metrics.snapshot()
    expect(s).toMatchObject({ hits: 1, misses: 1, sets: 1 })
    expect(s.operations.get).toMatchObject({ calls: 2, hits: 1, misses: 1 })
    expect(s.operations.get?.latency.count).toBe(0)
    // Beside a hook that needs durations, the cache measures them, and this collector ignores them.
    const shared = createCache({ store: memoryStore(), hooks: [metrics, { after() {} }] })
    await shared.get('a')
    expect(metrics.snapshot().operations.get).toMatchObject({ calls: 3, latency: { count: 0 } })
    expect(metricsCollector().latency).toBe(true)
  })

  it('latency as a fraction records a random sample of calls, and counts every call', async () => {
    const metrics = metricsCollector({ latency: 0.25 })
    expect(metrics.latency).toBe(0.25)
    const cache = createCache({ store: memoryStore(), hooks: [metrics] })
    await cache.set('a', 1)
    const draws = [0.1, 0.3, 0.9, 0.2, 0.25, 0.24]
    const random = vi.spyOn(Math, 'random').mockImplementation(() => draws.shift() ?? 0.99)
    try {
      for (let i = 0; i < 6; i++) await cache.get(i < 3 ? 'a' : 'b')
    } finally {
      random.mockRestore()
    }
    const get = metrics.snapshot().operations.get
    expect(get).toMatchObject({ calls: 6, hits: 3, misses: 3 })
    // Draws below 0.25: the 1st, 4th and 6th gets were timed.
    expect(get?.latency.count).toBe(3)
    expect(get?.latency.min).toBeGreaterThan(0)
  })

  it('one collector sums several caches', async () => {
    const metrics = metricsCollector()
    const one = createCache({ store: memoryStore(), hooks: [metrics] })
    const two = createCache({ store: memoryStore(), hooks: [metrics] })
    await one.get('x')
    await two.get('x')
    expect(metrics.snapshot().operations.get?.calls).toBe(2)
  })
})

describe('latency histogram', () => {
  it('quantiles are within one bucket (19%) of the exact values', () => {
    const h = new LatencyHistogram()
    const values = Array.from({ length: 10_000 }, (_, i) => 0.01 * 1.001 ** i) // 0.01 .. ~220 ms
    for (const v of values) h.record(v)
    const exact = (q: number) => values[Math.ceil(q * values.length) - 1] as number
    for (const q of [0.5, 0.9, 0.99]) {
      const got = h.quantile(q)
      expect(got / exact(q)).toBeGreaterThanOrEqual(1)
      expect(got / exact(q)).toBeLessThan(1.19)
    }
    const s = h.summary()
    expect(s.count).toBe(10_000)
    expect(s.min).toBeCloseTo(0.01)
    expect(s.max).toBeCloseTo(values.at(-1) as number)
    expect(s.mean).toBeCloseTo(values.reduce((a, b) => a + b) / values.length)
  })

  it('bucket boundaries are exact: a bound is in its bucket, the next double above in the next', () => {
    expect(bucketOf(0)).toBe(0)
    expect(bucketOf(Number.MIN_VALUE)).toBe(0)
    expect(bucketOf(0.001)).toBe(0)
    expect(bucketOf(0.002)).toBe(4)
    expect(bucketOf(1)).toBe(bucketOf(0.999)) // 1 ms = 2^9.97 µs: inside bucket 40
    let i = 0
    for (; Number.isFinite(bucketUpperBound(i)); i++) {
      const bound = bucketUpperBound(i)
      // Four buckets per doubling: each bound 2^(1/4) times the previous one.
      if (i > 0) expect(bound / bucketUpperBound(i - 1)).toBeCloseTo(2 ** 0.25, 12)
      expect(bucketOf(bound)).toBe(i)
      expect(bucketOf(nextUp(bound))).toBe(i + 1)
      expect(bucketOf(nextDown(bound))).toBe(i)
    }
    expect(i).toBe(135) // the last bucket is open-ended
    expect(bucketOf(Number.MAX_VALUE)).toBe(i)
    expect(bucketOf(Number.POSITIVE_INFINITY)).toBe(i)
    // Above 2^32 µs (~72 min) the doubling is found another way: same answers.
    for (const ms of [4_294_967.296, 5e6, 1e7, 1.2e7, 1.3e7, 2e7]) {
      expect(bucketUpperBound(bucketOf(ms))).toBeGreaterThanOrEqual(ms)
      expect(bucketUpperBound(bucketOf(ms) - 1)).toBeLessThan(ms)
    }
  })

  it('the bucket is the first whose bound is >= the duration, for any duration', () => {
    const first = (ms: number) => {
      let i = 0
      while (bucketUpperBound(i) < ms) i++
      return i
    }
    const wrong: number[] = []
    for (let k = 0; k <= 20_000; k++) {
      const ms = 10 ** ((k / 20_000) * 14 - 5) // 10 ns .. 1e9 ms
      if (bucketOf(ms) !== first(ms)) wrong.push(ms)
    }
    expect(wrong).toEqual([])
  })

  it('a quantile is never below the durations it covers', () => {
    const h = new LatencyHistogram()
    // Durations on bucket bounds: the quantile is that bound, not the next one or a rounding below.
    for (const i of [10, 20, 20, 30]) h.record(bucketUpperBound(i))
    expect(h.quantile(0.5)).toBe(bucketUpperBound(20))
    expect(h.quantile(0.25)).toBe(bucketUpperBound(10))
    expect(h.quantile(1)).toBe(bucketUpperBound(30))
  })

  it('clamps to min and max, ignores negative and NaN, and reports zeros when empty', () => {
    const h = new LatencyHistogram()
    expect(h.summary()).toMatchObject({ count: 0, p50: 0, p99: 0, min: 0, max: 0, mean: 0 })
    h.record(-1)
    h.record(Number.NaN)
    h.record(0)
    h.record(1e9)
    expect(h.summary()).toMatchObject({ count: 2, min: 0, max: 1e9, p99: 1e9 })
    h.reset()
    expect(h.summary().count).toBe(0)
  })
})

/** The next double above a positive finite `x`. */
function nextUp(x: number): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  view.setBigUint64(0, view.getBigUint64(0) + 1n)
  return view.getFloat64(0)
}

/** The next double below a positive finite `x`. */
function nextDown(x: number): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  view.setBigUint64(0, view.getBigUint64(0) - 1n)
  return view.getFloat64(0)
}
