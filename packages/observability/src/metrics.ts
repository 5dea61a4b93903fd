import type {
  CacheOperation,
  ErrorEvent,
  EvictEvent,
  EvictReason,
  Hook,
  OperationEndEvent,
  SetEvent,
} from '@tagcache/core'
import { z } from 'zod'
import { LatencyHistogram, type LatencySummary } from './histogram.js'
import { factoryOptions, got } from './options.js'

/** Totals and latency of one operation kind. */
export interface OperationMetrics {
  /** Calls that completed (successfully or not). */
  readonly calls: number
  /** Calls that rejected. */
  readonly errors: number
  /** Calls that ended as a hit (`get`, `has`, `wrap`, `cached`...). */
  readonly hits: number
  /** Calls that ended as a miss. */
  readonly misses: number
  /**
   * Latency of the timed calls, in milliseconds: every completed call by
   * default; a random sample of them (`count` below `calls`) for a collector
   * created with `latency` a fraction; none (`count` 0) with `latency: false`.
   */
  readonly latency: LatencySummary
}

/** What {@link MetricsCollector.snapshot} returns. */
export interface MetricsSnapshot {
  /**
   * Keys found by `get`, `getOrThrow`, `has`, `ttl`, `expire`, `persist`,
   * `wrap`, `cached`, and every key of `getMany`/`wrapMany`: the same count as
   * `cache.stats.hits`. (A caller that joined a `wrap` in flight is counted in
   * `coalesced` instead.)
   */
  readonly hits: number
  /** Keys those operations did not find, or found invalid. */
  readonly misses: number
  /** `hits / (hits + misses)`, 0 before any read. */
  readonly hitRatio: number
  /** Entries written. */
  readonly sets: number
  /** `invalidate`/`invalidateAll` calls. */
  readonly invalidations: number
  /**
   * Entries that left the cache without a `delete`: evicted by the store
   * (capacity), dropped once expired, or removed by core on read because they
   * could never be served. The sum of {@link MetricsSnapshot.evictionsByReason}.
   */
  readonly evictions: number
  /**
   * {@link MetricsSnapshot.evictions} by `reason` (see `EvictReason` in
   * `@tagcache/core`): only the reasons seen at least once.
   */
  readonly evictionsByReason: Readonly<Partial<Record<EvictReason, number>>>
  /** Errors: failed operations and errors an operation survived as a miss. */
  readonly errors: number
  /** Callers that joined a computation in flight. */
  readonly coalesced: number
  /** Stale values `wrap` served within their `grace` (the `stale` event). */
  readonly stale: number
  /** Per operation kind, only the kinds that ran at least once. */
  readonly operations: Readonly<Partial<Record<CacheOperation, OperationMetrics>>>
}

/** A {@link Hook} that keeps counters and latency histograms in memory. */
export interface MetricsCollector extends Hook {
  /** The `latency` option: which calls the histograms record. */
  readonly latency: boolean | number
  /** A consistent copy of every figure so far. */
  snapshot(): MetricsSnapshot
  /** Zeroes every counter and histogram. */
  reset(): void
  /** One line, e.g. `hits=90 misses=10 hitRatio=90.0% ... get n=100 p50=0.04ms p99=0.3ms`. */
  summary(options?: SummaryOptions): string
}

class OperationCounter {
  calls = 0
  errors = 0
  hits = 0
  misses = 0
  readonly latency = new LatencyHistogram()
}

/** Options of {@link metricsCollector}. */
export interface MetricsCollectorOptions {
  /**
   * Which calls the latency histograms record (the hook's `latency`, see
   * `Hook.latency` in `@tagcache/core`): timing a call costs the cache two
   * clock reads, which is most of what the collector costs an in-process get.
   * - `true`: every call;
   * - a fraction between 0 and 1, e.g. `0.1`: a random sample of about that
   *   share of calls (percentiles of busy operations stay accurate; counters
   *   stay exact; rare operations may have no latency);
   * - `false`: none, counters only; a cache whose other hooks need no
   *   durations either then reads no clock at all.
   * @default true
   * @experimental
   */
  latency?: boolean | number
}

const fraction = (issue: { input?: unknown }) =>
  `expected true, false or a fraction of calls between 0 and 1, got ${got(issue.input)}`

const optionsSchema: z.ZodType<MetricsCollectorOptions> = z.strictObject({
  latency: z
    .union([z.boolean(), z.number().gt(0, { error: fraction }).max(1, { error: fraction })], {
      error: fraction,
    })
    .optional(),
})

class Collector implements MetricsCollector {
  readonly latency: boolean | number
  /** Durations are recorded (NaN ones, of calls the cache did not time, are skipped). */
  readonly #timed: boolean
  #ops = new Map<CacheOperation, OperationCounter>()
  // The counter of the last operation seen: a stream of one operation (gets)
  // finds its counter with one comparison of interned names, not a Map lookup.
  #lastOperation: CacheOperation | undefined
  #lastCounter: OperationCounter | undefined
  #hits = 0
  #misses = 0
  #sets = 0
  #invalidations = 0
  #evictions = new Map<EvictReason, number>()
  #errors = 0
  #coalesced = 0
  #stale = 0

  constructor(latency: boolean | number) {
    this.latency = latency
    this.#timed = latency !== false
  }

