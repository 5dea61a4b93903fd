import type { ErrorEvent, EvictEvent, Hook, OperationEndEvent } from '@tagcache/core'
import { Counter, Histogram, type Metric, type Registry, register } from 'prom-client'
import { z } from 'zod'
import { factoryOptions, got } from './options.js'

/** Options of {@link prometheusExporter}. */
export interface PrometheusExporterOptions {
  /**
   * The registry the metrics are registered in. Metrics already registered
   * there under the same names (a second exporter on the same registry) are
   * reused, not registered twice.
   * @default prom-client's global `register`
   */
  registry?: Registry
  /**
   * Prefix of every metric name.
   * @default 'tagcache_'
   */
  prefix?: string
  /**
   * Buckets of the duration histogram, in seconds.
   * @default [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
   */
  buckets?: number[]
}

const DEFAULT_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
]

const metricName = (issue: { input?: unknown }) =>
  `expected letters, digits, _ and : (not starting with a digit), got ${got(issue.input)}`

const optionsSchema: z.ZodType<PrometheusExporterOptions> = z.strictObject({
  registry: z
    .custom<Registry>(
      (v) => typeof (v as Partial<Registry> | null)?.getSingleMetric === 'function',
      { error: "expected a prom-client Registry (new Registry() or prom-client's register)" },
    )
    .optional(),
  prefix: z
    .string({ error: metricName })
    .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: metricName })
    .optional(),
  buckets: z.array(z.number()).optional(),
})

function reuse<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  const existing = registry.getSingleMetric(name)
  if (existing === undefined) return create()
  return existing as T
}

/**
 * Creates a hook that records a cache's metrics in a prom-client registry, for
 * a `/metrics` endpoint to serve (`await registry.metrics()`):
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `tagcache_operations_total` | counter | namespace, operation, outcome |
 * | `tagcache_operation_duration_seconds` | histogram | namespace, operation |
 * | `tagcache_hits_total`, `tagcache_misses_total` | counter | namespace |
 * | `tagcache_sets_total`, `tagcache_invalidations_total` | counter | namespace |
 * | `tagcache_evictions_total` | counter | namespace, reason |
 * | `tagcache_errors_total` | counter | namespace, operation, failed |
 * | `tagcache_coalesced_total`, `tagcache_stale_total` | counter | namespace |
 *
 * `prom-client` is an optional peer dependency of this package.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client'
 * import { createCache } from '@tagcache/core'
 * import { memoryStore } from '@tagcache/memory'
 * import { prometheusExporter } from '@tagcache/observability/prometheus'
 *
 * const registry = new Registry()
 * const cache = createCache({ store: memoryStore(), hooks: [prometheusExporter({ registry })] })
 * // in your HTTP server: res.end(await registry.metrics())
 * ```
 */
export function prometheusExporter(options: PrometheusExporterOptions = {}): Hook {
  const {
    registry = register,
    prefix = 'tagcache_',
    buckets = DEFAULT_BUCKETS,
  } = factoryOptions('prometheusExporter', optionsSchema, options)
  const registers = [registry]
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    reuse(
      registry,
      prefix + name,
      () => new Counter<L>({ name: prefix + name, help, labelNames, registers }),
    )

  const operations = counter('operations_total', 'Completed cache operations', [
    'namespace',
    'operation',
    'outcome',
  ])
  const duration = reuse(
    registry,
    `${prefix}operation_duration_seconds`,
    () =>
      new Histogram<'namespace' | 'operation'>({
        name: `${prefix}operation_duration_seconds`,
        help: 'Duration of cache operations in seconds',
        labelNames: ['namespace', 'operation'],
        buckets,
        registers,
      }),
  )
  const hits = counter('hits_total', 'Keys served from the cache', ['namespace'])
  const misses = counter('misses_total', 'Keys not found in the cache, or found invalid', [
    'namespace',
  ])
  const sets = counter('sets_total', 'Entries written', ['namespace'])
  const invalidations = counter('invalidations_total', 'Tag or namespace invalidations', [
    'namespace',
  ])
  const evictions = counter(
    'evictions_total',
    'Entries that left the cache without a delete, by reason: capacity, expired (reported by stores that can), invalidated, unreadable, schema (removed on read)',
    ['namespace', 'reason'],
  )
  const errors = counter('errors_total', 'Errors, whether or not they failed the operation', [
    'namespace',
    'operation',
    'failed',
  ])
  const coalesced = counter('coalesced_total', 'Callers that joined a computation in flight', [
    'namespace',
  ])
  const stale = counter('stale_total', 'Stale values served', ['namespace'])

  const finish = (event: OperationEndEvent) => {
    operations.inc({
      namespace: event.namespace,
      operation: event.operation,
      outcome: event.outcome,
    })
    duration.observe(
      { namespace: event.namespace, operation: event.operation },
      event.duration / 1000,
    )
  }
  const byNamespace = (metric: Counter<'namespace'>) => (event: { namespace: string }) =>
    metric.inc({ namespace: event.namespace })

  return {
    after: finish,
    error(event: ErrorEvent) {
      if (event.failedOperation !== undefined) finish(event.failedOperation)
      errors.inc({
        namespace: event.namespace,
        operation: event.operation,
        failed: String(event.failedOperation !== undefined),
      })
    },
    hit: byNamespace(hits),
    miss: byNamespace(misses),
    set: byNamespace(sets),
    invalidate: byNamespace(invalidations),
    coalesced: byNamespace(coalesced),
    stale: byNamespace(stale),
    evict: (event: EvictEvent) =>
      evictions.inc({ namespace: event.namespace, reason: event.reason }),
  }
}
