import {
  type Attributes,
  context,
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
import { z } from 'zod'
import { factoryOptions, fn } from './options.js'

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
  /**
   * Run each operation with its span as the active span (through the hook's
   * `around`), so that spans created inside it, by the Redis driver's own
   * instrumentation for instance, nest under it. Needs a context manager
   * (the Node SDK registers one). Turn off to save a context switch per
   * operation when nothing inside is traced.
   * @default true
   */
  activeSpans?: boolean
}

const hasMethods =
  (...names: string[]) =>
  (v: unknown): boolean =>
    typeof v === 'object' &&
    v !== null &&
    names.every((name) => typeof (v as Record<string, unknown>)[name] === 'function')

const optionsSchema: z.ZodType<OpenTelemetryHookOptions> = z.strictObject({
  tracer: z
    .union([z.literal(false), z.custom<Tracer>(hasMethods('startSpan'))], {
      error: "expected an OpenTelemetry Tracer (trace.getTracer('app')) or false",
    })
    .optional(),
  meter: z
    .union(
      [z.literal(false), z.custom<Meter>(hasMethods('createHistogram', 'createObservableCounter'))],
      {
        error: "expected an OpenTelemetry Meter (metrics.getMeter('app')) or false",
      },
    )
    .optional(),
  dbSystem: fn<(store: string) => string | undefined>(
    '(storeName) => string | undefined',
  ).optional(),
  recordKeys: z.boolean().optional(),
  activeSpans: z.boolean().optional(),
})

