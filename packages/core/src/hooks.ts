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
  | 'wrap'
  | 'wrapMany'
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

/** Passed to `after` (success) and, with `error`, to `error`. */
export interface OperationEndEvent extends OperationStartEvent {
  /** Wall time of the operation in milliseconds. */
  readonly duration: number
  /** `hit`/`miss` for reads of one key, `ok` otherwise. */
  readonly outcome: 'hit' | 'miss' | 'ok' | 'error'
}

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
}

/**
 * Passed to `evict`: an entry core removed on read because it can never be
 * served: invalidated, unreadable, or no longer matching the read's schema.
 */
export interface EvictEvent extends KeyEvent {
  readonly reason: 'invalidated' | 'unreadable' | 'schema'
}

/** Passed to `error`. */
export interface ErrorEvent extends HookEventBase {
  readonly operation: CacheOperation
  /** The key involved, when there is one. */
  readonly key?: string | undefined
  readonly error: unknown
}

/**
 * Observes a cache. Every member is optional; implement what you need.
 * A hook that throws never breaks the operation: its error is reported once
 * per hook with `process.emitWarning`.
 *
 * @example
 * ```ts
 * const logMisses: Hook = { miss: (e) => console.log('miss', e.key) }
 * createCache({ store: memoryStore(), hooks: [logMisses] })
 * ```
 */
export interface Hook {
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
  /** Core removed an entry it could not serve. */
  evict?(event: EvictEvent): void
  /** A stale value was served (grace period). */
  stale?(event: KeyEvent): void
  /** A caller joined a computation already in flight for the same key. */
  coalesced?(event: KeyEvent): void
}
