import { createCache } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { describe, expect, it } from 'vitest'
import { LatencyHistogram } from '../src/histogram.js'
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
