import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { createCache } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { instrumentNames, openTelemetryHook } from '../src/opentelemetry.js'
import { flakyStore, storeCases, uniqueNamespace } from './stores.js'

const spanExporter = new InMemorySpanExporter()
const tracerProvider = new TracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })],
})
const tracer = tracerProvider.getTracer('tagcache-test')
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
const metricReader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 3_600_000,
})
const meterProvider = new MeterProvider({ readers: [metricReader] })
const meter = meterProvider.getMeter('tagcache-test')
const contextManager = new AsyncLocalStorageContextManager()

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable())
})
afterAll(async () => {
  context.disable()
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()])
})
beforeEach(() => {
  spanExporter.reset()
})

const spans = (): ReadableSpan[] => spanExporter.getFinishedSpans()

/** Every data point of one instrument, after a collection, filtered by namespace. */
async function points(name: string, namespace: string) {
  metricExporter.reset()
  await metricReader.forceFlush()
  const all = metricExporter
    .getMetrics()
    .flatMap((rm) => rm.scopeMetrics)
    .flatMap((sm) => sm.metrics)
    .filter((m) => m.descriptor.name === name)
  return all.flatMap((m) =>
    m.dataPoints
      .filter((p) => p.attributes['tagcache.namespace'] === namespace)
      .map((p) => ({ type: m.dataPointType, attributes: p.attributes, value: p.value })),
  )
}

describe.each(storeCases())('openTelemetryHook on $name', ({ name, create }) => {
  const system = name === 'memory' ? 'memory' : 'redis'

  it('a span per operation with db and cache attributes, child of the active span', async () => {
    const namespace = uniqueNamespace()
    const cache = createCache({
      store: create(),
      namespace,
      hooks: [openTelemetryHook({ tracer, meter })],
    })
    await tracer.startActiveSpan('request', async (parent) => {
      await cache.set('user:1', { id: 1 }, { tags: ['users'] })
      await cache.get('user:1')
      await cache.get('user:2')
      await cache.getMany(['user:1', 'user:2'])
      await cache.invalidate('users')
      parent.end()
    })
    const finished = spans()
    const parent = finished.find((s) => s.name === 'request')
    const ops = finished.filter((s) => s.name.startsWith('tagcache '))
    expect(ops.map((s) => s.name)).toEqual([
      'tagcache set',
      'tagcache get',
      'tagcache get',
      'tagcache getMany',
      'tagcache invalidate',
    ])
    for (const span of ops) {
      expect(span.kind).toBe(SpanKind.CLIENT)
      expect(span.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId)
      expect(span.spanContext().traceId).toBe(parent?.spanContext().traceId)
      expect(span.attributes).toMatchObject({
        'db.system': system,
        'db.system.name': system,
        'tagcache.namespace': namespace,
      })
      expect(span.status.code).toBe(SpanStatusCode.UNSET)
      expect(span.endTime).toBeDefined()
    }
    const [set, hit, miss, many, inv] = ops
    expect(set?.attributes).toMatchObject({
      'db.operation.name': 'set',
      'tagcache.key_count': 1,
      'tagcache.tag_count': 1,
      'tagcache.outcome': 'ok',
    })
    expect(hit?.attributes).toMatchObject({ 'tagcache.hit': true, 'tagcache.outcome': 'hit' })
    expect(miss?.attributes).toMatchObject({ 'tagcache.hit': false, 'tagcache.outcome': 'miss' })
    expect(many?.attributes).toMatchObject({ 'tagcache.key_count': 2, 'tagcache.hits': 1 })
    expect(inv?.attributes).toMatchObject({ 'db.operation.name': 'invalidate' })
    // Keys are not recorded unless asked.
    expect(hit?.attributes['tagcache.key']).toBeUndefined()
  })

  it('metric points: duration histogram per operation and outcome, event counters', async () => {
    const namespace = uniqueNamespace()
    const cache = createCache({
      store: create(),
      namespace,
      hooks: [openTelemetryHook({ tracer: false, meter })],
    })
    await cache.set('a', 1, { tags: ['t'] })
    await cache.get('a')
    await cache.get('a')
    await cache.get('b')
    await cache.invalidate('t')
    await cache.get('a')

    const durations = await points(instrumentNames.duration, namespace)
    const getHits = durations.find(
      (p) =>
        p.attributes['db.operation.name'] === 'get' && p.attributes['tagcache.outcome'] === 'hit',
    )
    expect(getHits?.type).toBe(DataPointType.HISTOGRAM)
    const histogram = getHits?.value as { count: number; sum: number; max?: number }
    expect(histogram.count).toBe(2)
    expect(histogram.sum).toBeGreaterThan(0)
    expect(histogram.sum).toBeLessThan(1) // seconds, not milliseconds
    expect(getHits?.attributes['db.system.name']).toBe(system)
    const getMisses = durations.find(
      (p) =>
        p.attributes['db.operation.name'] === 'get' && p.attributes['tagcache.outcome'] === 'miss',
    )
    expect((getMisses?.value as { count: number } | undefined)?.count).toBe(2)

    const sum = async (instrument: string) =>
      (await points(instrument, namespace)).reduce((n, p) => n + (p.value as number), 0)
    expect(await sum(instrumentNames.hits)).toBe(2)
    expect(await sum(instrumentNames.misses)).toBe(2)
    expect(await sum(instrumentNames.sets)).toBe(1)
    expect(await sum(instrumentNames.invalidations)).toBe(1)
    const evictions = await points(instrumentNames.evictions, namespace)
    expect(evictions).toEqual([
      expect.objectContaining({
        value: 1,
        attributes: expect.objectContaining({ 'tagcache.evict.reason': 'invalidated' }),
      }),
    ])
    // No spans when tracer: false.
    expect(spans().filter((s) => s.attributes['tagcache.namespace'] === namespace)).toEqual([])
  })
})

