import {
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  metrics,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import type {
  ErrorEvent,
  EvictEvent,
  Hook,
  OperationEndEvent,
  OperationStartEvent,
  SetEvent,
} from '@tagcache/core'

/** Options of {@link openTelemetryHook}. */
export interface OpenTelemetryHookOptions {
  /**
   * The tracer spans are started on. `false` records no spans.
   * @default trace.getTracer('@tagcache/observability')
   */
  tracer?: Tracer | false
  /**
   * The meter instruments are created on. `false` records no metrics.
   * @default metrics.getMeter('@tagcache/observability')
   */
  meter?: Meter | false
  /**
   * The `db.system.name` (and legacy `db.system`) attribute, from the store's
   * name. Return `undefined` to leave it out.
   * @default 'redis' for stores whose name contains "redis", otherwise the store's name
   */
  dbSystem?: (store: string) => string | undefined
  /**
   * Record the key of single-key operations as `tagcache.key`. Off by default:
   * keys often carry user ids.
   * @default false
   */
  recordKeys?: boolean
}

/** Names of the instruments {@link openTelemetryHook} records. */
export const instrumentNames = {
  /** Histogram, seconds, per operation: `db.operation.name`, `tagcache.outcome`. */
  duration: 'tagcache.operation.duration',
  /** Counter of keys served from the cache. */
  hits: 'tagcache.hits',
  /** Counter of keys not found, or found invalid. */
  misses: 'tagcache.misses',
  /** Counter of entries written. */
  sets: 'tagcache.sets',
  /** Counter of invalidate/invalidateAll calls. */
  invalidations: 'tagcache.invalidations',
  /** Counter of entries removed on read, by `tagcache.evict.reason`. */
  evictions: 'tagcache.evictions',
  /** Counter of errors, by `error.type` and `tagcache.failed` (the operation rejected). */
  errors: 'tagcache.errors',
  /** Counter of callers that joined a computation in flight. */
  coalesced: 'tagcache.coalesced',
  /** Counter of stale values served. */
  stale: 'tagcache.stale',
} as const

const SCOPE = '@tagcache/observability'

const defaultDbSystem = (store: string): string | undefined =>
  store.includes('redis') ? 'redis' : store

interface Instruments {
  duration: Histogram
  hits: Counter
  misses: Counter
  sets: Counter
  invalidations: Counter
  evictions: Counter
  errors: Counter
  coalesced: Counter
  stale: Counter
}

function createInstruments(meter: Meter): Instruments {
  const counter = (name: string, description: string) =>
    meter.createCounter(name, { description, unit: '{event}' })
  return {
    duration: meter.createHistogram(instrumentNames.duration, {
      description: 'Duration of tagcache operations',
      unit: 's',
      advice: {
        explicitBucketBoundaries: [
          0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
          1, 2.5, 5, 10,
        ],
      },
    }),
    hits: counter(instrumentNames.hits, 'Keys served from the cache'),
    misses: counter(instrumentNames.misses, 'Keys not found in the cache, or found invalid'),
    sets: counter(instrumentNames.sets, 'Entries written'),
    invalidations: counter(instrumentNames.invalidations, 'Tag or namespace invalidations'),
    evictions: counter(
      instrumentNames.evictions,
      'Entries removed on read (invalidated, unreadable)',
    ),
    errors: counter(instrumentNames.errors, 'Errors, whether or not they failed the operation'),
    coalesced: counter(instrumentNames.coalesced, 'Callers that joined a computation in flight'),
    stale: counter(instrumentNames.stale, 'Stale values served'),
  }
}

function errorType(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string') return code
    const name = (error as { name?: unknown }).name
    if (typeof name === 'string') return name
  }
  return '_OTHER'
}

/**
 * Creates a hook that traces and measures a cache with OpenTelemetry:
 *
 * - a span per operation, named `tagcache <operation>` (kind `CLIENT`, child of
 *   the active context), with `db.system.name`/`db.system` (`redis` for the
 *   Redis stores), `db.operation.name`, `tagcache.namespace`, `tagcache.store`,
 *   `tagcache.key_count`, `tagcache.tag_count`, and at the end
 *   `tagcache.outcome`, `tagcache.hit` (single-key reads and wrap/cached) or
 *   `tagcache.hits` (getMany/wrapMany); a failed operation records the
 *   exception, `error.type` and an `ERROR` status;
 * - the instruments in {@link instrumentNames}: a duration histogram in
 *   seconds and counters of hits, misses, sets, invalidations, evictions,
 *   errors, coalesced and stale, each with `tagcache.namespace`.
 *
 * Depends only on `@opentelemetry/api` (an optional peer dependency): the
 * application's SDK decides where spans and metrics go.
 *
 * @example
 * ```ts
 * import { trace, metrics } from '@opentelemetry/api'
 * import { createCache } from '@tagcache/core'
 * import { ioredisStore } from '@tagcache/ioredis'
 * import { openTelemetryHook } from '@tagcache/observability/opentelemetry'
 *
 * const cache = createCache({
 *   store: ioredisStore(redis),
 *   hooks: [openTelemetryHook({ tracer: trace.getTracer('app'), meter: metrics.getMeter('app') })],
 * })
 * ```
 */
