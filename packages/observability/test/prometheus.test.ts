import { createCache } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { prometheusExporter } from '../src/prometheus.js'
import { flakyStore, storeCases, uniqueNamespace } from './stores.js'

/** The value of one sample of the registry's text exposition, or undefined. */
async function sample(registry: Registry, series: string): Promise<number | undefined> {
  const text = await registry.metrics()
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe.each(storeCases())('prometheusExporter on $name', ({ create }) => {
  it('exposes counters and a duration histogram per namespace and operation', async () => {
    const registry = new Registry()
    const namespace = uniqueNamespace()
    const cache = createCache({
      store: create(),
      namespace,
      hooks: [prometheusExporter({ registry })],
    })
    await cache.set('a', 1, { tags: ['t'] })
    await cache.get('a')
    await cache.get('b')
    await cache.wrap('w', () => 1)
    await cache.invalidate('t')
    await cache.get('a')
    const ns = `namespace="${namespace}"`
    expect(await sample(registry, `tagcache_hits_total{${ns}}`)).toBe(1)
    expect(await sample(registry, `tagcache_misses_total{${ns}}`)).toBe(3)
    expect(await sample(registry, `tagcache_sets_total{${ns}}`)).toBe(2)
    expect(await sample(registry, `tagcache_invalidations_total{${ns}}`)).toBe(1)
    expect(await sample(registry, `tagcache_evictions_total{${ns},reason="invalidated"}`)).toBe(1)
    expect(
      await sample(registry, `tagcache_operations_total{${ns},operation="get",outcome="miss"}`),
    ).toBe(2)
    expect(
      await sample(registry, `tagcache_operations_total{${ns},operation="wrap",outcome="miss"}`),
    ).toBe(1)
    expect(
      await sample(registry, `tagcache_operation_duration_seconds_count{${ns},operation="get"}`),
    ).toBe(3)
    const sum = await sample(
      registry,
      `tagcache_operation_duration_seconds_sum{${ns},operation="get"}`,
    )
    expect(sum).toBeGreaterThan(0)
    expect(sum).toBeLessThan(1)
    expect(
      await sample(
        registry,
        `tagcache_operation_duration_seconds_bucket{le="+Inf",${ns},operation="get"}`,
      ),
    ).toBe(3)
  })
})

describe('prometheusExporter', () => {
  it('counts failed operations, and errors by whether they failed the operation', async () => {
    const registry = new Registry()
    const { store, failing } = flakyStore(memoryStore())
    const cache = createCache({
      store,
      namespace: 'p',
      hooks: [prometheusExporter({ registry })],
      onError: (_error, { operation }) => (operation === 'wrap' ? 'miss' : 'throw'),
    })
    failing.on = true
    await expect(cache.get('k')).rejects.toThrow()
    expect(await cache.wrap('k', () => 1)).toBe(1)
    expect(
      await sample(
        registry,
        'tagcache_operations_total{namespace="p",operation="get",outcome="error"}',
      ),
    ).toBe(1)
    expect(
      await sample(registry, 'tagcache_errors_total{namespace="p",operation="get",failed="true"}'),
    ).toBe(1)
    expect(
      await sample(
        registry,
        'tagcache_errors_total{namespace="p",operation="wrap",failed="false"}',
      ),
    ).toBe(1)
  })

  it('two exporters on one registry share the metrics instead of throwing', async () => {
    const registry = new Registry()
    const one = createCache({
      store: memoryStore(),
      namespace: 'one',
      hooks: [prometheusExporter({ registry })],
    })
    const two = createCache({
      store: memoryStore(),
      namespace: 'two',
      hooks: [prometheusExporter({ registry })],
    })
    await one.get('x')
    await two.get('x')
    expect(await sample(registry, 'tagcache_misses_total{namespace="one"}')).toBe(1)
    expect(await sample(registry, 'tagcache_misses_total{namespace="two"}')).toBe(1)
  })

  it('honours prefix and buckets, and names what is wrong with bad options', async () => {
    const registry = new Registry()
    const cache = createCache({
      store: memoryStore(),
      namespace: 'q',
      hooks: [prometheusExporter({ registry, prefix: 'app_cache_', buckets: [0.5] })],
    })
    await cache.get('x')
    const text = await registry.metrics()
    expect(text).toContain('app_cache_misses_total{namespace="q"} 1')
    expect(text).toContain(
      'app_cache_operation_duration_seconds_bucket{le="0.5",namespace="q",operation="get"} 1',
    )
    expect(() => prometheusExporter({ registry, prefix: '1bad' })).toThrow(
      'prometheusExporter.prefix: expected letters',
    )
    expect(() => prometheusExporter({ registry: {} as Registry })).toThrow(
      'prometheusExporter.registry: expected a prom-client Registry',
    )
  })
})