/** Names of the instruments {@link openTelemetryHook} records. */
export const instrumentNames = {
  /** Histogram, seconds, per operation: `db.operation.name`, `tagcache.outcome`. */
  duration: 'tagcache.operation.duration',
  /**
   * Counter of keys served from the cache (from each operation's outcome:
   * the same count as `cache.stats.hits`). The counters are observable:
   * counted in plain numbers, reported when the SDK collects.
   */
  hits: 'tagcache.hits',
  /** Counter of keys not found, or found invalid. */
  misses: 'tagcache.misses',
  /** Counter of entries written. */
  sets: 'tagcache.sets',
  /** Counter of invalidate/invalidateAll calls. */
  invalidations: 'tagcache.invalidations',
  /**
   * Counter of entries that left the cache without a delete, by
   * `tagcache.evict.reason` (`capacity`, `expired`, `invalidated`,
   * `unreadable`, `schema`; see `EvictReason` in `@tagcache/core`).
   */
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

type CounterName = Exclude<keyof typeof instrumentNames, 'duration'>

const COUNTER_DESCRIPTIONS: Record<CounterName, string> = {
  hits: 'Keys served from the cache',
  misses: 'Keys not found in the cache, or found invalid',
  sets: 'Entries written',
  invalidations: 'Tag or namespace invalidations',
  evictions:
    'Entries that left the cache without a delete (capacity, expired, invalidated, unreadable, schema)',
  errors: 'Errors, whether or not they failed the operation',
  coalesced: 'Callers that joined a computation in flight',
  stale: 'Stale values served',
}

/**
 * Event counts kept as plain numbers per attribute set, and reported to the
 * SDK by observable counters when it collects: counting a hit costs an
 * increment, not an SDK call that hashes attributes on every read.
 */
class Tally {
  readonly #counts = new Map<CounterName, Map<Attributes, number>>()

  add(name: CounterName, attributes: Attributes, n = 1): void {
    let byAttributes = this.#counts.get(name)
    if (byAttributes === undefined) {
      byAttributes = new Map()
      this.#counts.set(name, byAttributes)
    }
    byAttributes.set(attributes, (byAttributes.get(attributes) ?? 0) + n)
  }

  register(meter: Meter): void {
    for (const name of Object.keys(COUNTER_DESCRIPTIONS) as CounterName[]) {
      meter
        .createObservableCounter(instrumentNames[name], {
          description: COUNTER_DESCRIPTIONS[name],
          unit: '{event}',
        })
        .addCallback((result) => {
          for (const [attributes, total] of this.#counts.get(name) ?? []) {
            result.observe(total, attributes)
          }
        })
    }
  }
}

function durationHistogram(meter: Meter): Histogram {
  return meter.createHistogram(instrumentNames.duration, {
    description: 'Duration of tagcache operations',
    unit: 's',
    advice: {
      explicitBucketBoundaries: [
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1, 2.5, 5, 10,
      ],
    },
  })
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
export function openTelemetryHook(input: OpenTelemetryHookOptions = {}): Hook {
  const options = factoryOptions('openTelemetryHook', optionsSchema, input)
  const tracer = options.tracer === false ? undefined : (options.tracer ?? trace.getTracer(SCOPE))
  const meter = options.meter === false ? undefined : (options.meter ?? metrics.getMeter(SCOPE))
  const dbSystemOf = options.dbSystem ?? defaultDbSystem
  const recordKeys = options.recordKeys ?? false
  const activeSpans = options.activeSpans ?? true
  const duration = meter === undefined ? undefined : durationHistogram(meter)
  const tally = meter === undefined ? undefined : new Tally()
  if (meter !== undefined) tally?.register(meter)
  const spans = new WeakMap<object, Span>()
  // One frozen attribute object per distinct set: metrics record without
  // allocating, and the tally keys its counts by identity.
  const attributeCache = new Map<string, Attributes>()
  const attrs = (
    namespace: string,
    store: string,
    extra: Record<string, string | boolean> = {},
  ): Attributes => {
    let key = `${namespace}\0${store}`
    for (const name in extra) key += `\0${name}=${String(extra[name])}`
    let found = attributeCache.get(key)
    if (found === undefined) {
      const system = dbSystemOf(store)
      found = Object.freeze({
        'tagcache.namespace': namespace,
        ...(system === undefined ? {} : { 'db.system.name': system }),
        ...extra,
      })
      attributeCache.set(key, found)
    }
    return found
  }
  const durationAttrs = (event: OperationEndEvent): Attributes =>
    attrs(event.namespace, event.store, {
      'db.operation.name': event.operation,
      'tagcache.outcome': event.outcome,
    })

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
    // Spans keep their own time: only the duration histogram needs the cache's clock reads.
    latency: duration !== undefined,
    error(event: ErrorEvent) {
      const failed = event.failedOperation
      if (failed !== undefined) {
        endSpan(failed, event.error)
        duration?.record(failed.duration / 1000, durationAttrs(failed))
      }
      tally?.add(
        'errors',
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
    if (activeSpans) {
      // The operation runs with its span active: spans the driver's own
      // instrumentation creates (ioredis, node-redis) become its children.
      hook.around = (event: OperationStartEvent, proceed: () => Promise<unknown>) => {
        const span = spans.get(event)
        return span === undefined
          ? proceed()
          : context.with(trace.setSpan(context.active(), span), proceed)
      }
    }
  }
  if (tracer !== undefined || duration !== undefined) {
    hook.after = (event: OperationEndEvent) => {
      endSpan(event)
      if (duration === undefined || tally === undefined) return
      duration.record(event.duration / 1000, durationAttrs(event))
      // Hits and misses come from the outcome, as in metricsCollector: no
      // per-key hit/miss events needed.
      const base = attrs(event.namespace, event.store)
      if (event.outcome === 'hit') tally.add('hits', base)
      else if (event.outcome === 'miss') tally.add('misses', base)
      else if (event.hits !== undefined) {
        tally.add('hits', base, event.hits)
        tally.add('misses', base, event.keys.length - event.hits)
      }
    }
  }
  if (tally !== undefined) {
    const count =
      (name: CounterName) =>
      (event: { namespace: string; store: string }): void =>
        tally.add(name, attrs(event.namespace, event.store))
    hook.set = count('sets') as (event: SetEvent) => void
    hook.invalidate = count('invalidations')
    hook.coalesced = count('coalesced')
    hook.stale = count('stale')
    hook.evict = (event: EvictEvent) =>
      tally.add(
        'evictions',
        attrs(event.namespace, event.store, { 'tagcache.evict.reason': event.reason }),
      )
  }
  return hook
}