export function openTelemetryHook(options: OpenTelemetryHookOptions = {}): Hook {
  const tracer = options.tracer === false ? undefined : (options.tracer ?? trace.getTracer(SCOPE))
  const meter = options.meter === false ? undefined : (options.meter ?? metrics.getMeter(SCOPE))
  if (options.dbSystem !== undefined && typeof options.dbSystem !== 'function') {
    throw new TypeError(
      '[tagcache] [observability] openTelemetryHook: dbSystem must be a function (storeName) => string | undefined',
    )
  }
  const dbSystemOf = options.dbSystem ?? defaultDbSystem
  const recordKeys = options.recordKeys ?? false
  const instruments = meter === undefined ? undefined : createInstruments(meter)
  const spans = new WeakMap<object, Span>()
  // Attribute sets are reused per namespace/operation/outcome: metrics record without allocating.
  const attributeCache = new Map<string, Attributes>()
  const attrs = (namespace: string, store: string, extra?: Attributes): Attributes => {
    const key = extra === undefined ? `${namespace}\0${store}` : undefined
    if (key !== undefined) {
      const hit = attributeCache.get(key)
      if (hit !== undefined) return hit
    }
    const system = dbSystemOf(store)
    const base: Attributes = {
      'tagcache.namespace': namespace,
      ...(system === undefined ? {} : { 'db.system.name': system }),
      ...extra,
    }
    if (key !== undefined) attributeCache.set(key, base)
    return base
  }
  const durationAttrs = (event: OperationEndEvent): Attributes => {
    const key = `${event.namespace}\0${event.store}\0${event.operation}\0${event.outcome}`
    let found = attributeCache.get(key)
    if (found === undefined) {
      found = attrs(event.namespace, event.store, {
        'db.operation.name': event.operation,
        'tagcache.outcome': event.outcome,
      })
      attributeCache.set(key, found)
    }
    return found
  }

  const endSpan = (event: OperationEndEvent, error?: unknown) => {
    const span = spans.get(event)
    if (span === undefined) return
    spans.delete(event)
    span.setAttribute('tagcache.outcome', event.outcome)
    if (event.hits !== undefined) span.setAttribute('tagcache.hits', event.hits)
    else if (event.outcome === 'hit' || event.outcome === 'miss') {
      span.setAttribute('tagcache.hit', event.outcome === 'hit')
    }
    if (error !== undefined) {
      span.recordException(error instanceof Error ? error : String(error))
      span.setAttribute('error.type', errorType(error))
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      })
    }
    span.end()
  }

  const hook: Hook = {
    error(event: ErrorEvent) {
      const failed = event.failedOperation
      if (failed !== undefined) {
        endSpan(failed, event.error)
        instruments?.duration.record(failed.duration / 1000, durationAttrs(failed))
      }
      instruments?.errors.add(
        1,
        attrs(event.namespace, event.store, {
          'db.operation.name': event.operation,
          'error.type': errorType(event.error),
          'tagcache.failed': failed !== undefined,
        }),
      )
    },
  }
  if (tracer !== undefined) {
    hook.before = (event: OperationStartEvent) => {
      const system = dbSystemOf(event.store)
      const attributes: Attributes = {
        'db.operation.name': event.operation,
        'tagcache.namespace': event.namespace,
        'tagcache.store': event.store,
        'tagcache.key_count': event.keys.length,
        'tagcache.tag_count': event.tags.length,
      }
      if (system !== undefined) {
        attributes['db.system.name'] = system
        attributes['db.system'] = system
      }
      if (recordKeys && event.keys.length === 1) attributes['tagcache.key'] = event.keys[0]
      spans.set(
        event,
        tracer.startSpan(`tagcache ${event.operation}`, { kind: SpanKind.CLIENT, attributes }),
      )
    }
  }
  if (tracer !== undefined || instruments !== undefined) {
    hook.after = (event: OperationEndEvent) => {
      endSpan(event)
      instruments?.duration.record(event.duration / 1000, durationAttrs(event))
    }
  }
  if (instruments !== undefined) {
    const count =
      (counter: Counter) =>
      (event: { namespace: string; store: string }): void =>
        counter.add(1, attrs(event.namespace, event.store))
    hook.hit = count(instruments.hits)
    hook.miss = count(instruments.misses)
    hook.set = count(instruments.sets) as (event: SetEvent) => void
    hook.invalidate = count(instruments.invalidations)
    hook.coalesced = count(instruments.coalesced)
    hook.stale = count(instruments.stale)
    hook.evict = (event: EvictEvent) =>
      instruments.evictions.add(
        1,
        attrs(event.namespace, event.store, { 'tagcache.evict.reason': event.reason }),
      )
  }
  return hook
}
