/** Names of the cache operations hooks observe. */
export type CacheOperation =
  | 'get'
  | 'getOrThrow'
  | 'has'
  | 'set'
  | 'delete'
  | 'getMany'
  | 'setMany'
  | 'deleteMany'
  | 'invalidate'
  | 'invalidateAll'
  | 'expireTags'
  | 'wrap'
  | 'wrapMany'
  | 'cached'
  | 'ttl'
  | 'expire'
  | 'persist'

/** What every hook event carries. */
export interface HookEventBase {
  /** The cache's namespace. */
  readonly namespace: string
  /** The store's name, e.g. `'memory'`. */
  readonly store: string
}

/** Passed to `before`. */
export interface OperationStartEvent extends HookEventBase {
  readonly operation: CacheOperation
  /** Keys the operation touches, as the caller gave them. */
  readonly keys: readonly string[]
  /** Tags the operation touches, as the caller gave them. */
  readonly tags: readonly string[]
}

/**
 * Passed to `after` when an operation succeeded, and as
 * {@link ErrorEvent.failedOperation} when it failed. It is the **same object**
 * `before` received, completed, so a hook can correlate the two (a span kept
 * in a `WeakMap` keyed by the event, for instance).
 */
export interface OperationEndEvent extends OperationStartEvent {
  /**
   * Wall time of the operation in milliseconds (`performance.now()` based).
   * `NaN` when nothing asked for it: every hook of the cache that observes
   * operations declared {@link Hook.latency} `false` (or a fraction, and this
   * operation was not in the sample), and the `tagcache:operation` tracing
   * channel had no subscriber when the operation began.
   */
  readonly duration: number
  /**
   * `hit` or `miss` for operations on one key that read it first (`get`,
   * `getOrThrow`, `has`, `ttl`, `expire`, `persist`) and for `wrap`/`cached`
   * (a miss ran the factory); `error` when the operation rejected; `ok`
   * otherwise (writes, invalidations, batches: see `hits`).
   */
  readonly outcome: OperationOutcome
  /**
   * For `getMany` and `wrapMany`: how many of `keys` (duplicates included)
   * were served from the cache; the others were misses.
   */
  readonly hits?: number | undefined
}

/** How an operation ended. */
export type OperationOutcome = 'hit' | 'miss' | 'ok' | 'error'

/** Passed to `hit`, `miss`, `coalesced` and `stale`. */
export interface KeyEvent extends HookEventBase {
  readonly key: string
}

/** Passed to `set`. */
export interface SetEvent extends KeyEvent {
  readonly tags: readonly string[]
  /** Time to live in ms (`Infinity` for none). */
  readonly ttl: number
}

/** Passed to `invalidate`. `all` is true for `invalidateAll()`. */
export interface InvalidateEvent extends HookEventBase {
  readonly tags: readonly string[]
  readonly all: boolean
  /** `true` for `expireTags` (soft: entries turn stale, kept for grace). */
  readonly soft?: boolean
}

/**
 * Why an entry left the cache without a `delete`:
 * - `'capacity'`: the store removed a live entry to stay within its bounds
 *   (the memory store's `maxEntries`/`maxBytes`, least recently used first);
 * - `'expired'`: the store removed an entry whose time to live had run out
 *   (the memory store does so lazily, when it next touches the entry);
 * - `'invalidated'`: a read found the entry outdated by an invalidation (a tag
 *   version, or the namespace's, changed or is gone) and core removed it;
 * - `'unreadable'`: a read found an entry whose tag versions are not in core's
 *   format (written by something else) and core removed it;
 * - `'schema'`: the entry no longer matched the read's `schema` and core removed it.
 *
 * The first two are reported by stores that offer `Store.onEvict`; the
 * Redis stores report only the capacity evictions of a bounded cache
 * (`policy`), and only in the process whose write caused them (Redis itself
 * evicts and expires keys on the server, unseen).
 */
export type EvictReason = 'capacity' | 'expired' | 'invalidated' | 'unreadable' | 'schema'

/**
 * Passed to `evict`: an entry left the cache without a `delete`, either
 * removed by core on read because it can never be served, or removed by the
 * store on its own; `reason` says which.
 */
export interface EvictEvent extends KeyEvent {
  readonly reason: EvictReason
  /**
   * For `'capacity'`: the eviction policy that chose the entry (`'lru'`,
   * `'lfu'`, `'tinyLfu'`...), when the store or bounded cache has one.
   */
  readonly policy?: string
}

/** The states of a cache's circuit breaker; see `CacheOptions.breakerDuration`. */
export type BreakerState = 'open' | 'half-open' | 'closed'

/**
 * Passed to `breaker` when the cache's circuit breaker changes state:
 * - `'open'`: a store operation failed (a `StoreError` or `TimeoutError`);
 *   the cache skips the store for `breakerDuration`;
 * - `'half-open'`: the window ended and one operation is let through to try
 *   the store (again every `breakerDuration` while that one does not settle);
 * - `'closed'`: an operation let through succeeded; the store is used again.
 */
export interface BreakerEvent extends HookEventBase {
  readonly state: BreakerState
  /** For `'open'`: the store failure that opened it. */
  readonly cause?: unknown
}

