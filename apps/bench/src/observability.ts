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
import { type Case, measureProcess, sampleValue } from './measure.ts'
import {
  type BenchOptions,
  type ChildArgs,
  type ChildTask,
  orderOf,
  printTable,
  progress,
  runChild,
} from './runner.ts'
import { type ProcessRun, summarize } from './stats.ts'

const KEYS = 10_000
const tagsOf = (i: number) => [`user:${i}`, `team:${i % 50}`, 'users']
const NO_HOOKS = 'no hooks'

/** The hook configurations compared with "no hooks", each in processes of its own. */
const VARIANTS = {
  lifecycle: 'a hook with only after() (lifecycle cost)',
  collector: 'metricsCollector',
  subscribe: 'subscribe(metricsCollector) (diagnostics_channel)',
  otel: 'openTelemetryHook (SDK, no-op exporter)',
} as const
type Variant = keyof typeof VARIANTS
const STORES = {
  memory: { title: 'memory store, 1 in flight', concurrency: 1 },
  ioredis: { title: 'ioredis, 64 in flight', concurrency: 64 },
} as const
type StoreName = keyof typeof STORES

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

/** One process: "no hooks" and one variant, in shuffled order, on one store. */
async function pair(args: ChildArgs): Promise<ProcessRun> {
  const storeName = args.store as StoreName
  const variant = args.variant as Variant
  if (!(variant in VARIANTS) || !(storeName in STORES)) {
    throw new Error(
      `[bench] observability pair ${JSON.stringify(args)}; expected store ${Object.keys(STORES).join('|')} and variant ${Object.keys(VARIANTS).join('|')}`,
    )
  }
  // The global API stays no-op: the hook is handed its tracer and meter.
  trace.disable()
  metrics.disable()
  const tracerProvider = new TracerProvider({
    spanProcessors: [new BatchSpanProcessor({ exporter: noopExporter })],
  })
  const meterProvider = new MeterProvider({ readers: [new IdleReader()] })
  const redis = storeName === 'ioredis' ? new Redis(Number(args.port), '127.0.0.1') : undefined
  try {
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
    return await measureProcess([{ name: NO_HOOKS, run: () => plain.get(next()) }, variantCase], {
      concurrency: STORES[storeName].concurrency,
      rounds: 5,
      ms: 250,
      warmupMs: 250,
    })
  } finally {
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), redis?.quit()])
  }
}

export const tasks: Record<string, ChildTask> = { pair }

/**
 * Tagged get throughput with no hooks, with metricsCollector, and with the
 * OpenTelemetry hook (SDK, no-op exporter), on the memory store (1 in flight)
 * and on ioredis (64 in flight). Target (issue 5): metricsCollector >= 0.9x
 * no hooks.
 *
 * Each configuration runs in processes of its own, against a "no hooks"
 * baseline measured in the same process: in one process, the JIT would tune
 * core's shared code for every hook at once (call sites that have seen the
 * OpenTelemetry SDK go megamorphic), which no application with one
 * configuration pays. Processes of the variants alternate (run 1 of each,
 * then run 2, ...), so that a slow spell of the machine hits them all.
 */
export async function observabilityBench({ runs }: BenchOptions): Promise<void> {
  const server = await startRedis()
  try {
    for (const store of Object.keys(STORES) as StoreName[]) {
      const variants = Object.keys(VARIANTS) as Variant[]
      const processes = new Map<Variant, ProcessRun[]>(variants.map((v) => [v, []]))
      for (let r = 1; r <= runs; r++) {
        for (const variant of variants) {
          const t0 = performance.now()
          const run = await runChild<ProcessRun>('observability', 'pair', {
            store,
            variant,
            port: server.port,
          })
          processes.get(variant)?.push(run)
          progress(
            `observability ${store} ${variant}: process ${r}/${runs} in ${((performance.now() - t0) / 1000).toFixed(1)}s; order ${orderOf(run)}`,
          )
        }
      }
      const all = [...processes.values()].flat()
      printTable(
        `observability, ${STORES[store].title}: tagged get (3 tags), hooks vs none; ${runs} processes per row, each row vs the "no hooks" measured in its own processes (baseline ops/s: median over all ${all.length})`,
        [
          summarize(all, NO_HOOKS, NO_HOOKS),
          ...variants.map((v) =>
            summarize(
              processes.get(v) ?? [],
              VARIANTS[v],
              NO_HOOKS,
              v === 'collector' ? 0.9 : undefined,
            ),
          ),
        ],
      )
    }
  } finally {
    await server.stop()
  }
}
