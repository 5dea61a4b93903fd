// One comparison of the observability suite, in a process of its own:
//   node --expose-gc src/observability-pair.ts <memory|ioredis> <variant> <redis port>
// Prints the two results (no hooks, then the variant) as one JSON line.
import { metrics, trace } from '@opentelemetry/api'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace'
import { createCache, type Hook, type Store } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { memoryStore } from '@tagcache/memory'
import { metricsCollector, subscribe } from '@tagcache/observability'
import { openTelemetryHook } from '@tagcache/observability/opentelemetry'
import { Redis } from 'ioredis'
import { type Case, compare, sampleValue } from './measure.ts'
import { VARIANTS, type Variant } from './observability.ts'

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

const [storeName, variant, port] = process.argv.slice(2) as ['memory' | 'ioredis', Variant, string]
if (!(variant in VARIANTS) || (storeName !== 'memory' && storeName !== 'ioredis')) {
  console.error(
    `usage: observability-pair.ts <memory|ioredis> <${Object.keys(VARIANTS).join('|')}> <port>`,
  )
  process.exit(2)
}

// The global API stays no-op: the hook is handed its tracer and meter.
trace.disable()
metrics.disable()
const tracerProvider = new TracerProvider({
  spanProcessors: [new BatchSpanProcessor({ exporter: noopExporter })],
})
const meterProvider = new MeterProvider({ readers: [new IdleReader()] })

const redis = storeName === 'ioredis' ? new Redis(Number(port), '127.0.0.1') : undefined
// One store shared by both caches: they read the same entries.
const store: Store =
  redis === undefined ? memoryStore({ maxEntries: KEYS * 2 }) : ioredisStore(redis)
const hooks: Hook[] =
  variant === 'lifecycle'
    ? [{ after() {} }]
    : variant === 'collector'
      ? [metricsCollector()]
      : variant === 'otel'
        ? [
            openTelemetryHook({
              tracer: tracerProvider.getTracer('bench'),
              meter: meterProvider.getMeter('bench'),
            }),
          ]
        : []
const plain = createCache({ store, namespace: 'obs-bench' })
const observed = createCache({ store, namespace: 'obs-bench', hooks })
for (let i = 0; i < KEYS; i += 500) {
  const batch = Array.from({ length: Math.min(500, KEYS - i) }, (_, j) => i + j)
  await plain.setMany(
    batch.map((n) => ({ key: `user:${n}`, value: sampleValue(n), tags: tagsOf(n) })),
  )
}

let i = 0
const next = () => {
  i = (i + 7919) % KEYS
  return `user:${i}`
}
// subscribe() attaches to every cache in the process: only during its own rounds.
let detach: (() => void) | undefined
const variantCase: Case =
  variant === 'subscribe'
    ? {
        name: VARIANTS[variant],
        run: () => plain.get(next()),
        setup: () => {
          detach = subscribe(metricsCollector())
        },
        teardown: () => detach?.(),
      }
    : { name: VARIANTS[variant], run: () => observed.get(next()) }
const results = await compare([{ name: 'no hooks', run: () => plain.get(next()) }, variantCase], {
  concurrency: redis === undefined ? 1 : 64,
  rounds: 9,
})
await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), redis?.quit()])
console.log(JSON.stringify(results))