/**
 * Passed to `error`, for two kinds of error:
 * - the operation failed (its promise rejected): `failedOperation` is set;
 * - the operation carried on past the error, which it treated as a miss (an
 *   unreadable or schema-mismatched entry, a store failure under
 *   `onError: 'miss'`): `failedOperation` is absent.
 */
export interface ErrorEvent extends HookEventBase {
  readonly operation: CacheOperation
  /** The key involved, when there is one. */
  readonly key?: string | undefined
  readonly error: unknown
  /**
   * When this error failed the operation: the event `before` received, with
   * `duration` and `outcome: 'error'` filled in.
   */
  readonly failedOperation?: OperationEndEvent | undefined
}

/** Passed to `hookError` when another hook threw or rejected. */
export interface HookErrorEvent extends HookEventBase {
  /** The method of the failing hook, e.g. `'after'`. */
  readonly method: string
  /** Index of the failing hook in the cache's `hooks` option. */
  readonly hookIndex: number
  readonly error: unknown
}

/**
 * Observes a cache. Every member is optional; implement what you need.
 *
 * Every operation runs `before`, then `after` on success or `error` on failure.
 * Events (`hit`, `miss`, `set`, ...) fire as they happen, between the two.
 * Hooks run synchronously in the operation's path: keep them cheap, and do
 * slow work (I/O) asynchronously. A cache reads each hook's methods once,
 * when it is created; a method it does not find costs nothing.
 *
 * A hook that throws or rejects never breaks the operation. Its first failure
 * is reported to the other hooks' `hookError` (a logger hook implements it);
 * when none does, with `process.emitWarning`. Later failures of the same hook
 * are not reported again.
 *
 * @example
 * ```ts
 * const logMisses: Hook = { miss: (e) => console.log('miss', e.key) }
 * createCache({ store: memoryStore(), hooks: [logMisses] })
 * ```
 */
export interface Hook {
  /**
   * Which operations this hook needs {@link OperationEndEvent.duration} of,
   * since timing an operation costs two clock reads:
   * - `true`: every operation;
   * - `false`: none (a hook that counts calls, or logs operation names);
   * - a fraction between 0 and 1, e.g. `0.1`: a random sample of about that
   *   share of operations (enough for latency percentiles of busy
   *   operations; rare ones may go untimed).
   *
   * A cache times an operation when one of its hooks that implements
   * `before`, `after`, `error` or `around` asks for it (the largest demand
   * wins: one hook's `true` times every operation, for every hook), or when
   * the `tagcache:operation` tracing channel has a subscriber. Otherwise
   * `duration` is `NaN`. Read once, when the cache is created.
   * @default true
   * @experimental
   */
  readonly latency?: boolean | number
  /** Before an operation runs. */
  before?(event: OperationStartEvent): void
  /** After an operation succeeded. */
  after?(event: OperationEndEvent): void
  /**
   * An operation failed, or something was treated as a miss because it failed
   * (an unreadable payload, a store error under `onError: 'miss'`).
   */
  error?(event: ErrorEvent): void
  /** A read found a valid entry. */
  hit?(event: KeyEvent): void
  /** A read found nothing valid. */
  miss?(event: KeyEvent): void
  /** An entry was written. */
  set?(event: SetEvent): void
  /** Tags (or the whole namespace) were invalidated. */
  invalidate?(event: InvalidateEvent): void
  /**
   * An entry left the cache without a `delete`: the store evicted it (capacity)
   * or dropped it once expired, or core removed it on read because it can never
   * be served (invalidated, unreadable, schema). See {@link EvictReason}.
   */
  evict?(event: EvictEvent): void
  /**
   * `wrap` served a stale value within its `grace`: the factory failed or
   * timed out (soft `timeout`), is in back-off, or another process holds
   * the lock and is refreshing. `stats.stale` counts them.
   */
  stale?(event: KeyEvent): void
  /** A caller joined a computation already in flight for the same key. */
  coalesced?(event: KeyEvent): void
  /**
   * The cache's circuit breaker changed state (only with
   * `CacheOptions.breakerDuration`). See {@link BreakerEvent}.
   * @experimental
   */
  breaker?(event: BreakerEvent): void
  /** Another hook of this cache threw or rejected (reported once per failing hook). */
  hookError?(event: HookErrorEvent): void
  /**
   * Wraps the execution of every operation, after `before`: call `proceed()`
   * once and return its promise (or one that settles after it). For running
   * the operation inside a context, e.g. OpenTelemetry's active span, so that
   * spans the store's driver creates nest under the operation's span.
   * Several hooks' `around` nest in `hooks` order, the first outermost.
   *
   * The result is always `proceed()`'s: an `around` that throws, rejects on
   * its own, or never calls `proceed` is reported like any failing hook, and
   * the operation runs (or completes) without it.
   */
  around?(event: OperationStartEvent, proceed: () => Promise<unknown>): unknown
}

/**
 * Every observing method of {@link Hook} (all but `around`): each takes one
 * event. `@tagcache/observability`'s `subscribe()` bridges these from
 * `node:diagnostics_channel` to a hook.
 */
export const HOOK_METHODS = [
  'before',
  'after',
  'error',
  'hit',
  'miss',
  'set',
  'invalidate',
  'evict',
  'stale',
  'coalesced',
  'breaker',
  'hookError',
] as const satisfies readonly (keyof Hook)[]
