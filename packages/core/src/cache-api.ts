// The public `Cache` interface and the options of its methods.

import type { EvictionPolicy } from './policy.js'
import type { StandardSchemaV1 } from './standard-schema.js'
import type { CacheStats } from './stats.js'
import type { Store } from './store.js'
import type { Ttl } from './ttl.js'

/** Options of a write. */
export interface SetOptions {
  /** Tags to invalidate this entry by. Any strings; they are encoded. */
  tags?: readonly string[]
  /** Time to live; defaults to the cache's `defaultTtl`. */
  ttl?: Ttl
}

/** Options of reads. */
export interface ReadOptions<T = unknown> {
  /**
   * A Standard Schema (zod 4, valibot, arktype...) the cached value must
   * match. A value that does not (the code's types changed after a deploy) is
   * a miss plus an `error` event (`E_SCHEMA`), and the entry is removed; the
   * schema's output (after its transforms) is what the read returns.
   */
  schema?: StandardSchemaV1<unknown, T>
}

/** Resilience options shared by `wrap`, `cached` and `decorator`. */
export interface ComputeOptions {
  /**
   * Recompute and rewrite even when a valid entry exists (the entry is not
   * read). Tag versions are still captured before the factory runs, so an
   * invalidation meanwhile is not lost; calls for the same key without
   * `forceFresh` that arrive while it runs share its result.
   * @default false
   * @experimental
   */
  forceFresh?: boolean
  /**
   * Abandons the factory after this long (milliseconds or a duration string,
   * `Infinity`/`'forever'` for none): the call rejects with
   * `FactoryTimeoutError` (`E_FACTORY_TIMEOUT`), and so do the calls that
   * joined it. The factory itself cannot be stopped; what it produces after
   * that is dropped, **never cached** (it would overwrite a fresher value).
   * Bounds the factory only; store calls are bounded by the cache's `timeout`.
   * @default undefined (no limit)
   * @experimental
   */
  hardTimeout?: Ttl
  /**
   * Stampede lock across processes: on a miss, one caller takes a lock on
   * the key in the store (Redis: `SET NX PX` with an owner token, released by
   * its owner only) and computes; the others, in any process, wait for its
   * value up to `wait`, reading the entry every 15 ms (polling: no pub/sub
   * connection is needed; on Redis one read per waiting process and poll). If the value does not come
   * (the holder's factory failed or skipped, it crashed and its lock
   * expired), a waiter takes the lock and computes; when `wait` ends with the
   * lock still held, it computes without it. A hit costs nothing extra.
   *
   * Within one process, concurrent calls already share one computation;
   * only the first contends for the lock. Calls with `forceFresh` (or a
   * `bypass`) neither take nor wait for it. The store must have `lock` and
   * `unlock` (memory: per process; ioredis, node-redis: across processes),
   * or the call throws `InvalidOptionsError`. A waiter served by the
   * holder's value counts one miss (its first read) and one hit.
   * @default undefined (no lock: single-flight within the process only)
   * @experimental
   * @example
   * ```ts
   * await cache.wrap('report', () => slowReport(), { lock: { ttl: '30s', wait: '5s' } })
   * ```
   */
  lock?: LockOptions
  /**
   * Keeps the entry readable as **stale** for this long after its ttl
   * (milliseconds or a duration string, finite, > 0): the entry lives ttl +
   * grace in the store (`cache.ttl(key)` reports what is left of its
   * freshness; `cache.expire` changes how long it lives in the store, not
   * when it turns stale). Plain reads
   * (`get`, `has`, `getMany`) never return a stale value: a miss. `wrap` on
   * a stale entry recomputes, and serves the stale value instead when the
   * factory throws or `hardTimeout` abandons it (stale-if-error: a `stale`
   * event, `stats.stale`, and an `error` event for the failure), when the
   * soft `timeout` passes first, or when another process holds the `lock`
   * (it is refreshing). The factory receives the stale value as `ctx.stale`.
   *
   * Entries whose tags were expired with `cache.expireTags` are stale too,
   * until their ttl + grace. An `invalidate` is hard: nothing it invalidated
   * is ever served, not even as stale.
   *
   * Freshness is decided by the writer's clock (the time the entry stops
   * being fresh is stored with it), so hosts whose clocks differ by d
   * disagree by d about when an entry turns stale, never about invalidations.
   * @default undefined (no grace)
   * @experimental
   * @example
   * ```ts
   * // Redis or the database down for a minute: users get the last good value.
   * await cache.wrap('prices', () => fetchPrices(), { ttl: '1m', grace: '1h' })
   * ```
   */
  grace?: Ttl | false
  /**
   * After a factory failure was answered with the stale value, how long this
   * process serves the stale value without calling the factory again
   * (milliseconds or a duration string, finite, >= 0). Needs `grace`.
   * @default '10s'
   * @experimental
   */
  graceBackoff?: Ttl
  /**
   * Soft timeout (stale-while-revalidate): with a stale value in grace, serve
   * it once the factory has run this long (milliseconds or a duration
   * string, finite, >= 0; `0`: serve it at once); the factory goes on in the
   * background and writes its result, and calls for the key meanwhile join
   * it rather than start another. Without a stale value the call waits for
   * the factory as usual (`hardTimeout` still applies). Needs `grace`.
   * @default undefined (wait for the factory)
   * @experimental
   */
  timeout?: Ttl
  /**
   * Refreshes ahead of expiry: a hit in the last `refreshAhead` share of the
   * entry's ttl (0.2: the last 20%) is served at once and recomputes the
   * entry in the background, once per process at a time; with `lock`, once
   * across processes (the caller that takes the lock, without waiting).
   * Applies to entries written by a call with `refreshAhead` or `grace`
   * (they carry the time they were written for).
   * @default undefined (never)
   * @experimental
   */
  refreshAhead?: number | false
}

