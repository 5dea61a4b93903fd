import { createCache } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { metricsCollector } from '../src/metrics.js'
import { prometheusExporter } from '../src/prometheus.js'

/**
 * A cache over a 2-entry memory store on a test clock, driven to one eviction
 * of each reason the memory store and core produce: expired, capacity (twice),
 * invalidated.
 */
async function evictEachWay(hooks: Parameters<typeof createCache>[0]['hooks']) {
  let time = 0
  const cache = createCache({
    store: memoryStore({ maxEntries: 2, now: () => time }),
    namespace: 'evictions',
    hooks,
  })
  await cache.set('short', 1, { ttl: 100 })
  time += 100
  await cache.get('short') // expired
  await cache.set('a', 1, { tags: ['t'] })
  await cache.set('b', 2)
  await cache.set('c', 3) // capacity: a
  await cache.set('d', 4, { tags: ['t'] }) // capacity: b
  await cache.invalidate('t')
  await cache.get('d') // invalidated
  await cache.close()
}

describe('evictions by reason', () => {
  it('metricsCollector breaks them down in evictionsByReason', async () => {
    const metrics = metricsCollector()
    await evictEachWay([metrics])
    const s = metrics.snapshot()
    expect(s.evictionsByReason).toEqual({ expired: 1, capacity: 2, invalidated: 1 })
    expect(s.evictions).toBe(4)
    metrics.reset()
    expect(metrics.snapshot()).toMatchObject({ evictions: 0, evictionsByReason: {} })
  })

  it('prometheusExporter labels tagcache_evictions_total with the reason', async () => {
    const registry = new Registry()
    await evictEachWay([prometheusExporter({ registry })])
    const text = await registry.metrics()
    const series = text.split('\n').filter((line) => line.startsWith('tagcache_evictions_total{'))
    expect(series.sort()).toEqual([
      'tagcache_evictions_total{namespace="evictions",reason="capacity"} 2',
      'tagcache_evictions_total{namespace="evictions",reason="expired"} 1',
      'tagcache_evictions_total{namespace="evictions",reason="invalidated"} 1',
    ])
  })
})
