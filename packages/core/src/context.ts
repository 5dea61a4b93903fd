// What every part of a cache shares: its options, resolved once, and the
// helpers each operation needs (argument checks, TTLs, payloads, the store
// timeout and the `onError` policy). One object per cache, passed to the
// reads, writes, cache-aside and memoization functions.

import { CircuitBreaker, guardStore } from './breaker.js'
import { InvalidOptionsError, TagCacheError, TimeoutError } from './errors.js'
import { listenToStoreEvictions } from './evictions.js'
import type { CacheOperation, KeyEvent } from './hooks.js'
import { createKeySpace, encodeComponent, type KeySpace } from './keys.js'
import { Lifecycle } from './lifecycle.js'
import {
  type CacheOptions,
  cacheOptionsSchema,
  type OnErrorHandler,
  validateOptions,
} from './options.js'
import type { EvictionPolicy } from './policy.js'
import {
  createEnvelope,
  type Envelope,
  type Freshness,
  jsonSerializer,
  seal,
  sealTimed,
  TimedValue,
} from './serializer.js'
import { SingleFlight } from './single-flight.js'
import { StatsCounter } from './stats.js'
import type { BoundedStore, Store } from './store.js'
import { parseTtl, type Ttl } from './ttl.js'

/** @internal A frozen empty list, shared by operations without keys or tags. */
export const EMPTY: readonly string[] = Object.freeze([])

const NO_BYTES = new Uint8Array(0)

/** @internal The state and helpers one cache's operations share. */
export class CacheContext {
  readonly namespace: string
  /** The store operations go to: the bounded view when the cache (or function) has a policy. */
  readonly store: Store
  /** The store the user passed (`cache.store`, closed with the cache). */
  readonly baseStore: Store
  readonly keys: KeySpace
  readonly events: Lifecycle
  readonly stats: StatsCounter
  readonly flights: SingleFlight
  /**
   * Bounded views of this cache's store: the namespace's (when created with
   * `policy`) and each `cached(fn, { policy })`'s. `invalidateAll` drops
   * their indexes; `close` stops listening to their evictions.
   */
  readonly bounds: BoundedStore[]
  /** Unsubscribes from the stores' evictions, at close. */
  readonly unsubscribes: (() => void)[]
  /**
   * `wrap` computations that outlived their caller (a soft `timeout` served
   * the stale value, or `refreshAhead`), by entry id: a later call joins
   * one instead of starting another.
   */
  readonly refreshes: Map<string, Promise<unknown>>
  /** Entry ids whose factory failed with a stale value served: no new try before the time (ms, `Date.now()`). */
  readonly backoffs: Map<string, number>
  readonly defaultTtl: number
  /** The store keeps JavaScript values (`capabilities.liveValues`): no serializer. */
  readonly live: boolean
  /** Check payload checksums on reads (the store does not declare `capabilities.intactPayloads`). */
  readonly checksum: boolean
  /** The store answers reads synchronously (`getSync`). */
  readonly sync: boolean
  /** Store timeout in ms, 0 for none. */
  readonly timeout: number
  /** Wraps the serializer's bytes with the serializer's id (see serializer.ts). */
  readonly envelope: Envelope
  /** The store circuit breaker (`breakerDuration`), shared with derived contexts; none by default. */
  readonly breaker: CircuitBreaker | undefined
  readonly #jitter: number
  readonly #onError: 'throw' | 'miss' | OnErrorHandler
  readonly #options: CacheOptions
  /** The cache's own context, for a cached function's bounded one. */
  readonly #parent: CacheContext | undefined
  #closed = false