/** The `lock` option of `wrap`, `cached` and `decorator`; see {@link ComputeOptions.lock}. */
export interface LockOptions {
  /**
   * How long the lock lives (milliseconds or a duration string, finite, > 0):
   * longer than the factory usually takes, since a holder outliving its lock
   * lets another caller compute too. Also how long a crashed holder delays the others.
   * @default '10s'
   */
  ttl?: Ttl
  /**
   * How long the others wait for the holder's value (milliseconds or a
   * duration string, finite, >= 0) before computing themselves.
   * @default the lock's ttl
   */
  wait?: Ttl
}

/** Options of `wrap`: where and how long to cache, and the schema reads must match. */
export interface WrapOptions<T = unknown> extends SetOptions, ReadOptions<T>, ComputeOptions {}

/**
 * What a `wrap` factory receives: adjustments to the entry it is about to
 * produce, decided from the value. Calls after the factory settled (or was
 * abandoned by `hardTimeout`) have no effect.
 * @experimental
 * @example
 * ```ts
 * const user = await cache.wrap('user:1', async (ctx) => {
 *   const user = await db.user(1)
 *   if (user === null) ctx.setTtl('10s') // cache "not found" briefly
 *   if (user?.draft) ctx.skip() // never cache drafts
 *   return user
 * }, { tags: ['users'], ttl: '1h' })
 * ```
 */
export interface WrapFactoryContext {
  /** The key being computed, as the caller gave it. */
  readonly key: string
  /**
   * The entry's time to live, replacing the call's `ttl` (jittered like it).
   * @throws RangeError or TypeError for a ttl `wrap` would refuse (0, negative, malformed).
   */
  setTtl(ttl: Ttl): void
  /**
   * The entry's tags, replacing the call's `tags`: for tags that depend on
   * the value (`tags` declares the candidates, this picks the ones that apply).
   *
   * Only tags declared in the call's `tags` can be written: their versions
   * were captured **before** the factory ran, so an invalidation of any of
   * them while it ran is not lost (rule 2). A tag the call did not declare
   * has no such version, and reading it now could miss an invalidation that
   * landed during the computation; so the result is returned but **not
   * cached**, and an `error` event reports `E_UNDECLARED_TAG` (and
   * `stats.errors` counts it). Declare every tag the factory may choose.
   * @throws TypeError when `tags` is not an array of strings.
   */
  setTags(tags: readonly string[]): void
  /** Returns the result without caching it (it is still shared with concurrent callers). */
  skip(): void
  /**
   * The stale value this call found within `grace` (past its ttl, or
   * carrying a tag expired with `expireTags`), or `undefined`: for a
   * factory that can refresh incrementally, or fall back on it itself.
   */
  readonly stale: unknown
}

/**
 * A `wrap` factory: computes the value from the source of truth. It may
 * ignore its argument (`() => db.user(1)`), or use it to adjust the entry.
 */
export type WrapFactory<T> = (ctx: WrapFactoryContext) => T | Promise<T>

/** One entry of `setMany`. */
export interface SetManyEntry<T = unknown> extends SetOptions {
  key: string
  value: T
}

/** Options of `wrapMany`. */
export interface WrapManyOptions {
  /** Tags of every computed entry, or a function of its key. */
  tags?: readonly string[] | ((key: string) => readonly string[])
  /** Time to live of every computed entry. */
  ttl?: Ttl
}

/**
 * What a `wrapMany` batch factory returns for the keys it was given: an array
 * aligned with them, a `Map`, or a record keyed by key. A missing or
 * `undefined` value is not cached and is returned as `undefined`.
 */