describe('openTelemetryHook', () => {
  it("makes the operation's span active: spans started inside the store nest under it", async () => {
    const inner = memoryStore()
    // A store whose every read is traced, as a driver instrumentation would do.
    const traced = {
      ...flakyStore(inner).store,
      get: (key: string) =>
        tracer.startActiveSpan('driver GET', async (span) => {
          try {
            return await inner.get(key)
          } finally {
            span.end()
          }
        }),
    }
    const nested = createCache({
      store: traced,
      hooks: [openTelemetryHook({ tracer, meter: false })],
    })
    await nested.get('k')
    const [driver, operation] = spans()
    expect(driver?.name).toBe('driver GET')
    expect(operation?.name).toBe('tagcache get')
    expect(driver?.parentSpanContext?.spanId).toBe(operation?.spanContext().spanId)

    spanExporter.reset()
    const flat = createCache({
      store: traced,
      hooks: [openTelemetryHook({ tracer, meter: false, activeSpans: false })],
    })
    await flat.get('k')
    const [driver2, operation2] = spans()
    expect(operation2?.name).toBe('tagcache get')
    expect(driver2?.parentSpanContext?.spanId).toBeUndefined()
  })

  it('a failed operation ends its span with the exception, error.type and an ERROR status', async () => {
    const namespace = uniqueNamespace()
    const { store, failing } = flakyStore(memoryStore())
    const cache = createCache({
      store,
      namespace,
      hooks: [openTelemetryHook({ tracer, meter, recordKeys: true })],
    })
    failing.on = true
    await expect(cache.get('k')).rejects.toThrow('store unavailable')
    const [span] = spans()
    expect(span?.name).toBe('tagcache get')
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'store unavailable' })
    expect(span?.attributes).toMatchObject({
      'error.type': 'Error',
      'tagcache.outcome': 'error',
      'tagcache.key': 'k',
    })
    expect(span?.events.map((e) => e.name)).toEqual(['exception'])
    const errors = await points(instrumentNames.errors, namespace)
    expect(errors).toEqual([
      expect.objectContaining({
        value: 1,
        attributes: expect.objectContaining({
          'db.operation.name': 'get',
          'tagcache.failed': true,
          'error.type': 'Error',
        }),
      }),
    ])
  })

  it('asks the cache to time operations only when it records the duration histogram', async () => {
    expect(openTelemetryHook({ tracer, meter }).latency).toBe(true)
    expect(openTelemetryHook({ tracer: false, meter }).latency).toBe(true)
    const tracing = openTelemetryHook({ tracer, meter: false })
    expect(tracing.latency).toBe(false)
    // Spans still have their own duration.
    const cache = createCache({ store: memoryStore(), hooks: [tracing] })
    await cache.get('k')
    const [span] = spans()
    expect(span?.name).toBe('tagcache get')
    expect(span?.duration[0] ?? -1).toBeGreaterThanOrEqual(0)
    expect(span?.ended).toBe(true)
  })

  it('uses the global tracer and meter by default, and rejects a bad dbSystem', () => {
    trace.disable()
    expect(() => openTelemetryHook()).not.toThrow()
    expect(() =>
      openTelemetryHook({ dbSystem: 'redis' as unknown as (store: string) => string }),
    ).toThrow('openTelemetryHook.dbSystem: expected a function')
  })
})