  /**
   * @param parent - For a cached function with a policy: the cache's context,
   *   whose stats, hooks, keys and state this one shares; `store` is then the
   *   function's bounded view.
   */
  constructor(options: CacheOptions, parent?: CacheContext, store?: BoundedStore) {
    const o = parent === undefined ? validateOptions('core', cacheOptionsSchema, options) : options
    this.#options = o
    this.#parent = parent
    this.baseStore = o.store
    this.namespace = o.namespace ?? 'default'
    if (parent === undefined) {
      this.keys = createKeySpace(this.namespace)
      this.events = new Lifecycle(this.namespace, o.store.name, o.hooks ?? [])
      this.stats = new StatsCounter()
      this.flights = new SingleFlight()
      this.bounds = []
      this.unsubscribes = []
      this.refreshes = new Map()
      this.backoffs = new Map()
      this.envelope = createEnvelope(o.serializer ?? jsonSerializer())
      const breakerMs =
        o.breakerDuration === undefined || o.breakerDuration === false
          ? 0
          : parseTtl(o.breakerDuration)
      this.breaker =
        breakerMs === 0
          ? undefined
          : new CircuitBreaker(breakerMs, this.events, this.stats, this.namespace, o.store.name)
      const store = o.policy === undefined ? o.store : this.bound(o.policy, '')
      this.store = this.breaker === undefined ? store : guardStore(store, this.breaker)
    } else {
      this.keys = parent.keys
      this.events = parent.events
      this.stats = parent.stats
      this.flights = parent.flights
      this.bounds = parent.bounds
      this.unsubscribes = parent.unsubscribes
      this.refreshes = parent.refreshes
      this.backoffs = parent.backoffs
      this.envelope = parent.envelope
      this.breaker = parent.breaker
      this.store =
        this.breaker === undefined
          ? (store as BoundedStore)
          : guardStore(store as BoundedStore, this.breaker)
    }
    const store_ = this.store
    this.live = store_.capabilities?.liveValues === true
    this.checksum = store_.capabilities?.intactPayloads !== true
    this.sync = typeof store_.getSync === 'function'
    this.defaultTtl = parseTtl(o.defaultTtl ?? '1h')
    this.#jitter = o.ttlJitter ?? 0
    this.#onError = o.onError ?? 'throw'
    this.timeout = o.timeout === undefined || o.timeout === false ? 0 : parseTtl(o.timeout)
  }

  /** Whether the cache was closed. */
  get closed(): boolean {
    return this.#parent === undefined ? this.#closed : this.#parent.closed
  }

  set closed(value: boolean) {
    this.#closed = value
  }

  /**
   * A bounded view of the user's store, registered for `invalidateAll` and
   * evictions. `scope` is `''` for the namespace, the function's identity
   * for a cached function.
   * @throws InvalidOptionsError when the store cannot bound a cache.
   */
  bound(policy: EvictionPolicy, scope: string): BoundedStore {
    const store = this.baseStore
    const component = scope === '' ? 'core' : 'cached'
    if (typeof store.bounded !== 'function') {
      throw new InvalidOptionsError(component, [
        `policy: the ${JSON.stringify(store.name)} store cannot bound a cache; expected a store with bounded() (memoryStore, ioredisStore, nodeRedisStore)`,
      ])
    }
    const view = store.bounded({
      id: `${this.keys.namespaceTag.slice(0, -1)}b:${encodeComponent(scope)}`,
      policy,
    })
    this.bounds.push(view)
    listenToStoreEvictions(this, view)
    return view
  }