  #op(operation: CacheOperation): OperationCounter {
    if (operation === this.#lastOperation) return this.#lastCounter as OperationCounter
    let counter = this.#ops.get(operation)
    if (counter === undefined) {
      counter = new OperationCounter()
      this.#ops.set(operation, counter)
    }
    this.#lastOperation = operation
    this.#lastCounter = counter
    return counter
  }

  // Methods are arrow properties so that the collector can be spread or passed
  // around without losing `this`.
  // Hits and misses are counted from `after`, not from the per-key `hit`/`miss`
  // events: a collector without those methods spares core an event per read.
  after = (event: OperationEndEvent): void => {
    const counter = this.#op(event.operation)
    counter.calls++
    const outcome = event.outcome
    if (outcome === 'hit') {
      counter.hits++
      this.#hits++
    } else if (outcome === 'miss') {
      counter.misses++
      this.#misses++
    } else if (event.hits !== undefined) {
      this.#hits += event.hits
      this.#misses += event.keys.length - event.hits
    }
    if (this.#timed) counter.latency.record(event.duration)
  }

  error = (event: ErrorEvent): void => {
    this.#errors++
    const failed = event.failedOperation
    if (failed === undefined) return
    const counter = this.#op(failed.operation)
    counter.calls++
    counter.errors++
    if (this.#timed) counter.latency.record(failed.duration)
  }

  set = (_event: SetEvent): void => {
    this.#sets++
  }

  invalidate = (): void => {
    this.#invalidations++
  }

  evict = (event: EvictEvent): void => {
    this.#evictions.set(event.reason, (this.#evictions.get(event.reason) ?? 0) + 1)
  }

  coalesced = (): void => {
    this.#coalesced++
  }

  stale = (): void => {
    this.#stale++
  }

  snapshot(): MetricsSnapshot {
    const operations: Partial<Record<CacheOperation, OperationMetrics>> = {}
    for (const [name, c] of this.#ops) {
      operations[name] = {
        calls: c.calls,
        errors: c.errors,
        hits: c.hits,
        misses: c.misses,
        latency: c.latency.summary(),
      }
    }
    const reads = this.#hits + this.#misses
    let evictions = 0
    const evictionsByReason: Partial<Record<EvictReason, number>> = {}
    for (const [reason, count] of this.#evictions) {
      evictions += count
      evictionsByReason[reason] = count
    }
    return {
      hits: this.#hits,
      misses: this.#misses,
      hitRatio: reads === 0 ? 0 : this.#hits / reads,
      sets: this.#sets,
      invalidations: this.#invalidations,
      evictions,
      evictionsByReason,
      errors: this.#errors,
      coalesced: this.#coalesced,
      stale: this.#stale,
      operations,
    }
  }

  reset(): void {
    this.#ops.clear()
    this.#lastOperation = undefined
    this.#lastCounter = undefined
    this.#hits = 0
    this.#misses = 0
    this.#sets = 0
    this.#invalidations = 0
    this.#evictions.clear()
    this.#errors = 0
    this.#coalesced = 0
    this.#stale = 0
  }

  summary(options?: SummaryOptions): string {
    return formatSnapshot(this.snapshot(), options)
  }
}

/** Options of {@link formatSnapshot} and {@link MetricsCollector.summary}. */
export interface SummaryOptions {
  /**
   * The operations whose call count and latency are shown, in this order.
   * @default every operation that ran
   */
  operations?: readonly CacheOperation[]
}

/**
 * One line of a snapshot: `hits=90 misses=10 hitRatio=90.0% sets=12
 * invalidations=1 errors=0 get n=100 p50=0.0031ms p99=0.012ms ...`.
 */
export function formatSnapshot(s: MetricsSnapshot, options: SummaryOptions = {}): string {
  const parts = [
    `hits=${s.hits}`,
    `misses=${s.misses}`,
    `hitRatio=${(s.hitRatio * 100).toFixed(1)}%`,
    `sets=${s.sets}`,
    `invalidations=${s.invalidations}`,
    `errors=${s.errors}`,
  ]
  const names = options.operations ?? (Object.keys(s.operations) as CacheOperation[])
  for (const name of names) {
    const op = s.operations[name]
    if (op !== undefined) {
      parts.push(`${name} n=${op.calls} p50=${ms(op.latency.p50)} p99=${ms(op.latency.p99)}`)
    }
  }
  return parts.join(' ')
}

function ms(value: number): string {
  return `${value < 1 ? value.toPrecision(2) : value.toFixed(1)}ms`
}

/**
 * Creates an in-memory metrics collector: hit/miss/set/invalidation/error
 * counters and, per operation, call counts and a latency histogram (p50, p90,
 * p99). Recording costs a few counter increments and one histogram update per
 * operation, plus the cache's two clock reads to time it (see
 * {@link MetricsCollectorOptions.latency} to sample or skip them). One
 * collector may observe several caches; it sums them.
 *
 * @example
 * ```ts
 * import { createCache } from '@tagcache/core'
 * import { memoryStore } from '@tagcache/memory'
 * import { metricsCollector } from '@tagcache/observability'
 *
 * const metrics = metricsCollector()
 * const cache = createCache({ store: memoryStore(), hooks: [metrics] })
 * await cache.get('k')
 * metrics.snapshot().operations.get?.latency.p99 // ms
 * console.log(metrics.summary())
 * ```
 */
export function metricsCollector(options: MetricsCollectorOptions = {}): MetricsCollector {
  const { latency = true } = factoryOptions('metricsCollector', optionsSchema, options)
  return new Collector(latency)
}
