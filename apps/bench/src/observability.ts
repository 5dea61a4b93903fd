import { metrics, trace } from '@opentelemetry/api'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace'
import { createCache, type Hook, type Store } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { memoryStore } from '@tagcache/memory'
import { metricsCollector, subscribe } from '@tagcache/observability'
import { openTelemetryHook } from '@tagcache/observability/opentelemetry'
import { startRedis } from '@tagcache/redis-harness'
import { Redis } from 'ioredis'
import { compare, report, sampleValue } from './measure.ts'

const KEYS = 10_000
const tagsOf = (i: number) => [`user:${i}`, `team:${i % 50}`, 'users']

/** A span exporter that drops everything: the SDK does all its work, nothing leaves. */
const noopExporter: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }), // ExportResultCode.SUCCESS
  shutdown: async () => {},
}

/** A reader nobody collects from: instruments aggregate, nothing is exported. */
class IdleReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function cachesOn(store: () => Store) {
  const tracerProvider = new TracerProvider({
    spanProcessors: [new BatchSpanProcessor({ exporter: noopExporter })],
  })
  const meterProvider = new MeterProvider({ readers: [new IdleReader()] })
  const otel = openTelemetryHook({
    tracer: tracerProvider.getTracer('bench'),
    meter: meterProvider.getMeter('bench'),
  })
  const collector = metricsCollector()
  // One store shared by every cache: they read the same entries.
  const shared = store()
  const make = (hooks: Hook[]) => createCache({ store: shared, namespace: 'obs-bench', hooks })
  const caches = {
    none: make([]),
    empty: make([{}]),
    collector: make([collector]),
    otel: make([otel]),
  }
  for (let i = 0; i < KEYS; i += 500) {
    const batch = Array.from({ length: Math.min(500, KEYS - i) }, (_, j) => i + j)
    await caches.none.setMany(
      batch.map((n) => ({ key: `user:${n}`, value: sampleValue(n), tags: tagsOf(n) })),
    )
  }
  return {
    caches,
    collector,
    close: () => Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]),
  }
}

async function run(title: string, store: () => Store, concurrency: number) {
  const { caches, collector, close } = await cachesOn(store)
  let i = 0
  const next = () => {
    i = (i + 7919) % KEYS
    return `user:${i}`
  }
  // subscribe() attaches to every cache in the process: only during its own rounds.
  let detach: (() => void) | undefined
  const bridged = metricsCollector()
  const results = await compare(
    [
      { name: 'no hooks (baseline)', run: () => caches.none.get(next()) },
      { name: 'an empty hook (lifecycle only)', run: () => caches.empty.get(next()) },
      { name: 'metricsCollector', run: () => caches.collector.get(next()) },
      {
        name: 'subscribe(metricsCollector) (diagnostics_channel)',
        run: () => caches.none.get(next()),
        setup: () => {
          detach = subscribe(bridged)
        },
        teardown: () => detach?.(),
      },
      { name: 'openTelemetryHook (SDK, no-op exporter)', run: () => caches.otel.get(next()) },
    ],
    { concurrency },
  )
  report(`${title}: tagged get (3 tags), hooks vs none`, results, { metricsCollector: 0.9 })
  const get = collector.snapshot().operations.get
  console.log(
    `  metricsCollector saw ${get?.calls.toLocaleString('en-US')} gets, p50 ${get?.latency.p50.toFixed(4)} ms, p99 ${get?.latency.p99.toFixed(4)} ms`,
  )
  await close()
}

/**
 * Tagged get throughput with no hooks, with metricsCollector, and with the
 * OpenTelemetry hook (SDK, no-op exporter), on the memory store (1 in flight)
 * and on ioredis (64 in flight). Target (issue 5): metricsCollector >= 0.9x no hooks.
 */
export async function observabilityBench(): Promise<void> {
  // The global API stays no-op: the hook is given its tracer and meter.
  trace.disable()
  metrics.disable()
  await run('memory store, 1 in flight', () => memoryStore({ maxEntries: KEYS * 2 }), 1)
  const server = await startRedis()
  const redis = new Redis(server.port, '127.0.0.1')
  try {
    await run('ioredis, 64 in flight', () => ioredisStore(redis), 64)
  } finally {
    await redis.quit()
    await server.stop()
  }
}