  /** A context for a cached function bounded by `policy`: this cache's, over its own view. */
  derive(policy: EvictionPolicy, scope: string): CacheContext {
    return new CacheContext(this.#options, this, this.bound(policy, scope))
  }

  /** Throws `E_CLOSED` once the cache is closed. */
  open(): void {
    if (this.closed) {
      throw new TagCacheError(
        'E_CLOSED',
        `[tagcache] [core] cache ${JSON.stringify(this.namespace)} is closed; expected no calls after close()`,
      )
    }
  }

  /** A write's time to live in ms: the default when absent, never 0, jittered unless `jitter` is false. */
  ttl(ttl: Ttl | undefined, operation: string, jitter = true): number {
    let ms: number
    if (ttl === undefined) ms = this.defaultTtl
    else {
      try {
        ms = parseTtl(ttl)
      } catch (error) {
        ;(error as Error).message = (error as Error).message.replace('[ttl]', `[${operation}]`)
        throw error
      }
    }
    if (ms === 0) {
      throw new RangeError(
        `[tagcache] [${operation}] ttl 0 would expire the entry at once; expected a ttl > 0 (use delete() to remove)`,
      )
    }
    if (jitter && this.#jitter > 0 && Number.isFinite(ms)) {
      ms = Math.max(1, Math.round(ms * (1 - this.#jitter * Math.random())))
    }
    return ms
  }

  /** The tag ids of a write: the namespace tag first, then each tag once. */
  tagIds(tags: readonly string[], operation: string): string[] {
    if (!Array.isArray(tags)) throw invalidArgument(operation, 'tags', tags, 'an array of strings')
    const ids = [this.keys.namespaceTag]
    for (const tag of tags) {
      const id = this.tagId(tag, operation)
      if (!ids.includes(id)) ids.push(id)
    }
    return ids
  }

  tagId(tag: unknown, operation: string): string {
    if (typeof tag !== 'string') throw invalidArgument(operation, 'tag', tag, 'a string')
    return this.keys.tag(tag)
  }

  /** The payload fields of a write: bytes, or the value itself for live-value stores. */
  payload(
    key: string,
    value: unknown,
    times?: Freshness,
  ): { value: Uint8Array; liveValue?: unknown } {
    if (this.live) {
      if (value === undefined) this.#seal(key, value)
      const liveValue =
        times === undefined ? value : new TimedValue(value, times.freshUntil, times.ttl)
      return { value: NO_BYTES, liveValue }
    }
    if (times !== undefined && value !== undefined) {
      return { value: sealTimed(this.envelope, key, value, times) }
    }
    return { value: this.#seal(key, value) }
  }

  #seal(key: string, value: unknown): Uint8Array {
    if (value === undefined) {
      throw new TagCacheError(
        'E_INVALID_VALUE',
        `[tagcache] [core] cannot cache undefined for key ${JSON.stringify(key)}; expected any other value (undefined means a miss; null is cacheable)`,
      )
    }
    return seal(this.envelope, key, value)
  }

  /** A store call, rejected with `E_TIMEOUT` past the cache's `timeout`. */
  call<T>(promise: Promise<T>, operation: string): Promise<T> {
    if (this.timeout === 0) return promise
    const ms = this.timeout
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new TimeoutError(`${this.store.name} ${operation}`, ms)),
        ms,
      )
      promise.then(
        (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        (error) => {
          clearTimeout(timer)
          reject(error)
        },
      )
    })
  }

  /**
   * Applies `onError` to a store failure: rethrows, or returns to let the
   * caller treat it as a miss. A failure opens the circuit breaker, if any;
   * a call the open breaker skipped (`E_CIRCUIT_OPEN`) is decided alike but
   * counted in `stats.skipped` (by the breaker), not as an error event.
   */
  storeFailed(operation: CacheOperation, key: string | undefined, error: unknown): void {
    const skipped = this.breaker !== undefined && isCircuitOpen(error)
    if (!skipped) {
      this.stats.errors++
      this.breaker?.failed(error)
    }
    const policy = this.#onError
    const decision = typeof policy === 'function' ? policy(error, { operation, key }) : policy
    // A rethrown error fails the operation, whose `error` event reports it.
    if (decision !== 'miss') throw error
    if (!skipped && this.events.watching('error')) this.events.emitError(operation, key, error)
  }

  keyEvent(key: string): KeyEvent {
    return { namespace: this.namespace, store: this.store.name, key }
  }
}

function isCircuitOpen(error: unknown): boolean {
  return error instanceof TagCacheError && error.code === 'E_CIRCUIT_OPEN'
}

/** @internal A `TypeError` naming the operation, the argument and what was expected. */
export function invalidArgument(
  operation: string,
  name: string,
  value: unknown,
  expected: string,
): TypeError {
  const shown =
    typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value
  return new TypeError(`[tagcache] [${operation}] invalid ${name} ${shown}; expected ${expected}`)
}

/** @internal */
export function assertKey(key: unknown, operation: string): asserts key is string {
  if (typeof key !== 'string') throw invalidArgument(operation, 'key', key, 'a string')
}

/** @internal */
export function assertKeys(keys: unknown, operation: string): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) throw invalidArgument(operation, 'keys', keys, 'an array of strings')
  for (const key of keys) assertKey(key, operation)
}