export type BatchResult<T> =
  | readonly (T | undefined)[]
  | ReadonlyMap<string, T>
  | Readonly<Record<string, T>>

/** Options of `cached(fn, options)`. */
export interface CachedOptions<Args extends unknown[], R = unknown>
  extends ReadOptions<R>,
    ComputeOptions {
  /**
   * The cache key for these arguments. Default: the function's name and a hash
   * of its source, plus a stable hash of the arguments (plain-object key order
   * does not matter).
   */
  key?: (...args: Args) => string
  /** Tags, or a function of the arguments returning them. */
  tags?: readonly string[] | ((...args: Args) => readonly string[])
  /** Time to live, or a function of the arguments returning it. */
  ttl?: Ttl | ((...args: Args) => Ttl)
  /** Names the function in default keys (defaults to `fn.name`). */
  name?: string
  /**
   * Decides per call, from the call's arguments, whether to skip the cached
   * value: when it returns `true` the function runs (even if a valid entry
   * exists), its result is written under the same key, tags and ttl as on a
   * miss, and the caller gets it. Tag versions are still captured before the
   * function runs, so an invalidation meanwhile is not lost. Concurrent calls
   * without bypass share the recomputation. Must return a boolean
   * synchronously (`undefined` counts as `false`, for optional flags); if it
   * throws, or returns anything else (a promise), the call rejects with that
   * error (a `TypeError` for a wrong result) and nothing runs.
   * Unlike the `.bypass(...args)` method, which never touches the cache.
   * The `after` hook reports such a call with outcome `'ok'`, neither hit nor miss.
   * @default undefined (never bypass)
   * @example
   * ```ts
   * const getUser = cache.cached((id: number, force?: boolean) => db.user(id), {
   *   key: (id) => `user:${id}`, // so that getUser(1, true) refreshes getUser(1)'s entry
   *   bypass: (_id, force) => force,
   * })
   * await getUser(1, true) // reads the database, rewrites the entry
   * ```
   */
  bypass?: (...args: Args) => boolean | undefined
  /**
   * Bounds this function's entries to `policy.maxSize`, evicted by the
   * policy's rule, apart from the rest of the namespace (see
   * `CacheOptions.policy`; same stores, same events). `.invalidate(...args)`
   * removes the entry from the bound too.
   * @default undefined (the namespace's bound, if any)
   */
  policy?: EvictionPolicy
}

/** A function memoized by `cache.cached`. */
export interface CachedFunction<Args extends unknown[], R> {
  (...args: Args): Promise<Awaited<R>>
  /** Removes the entry for these arguments. Resolves `true` if one existed. */
  invalidate(...args: Args): Promise<boolean>
  /** Calls the function without reading or writing the cache. */
  bypass(...args: Args): Promise<Awaited<R>>
  /** The cache key used for these arguments. */
  key(...args: Args): string
}

/** Options of `cache.decorator(options)`. */
export interface DecoratorOptions<Args extends unknown[]> extends ComputeOptions {
  /** Key for these arguments. Default: `<Class>.<method>:<hash of arguments>`. */
  key?: (...args: Args) => string
  /** Tags, or a function of the arguments returning them. */
  tags?: readonly string[] | ((...args: Args) => readonly string[])
  /** Time to live, or a function of the arguments returning it. */
  ttl?: Ttl | ((...args: Args) => Ttl)
  /**
   * Recomputes and rewrites the entry when it returns `true` for the call's
   * arguments; see {@link CachedOptions.bypass}.
   * @default undefined (never bypass)
   * @example
   * ```ts
   * @cache.decorator({ key: (id: string) => `user:${id}`, bypass: (_id, fresh?: boolean) => fresh === true })
   * async find(id: string, fresh?: boolean) { ... }
   * ```
   */
  bypass?: (...args: Args) => boolean | undefined
  /**
   * Bounds this method's entries (all instances together) to
   * `policy.maxSize`, apart from the rest of the namespace; see
   * {@link CachedOptions.policy}.
   * @default undefined
   */
  policy?: EvictionPolicy
}

/** Operations bound to one key, from `cache.bind(key)`. */
export interface BoundKey<T> {
  readonly key: string
  get(options?: ReadOptions<T>): Promise<T | undefined>
  getOrThrow(): Promise<T>
  has(): Promise<boolean>
  set(value: T, options?: SetOptions): Promise<void>
  delete(): Promise<boolean>
  wrap(factory: WrapFactory<T>, options?: WrapOptions<T>): Promise<T>
  ttl(): Promise<number | undefined>
  expire(ttl: Ttl): Promise<boolean>
  persist(): Promise<boolean>
}

/**
 * A tagged cache over one store and namespace. Create it with {@link createCache}.
 */
export interface Cache {
  /** The namespace given at creation. */
  readonly namespace: string
  /** The store this cache writes to. */
  readonly store: Store
  /** Counters since creation or the last `stats.reset()`. */
  readonly stats: CacheStats

  /** The value under `key`, or `undefined` on a miss (absent, expired, invalidated, unreadable). */
  get<T = unknown>(key: string, options?: ReadOptions<T>): Promise<T | undefined>
  /** Like `get`, but throws {@link CacheMiss} on a miss. */
  getOrThrow<T = unknown>(key: string, options?: ReadOptions<T>): Promise<T>
  /** True if `key` has a valid entry. */
  has(key: string): Promise<boolean>
  /** Writes `value` (anything but `undefined`; `null` is cacheable) with tags and a time to live. */
  set<T>(key: string, value: T, options?: SetOptions): Promise<void>
  /** Deletes an entry. Resolves `true` if it existed. */
  delete(key: string): Promise<boolean>
  /** Reads many keys at once; the result is aligned with `keys`. */
  getMany<T = unknown>(
    keys: readonly string[],
    options?: ReadOptions<T>,
  ): Promise<(T | undefined)[]>
  /** Writes many entries at once. */
  setMany<T>(entries: readonly SetManyEntry<T>[]): Promise<void>
  /** Deletes many entries. Resolves how many existed. */
  deleteMany(keys: readonly string[]): Promise<number>
  /** Invalidates every entry carrying any of these tags, in O(1) per tag. */
  invalidate(...tags: string[]): Promise<void>
  /** Invalidates every entry of this namespace, in O(1). */
  invalidateAll(): Promise<void>
  /**
   * Soft invalidation: every entry carrying any of these tags becomes
   * **stale** rather than invalid, in O(1) per tag like `invalidate`. A
   * `wrap` with `grace` still serves such an entry when its refresh fails,
   * times out (soft `timeout`) or runs in another process (`lock`), until the
   * entry's ttl + grace; plain reads miss it. A later `invalidate` of the tag
   * is hard again: nothing written before it is served, not even as stale.
   * Needs a store with `expireTags` (memory, ioredis, node-redis); others
   * throw `InvalidOptionsError`.
   * @experimental
   * @example
   * ```ts
   * await cache.expireTags('prices') // readers keep the old prices while one refreshes
   * ```
   */
  expireTags(...tags: string[]): Promise<void>
  /**
   * Cache-aside: returns the cached value, or runs `factory`, caches and
   * returns its result. Concurrent calls for one key in this process run the
   * factory once. Tag versions are captured **before** the factory runs, so
   * an invalidation during the computation is never lost. A factory result
   * of `undefined` is returned but not cached. The factory receives a
   * {@link WrapFactoryContext} (`setTtl`, `setTags`, `skip`).
   */
  wrap<T>(key: string, factory: WrapFactory<T>, options?: WrapOptions<T>): Promise<T>
  /**
   * DataLoader-style cache-aside for many keys: one `getMany`, then one call of
   * `batchFactory` with every missing key, then one `setMany`.
   */
  wrapMany<T>(
    keys: readonly string[],
    batchFactory: (missing: string[]) => BatchResult<T> | Promise<BatchResult<T>>,
    options?: WrapManyOptions,
  ): Promise<(T | undefined)[]>
  /**
   * Memoizes an async function in this cache; see {@link CachedOptions}. The
   * argument types come from `fn` alone: the option functions take them as given.
   */
  cached<Args extends unknown[], R>(
    fn: (...args: Args) => R,
    options?: NoInfer<CachedOptions<Args, Awaited<R>>>,
  ): CachedFunction<Args, R>
  /** A TC39 standard method decorator caching the method's results. */
  decorator<Args extends unknown[]>(
    options?: DecoratorOptions<Args>,
  ): <This, R>(
    method: (this: This, ...args: Args) => R,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => R>,
  ) => (this: This, ...args: Args) => Promise<Awaited<R>>
  /** Remaining time to live in ms, `Infinity` if none, `undefined` on a miss. */
  ttl(key: string): Promise<number | undefined>
  /** Sets the time to live of an existing valid entry. Resolves `false` on a miss. */
  expire(key: string, ttl: Ttl): Promise<boolean>
  /** Removes the expiry of an existing valid entry. Resolves `false` on a miss. */
  persist(key: string): Promise<boolean>
  /** Operations bound to one key. */
  bind<T = unknown>(key: string): BoundKey<T>
  /** Closes the cache and the resources its store created. Later calls throw `E_CLOSED`. */
  close(): Promise<void>
}
