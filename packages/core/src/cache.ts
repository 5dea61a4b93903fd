// The module binding skips the global `performance` getter (~20 ns per read).
import { performance as clock } from 'node:perf_hooks'
import { type ChannelEvent, eventChannels, operationChannel } from './diagnostics.js'
import { CacheMiss, SchemaMismatchError, TagCacheError, TimeoutError } from './errors.js'
import { stableHash } from './hash.js'
import {
  type CacheOperation,
  type ErrorEvent,
  type EvictEvent,
  HOOK_METHODS,
  type Hook,
  type HookErrorEvent,
  type InvalidateEvent,
  type KeyEvent,
  type OperationEndEvent,
  type OperationOutcome,
  type OperationStartEvent,
  type SetEvent,
} from './hooks.js'
import { createKeySpace, type KeySpace } from './keys.js'
import {
  type CacheOptions,
  cachedOptionsSchema,
  cacheOptionsSchema,
  type OnErrorHandler,
  validateOptions,
} from './options.js'
import { createEnvelope, type Envelope, jsonSerializer, open, seal } from './serializer.js'
import { SingleFlight } from './single-flight.js'
import type { StandardSchemaV1 } from './standard-schema.js'
import { type CacheStats, StatsCounter } from './stats.js'
import type { Store, StoredEntry, StoreWriteWithKey } from './store.js'
import { parseTtl, type Ttl } from './ttl.js'
import { createTagVersion } from './versions.js'

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

/** Options of `wrap`: where and how long to cache, and the schema reads must match. */
export interface WrapOptions<T = unknown> extends SetOptions, ReadOptions<T> {}

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
export interface CachedOptions<Args extends unknown[], R = unknown> extends ReadOptions<R> {
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
export interface DecoratorOptions<Args extends unknown[]> {
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
}

/** Operations bound to one key, from `cache.bind(key)`. */
export interface BoundKey<T> {
  readonly key: string
  get(options?: ReadOptions<T>): Promise<T | undefined>
  getOrThrow(): Promise<T>
  has(): Promise<boolean>
  set(value: T, options?: SetOptions): Promise<void>
  delete(): Promise<boolean>
  wrap(factory: () => T | Promise<T>, options?: WrapOptions<T>): Promise<T>
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
   * Cache-aside: returns the cached value, or runs `factory`, caches and
   * returns its result. Concurrent calls for one key in this process run the
   * factory once. Tag versions are captured **before** the factory runs, so
   * an invalidation during the computation is never lost. A factory result
   * of `undefined` is returned but not cached.
   */
  wrap<T>(key: string, factory: () => T | Promise<T>, options?: WrapOptions<T>): Promise<T>
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

const EMPTY: readonly string[] = Object.freeze([])
const NO_BYTES = new Uint8Array(0)

/** @internal */
class TagCache implements Cache {
  readonly namespace: string
  readonly store: Store
  readonly #keys: KeySpace
  readonly #envelope: Envelope
  readonly #defaultTtl: number
  readonly #jitter: number
  readonly #hooks: readonly Hook[]
  /** Each hook method, read once at construction: emitting never looks methods up. */
  readonly #listeners: Listeners
  /** Some hook implements before, after, error or around: operations need a lifecycle. */
  readonly #timed: boolean
  /** Hooks' `around` methods, outermost first. */
  readonly #arounds: readonly Listener[]
  readonly #onError: 'throw' | 'miss' | OnErrorHandler
  readonly #timeout: number
  readonly #stats = new StatsCounter()
  readonly #flights = new SingleFlight()
  readonly #warnedHooks = new WeakSet<Hook>()
  readonly #live: boolean
  readonly #sync: boolean
  #closed = false

  constructor(options: CacheOptions) {
    const o = validateOptions('core', cacheOptionsSchema, options)
    this.store = o.store
    this.namespace = o.namespace ?? 'default'
    this.#keys = createKeySpace(this.namespace)
    this.#envelope = createEnvelope(o.serializer ?? jsonSerializer())
    this.#live = o.store.capabilities?.liveValues === true
    this.#sync = typeof o.store.getSync === 'function'
    this.#defaultTtl = parseTtl(o.defaultTtl ?? '1h')
    this.#jitter = o.ttlJitter ?? 0
    this.#hooks = o.hooks ?? []
    this.#listeners = listenersOf(this.#hooks)
    this.#arounds = aroundsOf(this.#hooks)
    this.#timed =
      this.#listeners.before.length +
        this.#listeners.after.length +
        this.#listeners.error.length +
        this.#arounds.length >
      0
    this.#onError = o.onError ?? 'throw'
    this.#timeout = o.timeout === undefined || o.timeout === false ? 0 : parseTtl(o.timeout)
  }

  get stats(): CacheStats {
    return this.#stats
  }

  // ---------------------------------------------------------------- reads

  get<T>(key: string, options?: ReadOptions<T>): Promise<T | undefined> {
    const schema = options?.schema
    if (this.#quiet()) {
      return this.#read(key, 'get', true, schema) as Promise<T | undefined>
    }
    if (this.#sync && this.#timeout === 0 && schema === undefined && this.#arounds.length === 0) {
      const event = this.#newEvent('get', [key], EMPTY)
      if (!operationChannel.hasSubscribers) {
        return this.#getObservedSync(key, event) as Promise<T | undefined>
      }
      return operationChannel.tracePromise(
        () => this.#getObservedSync(key, event),
        event,
      ) as Promise<T | undefined>
    }
    return this.#observe(
      'get',
      [key],
      EMPTY,
      () => this.#read(key, 'get', true, schema) as Promise<T | undefined>,
    )
  }

  async getOrThrow<T>(key: string, options?: ReadOptions<T>): Promise<T> {
    const run = async () => {
      const value = await this.#read(key, 'getOrThrow', true, options?.schema)
      if (value === undefined) throw new CacheMiss(key, this.namespace)
      return value as T
    }
    return this.#quiet() ? run() : this.#observe('getOrThrow', [key], EMPTY, run)
  }

  async has(key: string): Promise<boolean> {
    const run = async () => (await this.#read(key, 'has', false)) !== undefined
    return this.#quiet() ? run() : this.#observe('has', [key], EMPTY, run)
  }

  getMany<T>(keys: readonly string[], options?: ReadOptions<T>): Promise<(T | undefined)[]> {
    return this.#quiet()
      ? this.#getMany(keys, options)
      : this.#observe('getMany', keys, EMPTY, (event) => this.#getMany(keys, options, event))
  }

  async #getMany<T>(
    keys: readonly string[],
    options?: ReadOptions<T>,
    event?: MutableEndEvent,
  ): Promise<(T | undefined)[]> {
    this.#open()
    assertKeys(keys, 'getMany')
    if (keys.length === 0) return []
    const ids = keys.map((k) => this.#keys.entry(k))
    let entries: (StoredEntry | undefined)[]
    try {
      entries = await this.#call(this.store.getMany(ids), 'getMany')
    } catch (error) {
      this.#storeFailed('getMany', undefined, error)
      for (const key of keys) this.#missed(key)
      return keys.map(() => undefined)
    }
    const schema = options?.schema
    const values = entries.map((entry, i) =>
      this.#accept('getMany', keys[i] as string, ids[i] as string, entry, true, schema),
    )
    const found = (schema === undefined ? values : await Promise.all(values)) as (T | undefined)[]
    if (event !== undefined) event.hits = countFound(found)
    return found
  }

  /** Reads one key: `undefined` on any kind of miss. `decode: false` only checks validity. */
  #read(
    key: string,
    operation: CacheOperation,
    decode: boolean,
    schema?: StandardSchemaV1,
  ): Promise<unknown> {
    // Hot path: no async function, one promise hop through the store.
    try {
      this.#open()
      assertKey(key, operation)
    } catch (error) {
      return Promise.reject(error)
    }
    const id = this.#keys.entry(key)
    if (this.#sync && this.#timeout === 0) {
      try {
        return Promise.resolve(this.#readSync(key, id, operation, decode, schema))
      } catch (error) {
        return Promise.reject(error)
      }
    }
    let pending: Promise<StoredEntry | undefined>
    try {
      pending = this.#call(this.store.get(id), operation)
    } catch (error) {
      pending = Promise.reject(error)
    }
    return pending.then(
      (entry) => this.#accept(operation, key, id, entry, decode, schema),
      (error: unknown) => {
        this.#storeFailed(operation, key, error)
        this.#missed(key)
        return undefined
      },
    )
  }

  /** A read from an in-process store (`getSync`): throws what the read rejects with. */
  #readSync(
    key: string,
    id: string,
    operation: CacheOperation,
    decode: boolean,
    schema?: StandardSchemaV1,
  ): unknown {
    let entry: StoredEntry | undefined
    try {
      entry = (this.store.getSync as (key: string) => StoredEntry | undefined).call(this.store, id)
    } catch (error) {
      this.#storeFailed(operation, key, error)
      this.#missed(key)
      return undefined
    }
    return this.#accept(operation, key, id, entry, decode, schema)
  }

  /** `get` on an in-process store with hooks: the whole lifecycle without a promise hop. */
  #getObservedSync(key: string, event: MutableEndEvent): Promise<unknown> {
    if (this.#listeners.before.length !== 0) this.#emit('before', event)
    const began = clock.now()
    let value: unknown
    try {
      this.#open()
      assertKey(key, 'get')
      value = this.#readSync(key, this.#keys.entry(key), 'get', true)
    } catch (error) {
      this.#failEvent(event, began, error)
      return Promise.reject(error)
    }
    this.#endEvent(event, began, value)
    return Promise.resolve(value)
  }

  /** Decides whether a stored entry is served (the tag-version check) and decodes it. */
  #accept(
    operation: CacheOperation,
    key: string,
    id: string,
    entry: StoredEntry | undefined,
    decode: boolean,
    schema?: StandardSchemaV1,
  ): unknown {
    if (entry === undefined) {
      this.#missed(key)
      return undefined
    }
    if (entry.verified !== true) {
      if (!this.#versionsMatch(key, id, entry)) return undefined
    }
    let value: unknown = true
    if (decode && this.#live && entry.liveValue !== undefined) {
      value = entry.liveValue
    } else if (decode) {
      try {
        value = open(this.#envelope, key, entry.value)
      } catch (error) {
        this.#stats.errors++
        if (this.#watching('error')) this.#emitError(operation, key, error)
        this.#missed(key)
        return undefined
      }
    }
    if (schema !== undefined) return this.#conform(operation, key, id, value, schema)
    this.#stats.hits++
    if (this.#watching('hit')) this.#emit('hit', this.#keyEvent(key))
    return value
  }

  /** Validates a decoded value against a read's schema: its output, or a miss. */
  #conform(
    operation: CacheOperation,
    key: string,
    id: string,
    value: unknown,
    schema: StandardSchemaV1,
  ): unknown {
    const result = schema['~standard'].validate(value)
    return result instanceof Promise
      ? result.then((r) => this.#settle(operation, key, id, r))
      : this.#settle(operation, key, id, result)
  }

  #settle(
    operation: CacheOperation,
    key: string,
    id: string,
    result: StandardSchemaV1.Result<unknown>,
  ): unknown {
    if (result.issues === undefined) {
      this.#stats.hits++
      if (this.#watching('hit')) this.#emit('hit', this.#keyEvent(key))
      return result.value
    }
    const issues = result.issues.map((issue) => {
      const path = (issue.path ?? [])
        .map((p) => String(typeof p === 'object' && p !== null ? p.key : p))
        .join('.')
      return path ? `${path}: ${issue.message}` : issue.message
    })
    this.#stats.errors++
    if (this.#watching('error'))
      this.#emitError(operation, key, new SchemaMismatchError(key, issues))
    this.#evict(key, id, 'schema')
    this.#missed(key)
    return undefined
  }

  /** The tag-version check: every stored version still current (rule 1: null never matches). */
  #versionsMatch(key: string, id: string, entry: StoredEntry): boolean {
    const { versions, current } = entry
    if (versions.length === 0 || versions.length !== current.length) {
      // Every entry carries at least the namespace tag; anything else is not ours.
      this.#evict(key, id, 'unreadable')
      this.#missed(key)
      return false
    }
    for (let i = 0; i < versions.length; i++) {
      const now = current[i]
      if (now === null || now !== versions[i]) {
        this.#evict(key, id, 'invalidated')
        this.#missed(key)
        return false
      }
    }
    return true
  }

  #missed(key: string): void {
    this.#stats.misses++
    if (this.#watching('miss')) this.#emit('miss', this.#keyEvent(key))
  }

  /** Lazily removes an entry that can never be served again. Best effort. */
  #evict(key: string, id: string, reason: EvictEvent['reason']): void {
    this.store.delete(id).catch(() => {})
    if (this.#watching('evict')) this.#emit('evict', { ...this.#keyEvent(key), reason })
  }

  // --------------------------------------------------------------- writes

  async set<T>(key: string, value: T, options?: SetOptions): Promise<void> {
    const run = async () => {
      this.#open()
      assertKey(key, 'set')
      const tags = options?.tags ?? EMPTY
      const ttl = this.#ttl(options?.ttl, 'set')
      const tagIds = this.#tagIds(tags, 'set')
      const payload = this.#payload(key, value)
      try {
        await this.#call(
          this.store.set(this.#keys.entry(key), {
            ...payload,
            tags: tagIds,
            candidate: createTagVersion(),
            ttl,
          }),
          'set',
        )
      } catch (error) {
        this.#storeFailed('set', key, error)
        return
      }
      this.#stats.sets++
      if (this.#watching('set')) this.#emit('set', { ...this.#keyEvent(key), tags, ttl })
    }
    return this.#quiet() ? run() : this.#observe('set', [key], options?.tags ?? EMPTY, run)
  }

  async setMany<T>(entries: readonly SetManyEntry<T>[]): Promise<void> {
    const run = async () => {
      this.#open()
      if (!Array.isArray(entries))
        throw invalidArgument(
          'setMany',
          'entries',
          entries,
          'an array of { key, value, tags?, ttl? }',
        )
      if (entries.length === 0) return
      const candidate = createTagVersion()
      const writes: StoreWriteWithKey[] = entries.map((entry) => {
        assertKey(entry?.key, 'setMany')
        return {
          key: this.#keys.entry(entry.key),
          ...this.#payload(entry.key, entry.value),
          tags: this.#tagIds(entry.tags ?? EMPTY, 'setMany'),
          candidate,
          ttl: this.#ttl(entry.ttl, 'setMany'),
        }
      })
      try {
        await this.#call(this.store.setMany(writes), 'setMany')
      } catch (error) {
        this.#storeFailed('setMany', undefined, error)
        return
      }
      this.#stats.sets += entries.length
      if (this.#watching('set')) {
        for (const [i, entry] of entries.entries()) {
          this.#emit('set', {
            ...this.#keyEvent(entry.key),
            tags: entry.tags ?? EMPTY,
            ttl: (writes[i] as StoreWriteWithKey).ttl,
          })
        }
      }
    }
    return this.#quiet()
      ? run()
      : this.#observe(
          'setMany',
          entries.map((e) => e.key),
          EMPTY,
          run,
        )
  }

  async delete(key: string): Promise<boolean> {
    const run = async () => {
      this.#open()
      assertKey(key, 'delete')
      try {
        const existed = await this.#call(this.store.delete(this.#keys.entry(key)), 'delete')
        if (existed) this.#stats.deletes++
        return existed
      } catch (error) {
        this.#storeFailed('delete', key, error)
        return false
      }
    }
    return this.#quiet() ? run() : this.#observe('delete', [key], EMPTY, run)
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    const run = async () => {
      this.#open()
      assertKeys(keys, 'deleteMany')
      if (keys.length === 0) return 0
      try {
        const count = await this.#call(
          this.store.deleteMany(keys.map((k) => this.#keys.entry(k))),
          'deleteMany',
        )
        this.#stats.deletes += count
        return count
      } catch (error) {
        this.#storeFailed('deleteMany', undefined, error)
        return 0
      }
    }
    return this.#quiet() ? run() : this.#observe('deleteMany', keys, EMPTY, run)
  }

  async invalidate(...tags: string[]): Promise<void> {
    const run = async () => {
      this.#open()
      if (tags.length === 0) return
      const ids = [...new Set(tags.map((tag) => this.#tagId(tag, 'invalidate')))]
      await this.#writeVersions('invalidate', ids)
      this.#stats.invalidations++
      if (this.#watching('invalidate'))
        this.#emit('invalidate', { ...this.#base(), tags, all: false })
    }
    return this.#quiet() ? run() : this.#observe('invalidate', EMPTY, tags, run)
  }

  async invalidateAll(): Promise<void> {
    const run = async () => {
      this.#open()
      await this.#writeVersions('invalidateAll', [this.#keys.namespaceTag])
      this.#stats.invalidations++
      if (this.#watching('invalidate'))
        this.#emit('invalidate', { ...this.#base(), tags: EMPTY, all: true })
    }
    return this.#quiet() ? run() : this.#observe('invalidateAll', EMPTY, EMPTY, run)
  }

  // An invalidation must not be swallowed by onError: 'miss' (a lost
  // invalidation serves stale data), so store failures always surface here.
  async #writeVersions(operation: CacheOperation, ids: readonly string[]): Promise<void> {
    try {
      await this.#call(this.store.invalidate(ids, createTagVersion(), this.#defaultTtl), operation)
    } catch (error) {
      // The operation's `error` event reports it.
      this.#stats.errors++
      throw error
    }
  }

  // ----------------------------------------------------------- cache-aside

  wrap<T>(key: string, factory: () => T | Promise<T>, options?: WrapOptions<T>): Promise<T> {
    return this.#wrap('wrap', key, factory, options)
  }

  /** `force`: skip the cached value (and any computation in flight), recompute and write. */
  async #wrap<T>(
    operation: 'wrap' | 'cached',
    key: string,
    factory: () => T | Promise<T>,
    options?: WrapOptions<T>,
    force = false,
  ): Promise<T> {
    this.#open()
    assertKey(key, operation)
    if (typeof factory !== 'function')
      throw invalidArgument(operation, 'factory', factory, 'a function')
    const id = this.#keys.entry(key)
    const quiet = this.#quiet()
    const inflight = force ? undefined : this.#flights.get<T>(id)
    if (inflight !== undefined) {
      this.#stats.coalesced++
      if (this.#watching('coalesced')) this.#emit('coalesced', this.#keyEvent(key))
      return quiet
        ? inflight
        : this.#observe(operation, [key], options?.tags ?? EMPTY, () => inflight)
    }
    if (quiet) {
      return this.#flights.run(id, () =>
        this.#wrapOnce(operation, key, id, factory, options, force),
      )
    }
    return this.#observe(operation, [key], options?.tags ?? EMPTY, (event) =>
      this.#flights.run(id, () =>
        this.#wrapOnce(operation, key, id, factory, options, force, event),
      ),
    )
  }

  async #wrapOnce<T>(
    operation: 'wrap' | 'cached',
    key: string,
    id: string,
    factory: () => T | Promise<T>,
    options: WrapOptions<T> | undefined,
    force: boolean,
    event?: MutableEndEvent,
  ): Promise<T> {
    const ttl = this.#ttl(options?.ttl, operation)
    const tagIds = this.#tagIds(options?.tags ?? EMPTY, operation)
    let entry: StoredEntry | undefined
    // Rule 2: versions captured here, before the factory runs (see below).
    let captured: readonly string[] | undefined
    let storeOk = true
    try {
      if (force) {
        // Bypassed: nothing is read; the versions are still captured below, before the factory.
      } else if (this.store.getOrCapture !== undefined) {
        // One round trip for the read and, when it misses, the capture.
        const read = await this.#call(
          this.store.getOrCapture(id, tagIds, createTagVersion(), ttl),
          operation,
        )
        entry = read.entry
        captured = read.captured
      } else {
        entry = await this.#call(this.store.get(id), operation)
      }
    } catch (error) {
      this.#storeFailed(operation, key, error)
      storeOk = false
    }
    if (force) {
      // Bypassed: neither a hit nor a miss.
    } else if (storeOk) {
      const value = await this.#accept(operation, key, id, entry, true, options?.schema)
      if (value !== undefined) {
        if (event !== undefined) event.outcome = 'hit'
        return value as T
      }
    } else {
      this.#missed(key)
    }
    if (event !== undefined && !force) event.outcome = 'miss'
    // Rule 2: capture the versions before the factory runs; an invalidation
    // that lands while it runs replaces them, and the stored entry is born stale.
    if (storeOk && captured === undefined) {
      try {
        captured = await this.#call(
          this.store.tagVersions(tagIds, createTagVersion(), ttl),
          operation,
        )
      } catch (error) {
        this.#storeFailed(operation, key, error)
      }
    }
    const value = await factory()
    if (value === undefined || captured === undefined) return value
    const payload = this.#payload(key, value)
    try {
      await this.#call(
        this.store.set(id, {
          ...payload,
          tags: tagIds,
          captured,
          candidate: createTagVersion(),
          ttl,
        }),
        operation,
      )
      this.#stats.sets++
      if (this.#watching('set'))
        this.#emit('set', { ...this.#keyEvent(key), tags: options?.tags ?? EMPTY, ttl })
    } catch (error) {
      this.#storeFailed(operation, key, error)
    }
    return value
  }

  async wrapMany<T>(
    keys: readonly string[],
    batchFactory: (missing: string[]) => BatchResult<T> | Promise<BatchResult<T>>,
    options?: WrapManyOptions,
  ): Promise<(T | undefined)[]> {
    const run = async (event?: MutableEndEvent) => {
      if (typeof batchFactory !== 'function') {
        throw invalidArgument(
          'wrapMany',
          'batchFactory',
          batchFactory,
          'a function (missingKeys) => values',
        )
      }
      const unique = [...new Set(keys)]
      const ttl = this.#ttl(options?.ttl, 'wrapMany')
      const tagsOf = (key: string): readonly string[] => {
        const tags = options?.tags
        return typeof tags === 'function' ? tags(key) : (tags ?? EMPTY)
      }
      const found = await this.#getMany<T>(unique)
      const missing = unique.filter((_, i) => found[i] === undefined)
      const byKey = new Map<string, T | undefined>(unique.map((k, i) => [k, found[i]]))
      // Counted over `keys`, duplicates included, like getMany's.
      if (event !== undefined) event.hits = countFound(keys.map((k) => byKey.get(k)))
      if (missing.length > 0) {
        const tagIdsByKey = missing.map((key) => this.#tagIds(tagsOf(key), 'wrapMany'))
        const allTagIds = [...new Set(tagIdsByKey.flat())]
        let versionOf: Map<string, string> | undefined
        try {
          const versions = await this.#call(
            this.store.tagVersions(allTagIds, createTagVersion(), ttl),
            'wrapMany',
          )
          versionOf = new Map(allTagIds.map((tag, i) => [tag, versions[i] as string]))
        } catch (error) {
          this.#storeFailed('wrapMany', undefined, error)
        }
        const produced = await batchFactory([...missing])
        const candidate = createTagVersion()
        const writes: StoreWriteWithKey[] = []
        const writeKeys = new Map<StoreWriteWithKey, string>()
        missing.forEach((key, i) => {
          const value = pick(produced, key, i)
          byKey.set(key, value)
          if (value === undefined || versionOf === undefined) return
          const tagIds = tagIdsByKey[i] as string[]
          const write: StoreWriteWithKey = {
            key: this.#keys.entry(key),
            ...this.#payload(key, value),
            tags: tagIds,
            captured: tagIds.map((t) => versionOf.get(t) as string),
            candidate,
            ttl,
          }
          writes.push(write)
          writeKeys.set(write, key)
        })
        if (writes.length > 0) {
          try {
            await this.#call(this.store.setMany(writes), 'wrapMany')
            this.#stats.sets += writes.length
            if (this.#watching('set')) {
              for (const write of writes) {
                const key = writeKeys.get(write) as string
                this.#emit('set', { ...this.#keyEvent(key), tags: tagsOf(key), ttl: write.ttl })
              }
            }
          } catch (error) {
            this.#storeFailed('wrapMany', undefined, error)
          }
        }
      }
      return keys.map((k) => byKey.get(k))
    }
    return this.#quiet() ? run() : this.#observe('wrapMany', keys, EMPTY, run)
  }

  cached<Args extends unknown[], R>(
    fn: (...args: Args) => R,
    options: NoInfer<CachedOptions<Args, Awaited<R>>> = {},
  ): CachedFunction<Args, R> {
    if (typeof fn !== 'function') throw invalidArgument('cached', 'fn', fn, 'a function')
    const identity = `${options.name ?? (fn.name || 'anonymous')}#${stableHash(fn.toString()).slice(0, 8)}`
    validateOptions('cached', cachedOptionsSchema, options)
    const keyOf = options.key ?? ((...args: Args) => `cached:${identity}:${stableHash(args)}`)
    const call = (async (...args: Args) =>
      this.#wrap(
        'cached',
        keyOf(...args),
        async () => (await fn(...args)) as Awaited<R>,
        {
          tags: resolve(options.tags, args),
          ttl: resolve(options.ttl, args),
          schema: options.schema,
        },
        bypassed(options.bypass, args),
      )) as CachedFunction<Args, R>
    call.invalidate = (...args: Args) => this.delete(keyOf(...args))
    call.bypass = async (...args: Args): Promise<Awaited<R>> => (await fn(...args)) as Awaited<R>
    call.key = (...args: Args) => keyOf(...args)
    return call
  }

  decorator<Args extends unknown[]>(options: DecoratorOptions<Args> = {}) {
    validateOptions('decorator', cachedOptionsSchema, options)
    const cache = this
    return <This, R>(
      method: (this: This, ...args: Args) => R,
      context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => R>,
    ) => {
      if (context.kind !== 'method') {
        throw new TypeError(
          `[tagcache] [core] @cache.decorator() applies to methods; got a ${String(context.kind)}`,
        )
      }
      const methodName = String(context.name)
      return async function (this: This, ...args: Args): Promise<Awaited<R>> {
        const owner =
          (this as { constructor?: { name?: string } } | undefined)?.constructor?.name ||
          'anonymous'
        const key = options.key
          ? options.key(...args)
          : `method:${owner}.${methodName}:${stableHash(args)}`
        return cache.#wrap(
          'cached',
          key,
          async () => method.apply(this, args),
          { tags: resolve(options.tags, args), ttl: resolve(options.ttl, args) },
          bypassed(options.bypass, args),
        ) as Promise<Awaited<R>>
      }
    }
  }

  // ------------------------------------------------------------- expiry

  async ttl(key: string): Promise<number | undefined> {
    const run = async () => {
      if ((await this.#read(key, 'ttl', false)) === undefined) return undefined
      try {
        return await this.#call(this.store.ttl(this.#keys.entry(key)), 'ttl')
      } catch (error) {
        this.#storeFailed('ttl', key, error)
        return undefined
      }
    }
    return this.#quiet() ? run() : this.#observe('ttl', [key], EMPTY, run)
  }

  async expire(key: string, ttl: Ttl): Promise<boolean> {
    const ms = this.#ttl(ttl, 'expire', false)
    const run = () => this.#expire('expire', key, ms)
    return this.#quiet() ? run() : this.#observe('expire', [key], EMPTY, run)
  }

  async persist(key: string): Promise<boolean> {
    const run = () => this.#expire('persist', key, Number.POSITIVE_INFINITY)
    return this.#quiet() ? run() : this.#observe('persist', [key], EMPTY, run)
  }

  async #expire(operation: CacheOperation, key: string, ms: number): Promise<boolean> {
    if ((await this.#read(key, operation, false)) === undefined) return false
    try {
      return await this.#call(this.store.expire(this.#keys.entry(key), ms), operation)
    } catch (error) {
      this.#storeFailed(operation, key, error)
      return false
    }
  }

  bind<T>(key: string): BoundKey<T> {
    assertKey(key, 'bind')
    return {
      key,
      get: (options) => this.get<T>(key, options),
      getOrThrow: () => this.getOrThrow<T>(key),
      has: () => this.has(key),
      set: (value, options) => this.set(key, value, options),
      delete: () => this.delete(key),
      wrap: (factory, options) => this.wrap(key, factory, options),
      ttl: () => this.ttl(key),
      expire: (ttl) => this.expire(key, ttl),
      persist: () => this.persist(key),
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.store.close?.()
  }

  // ------------------------------------------------------------ helpers

  #open(): void {
    if (this.#closed) {
      throw new TagCacheError(
        'E_CLOSED',
        `[tagcache] [core] cache ${JSON.stringify(this.namespace)} is closed; expected no calls after close()`,
      )
    }
  }

  #ttl(ttl: Ttl | undefined, operation: string, jitter = true): number {
    let ms: number
    if (ttl === undefined) ms = this.#defaultTtl
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

  #tagIds(tags: readonly string[], operation: string): string[] {
    if (!Array.isArray(tags)) throw invalidArgument(operation, 'tags', tags, 'an array of strings')
    const ids = [this.#keys.namespaceTag]
    for (const tag of tags) {
      const id = this.#tagId(tag, operation)
      if (!ids.includes(id)) ids.push(id)
    }
    return ids
  }

  #tagId(tag: unknown, operation: string): string {
    if (typeof tag !== 'string') throw invalidArgument(operation, 'tag', tag, 'a string')
    return this.#keys.tag(tag)
  }

  /** The payload fields of a write: bytes, or the value itself for live-value stores. */
  #payload(key: string, value: unknown): { value: Uint8Array; liveValue?: unknown } {
    if (this.#live) {
      if (value === undefined) this.#seal(key, value)
      return { value: NO_BYTES, liveValue: value }
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
    return seal(this.#envelope, key, value)
  }

  #call<T>(promise: Promise<T>, operation: string): Promise<T> {
    if (this.#timeout === 0) return promise
    const ms = this.#timeout
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

  /** Applies `onError` to a store failure: rethrows, or returns to let the caller treat it as a miss. */
  #storeFailed(operation: CacheOperation, key: string | undefined, error: unknown): void {
    this.#stats.errors++
    const policy = this.#onError
    const decision = typeof policy === 'function' ? policy(error, { operation, key }) : policy
    // A rethrown error fails the operation, whose `error` event reports it.
    if (decision !== 'miss') throw error
    if (this.#watching('error')) this.#emitError(operation, key, error)
  }

  #base() {
    return { namespace: this.namespace, store: this.store.name }
  }

  #keyEvent(key: string): KeyEvent {
    return { namespace: this.namespace, store: this.store.name, key }
  }

  /** True when nothing observes operations: the hot paths skip all event work. */
  #quiet(): boolean {
    return !this.#timed && !operationChannel.hasSubscribers && !eventChannels.error.hasSubscribers
  }

  /** True when a hook or a diagnostics_channel subscriber wants `name` events. */
  #watching(name: ChannelEvent): boolean {
    return this.#listeners[name].length !== 0 || eventChannels[name].hasSubscribers
  }

  #emitError(
    operation: CacheOperation,
    key: string | undefined,
    error: unknown,
    failedOperation?: OperationEndEvent,
  ): void {
    const event: ErrorEvent = { ...this.#base(), operation, key, error, failedOperation }
    this.#emit('error', event)
  }

  #emit(name: 'hit' | 'miss' | 'coalesced' | 'stale', event: KeyEvent): void
  #emit(name: 'set', event: SetEvent): void
  #emit(name: 'invalidate', event: InvalidateEvent): void
  #emit(name: 'evict', event: EvictEvent): void
  #emit(name: 'error', event: ErrorEvent): void
  #emit(name: 'hookError', event: HookErrorEvent): void
  #emit(name: 'before', event: OperationStartEvent): void
  #emit(name: 'after', event: OperationEndEvent): void
  #emit(name: HookMethod, event: unknown): void {
    const listeners = this.#listeners[name]
    for (let i = 0; i < listeners.length; i++) {
      const { fn, hook, index } = listeners[i] as Listener
      try {
        const result = fn.call(hook, event)
        if (result instanceof Promise) result.catch((error) => this.#hookFailed(index, name, error))
      } catch (error) {
        this.#hookFailed(index, name, error)
      }
    }
    if (name !== 'before' && name !== 'after') {
      const channel = eventChannels[name]
      if (channel.hasSubscribers) channel.publish(event)
    }
  }

  /**
   * Reports a hook's first failure to the other hooks' `hookError` (a logger
   * hook), or with `process.emitWarning` when none listens. Never throws.
   */
  #hookFailed(index: number, method: string, error: unknown): void {
    const hook = this.#hooks[index] as Hook
    if (this.#warnedHooks.has(hook)) return
    this.#warnedHooks.add(hook)
    const event: HookErrorEvent = { ...this.#base(), method, hookIndex: index, error }
    let reported = false
    for (const other of this.#listeners.hookError) {
      if (other.hook === hook) continue
      try {
        other.fn.call(other.hook, event)
        reported = true
      } catch {
        // A failing reporter must not recurse; the warning below still fires.
      }
    }
    const channel = eventChannels.hookError
    if (channel.hasSubscribers) {
      channel.publish(event)
      reported = true
    }
    if (reported) return
    process.emitWarning(
      `[tagcache] [core] hook #${index} threw in ${method}(): ${(error as Error)?.message ?? String(error)}; hooks must not throw (reported once per hook, the operation was not affected)`,
      { type: 'TagCacheHookWarning' },
    )
  }

  /**
   * Runs an operation between `before` and `after`/`error`, and inside the
   * `tagcache:operation` tracing channel when it has subscribers. `run` may
   * set the outcome (wrap knows whether it was a hit) through the event.
   */
  #observe<T>(
    operation: CacheOperation,
    keys: readonly string[],
    tags: readonly string[],
    run: (event: MutableEndEvent) => Promise<T>,
  ): Promise<T> {
    if (operationChannel.hasSubscribers) {
      const event = this.#newEvent(operation, keys, tags)
      return operationChannel.tracePromise(() => this.#lifecycle(event, run), event)
    }
    return this.#lifecycle(this.#newEvent(operation, keys, tags), run)
  }

  #newEvent(
    operation: CacheOperation,
    keys: readonly string[],
    tags: readonly string[],
  ): MutableEndEvent {
    return {
      namespace: this.namespace,
      store: this.store.name,
      operation,
      keys,
      tags,
      duration: 0,
      outcome: 'ok',
      hits: undefined,
    }
  }

  // `then` rather than an async function: one promise per operation, not three.
  #lifecycle<T>(event: MutableEndEvent, run: (event: MutableEndEvent) => Promise<T>): Promise<T> {
    if (this.#listeners.before.length !== 0) this.#emit('before', event)
    const began = clock.now()
    let pending: Promise<T>
    try {
      pending = this.#arounds.length === 0 ? run(event) : this.#around(0, event, run)
    } catch (error) {
      pending = Promise.reject(error)
    }
    return pending.then(
      (result) => {
        this.#endEvent(event, began, result)
        return result
      },
      (error: unknown) => {
        this.#failEvent(event, began, error)
        throw error
      },
    )
  }

  /**
   * Runs `run` inside the hooks' `around` methods from `index` inwards. The
   * result is `proceed()`'s whatever an `around` does: one that throws,
   * rejects on its own or never proceeds is reported and worked around.
   */
  #around<T>(
    index: number,
    event: MutableEndEvent,
    run: (event: MutableEndEvent) => Promise<T>,
  ): Promise<T> {
    const listener = this.#arounds[index]
    if (listener === undefined) return run(event)
    let inner: Promise<T> | undefined
    const proceed = (): Promise<T> => {
      if (inner === undefined) {
        try {
          inner = this.#around(index + 1, event, run)
        } catch (error) {
          inner = Promise.reject(error)
        }
      }
      return inner
    }
    let outer: unknown
    try {
      outer = listener.fn.call(listener.hook, event, proceed)
    } catch (error) {
      this.#hookFailed(listener.index, 'around', error)
      return proceed()
    }
    return Promise.resolve(outer).then(
      () => {
        if (inner === undefined) {
          this.#hookFailed(
            listener.index,
            'around',
            new Error('around() settled without calling proceed()'),
          )
        }
        return proceed()
      },
      (error: unknown) => {
        if (inner === undefined) {
          this.#hookFailed(listener.index, 'around', error)
          return proceed()
        }
        // Passing on proceed()'s own rejection is what around should do; a
        // rejection of its own after a successful proceed is a hook failure.
        return inner.then((value) => {
          this.#hookFailed(listener.index, 'around', error)
          return value
        })
      },
    )
  }

  #endEvent(event: MutableEndEvent, began: number, result: unknown): void {
    event.duration = clock.now() - began
    if (READS_ONE_KEY.has(event.operation)) {
      event.outcome = result === undefined || result === false ? 'miss' : 'hit'
    }
    if (this.#listeners.after.length !== 0) this.#emit('after', event)
  }

  #failEvent(event: MutableEndEvent, began: number, error: unknown): void {
    event.duration = clock.now() - began
    // A CacheMiss from getOrThrow is the operation's answer, not a failure of the cache.
    if (error instanceof TagCacheError && error.code === 'E_CACHE_MISS') {
      event.outcome = 'miss'
      if (this.#listeners.after.length !== 0) this.#emit('after', event)
      return
    }
    event.outcome = 'error'
    if (this.#watching('error')) this.#emitError(event.operation, event.keys[0], error, event)
  }
}

/** @internal The operation event while it runs: core fills in duration and outcome. */
interface MutableEndEvent {
  namespace: string
  store: string
  operation: CacheOperation
  keys: readonly string[]
  tags: readonly string[]
  duration: number
  outcome: OperationOutcome
  hits: number | undefined
}

/** Operations whose result says whether their one key was found: their outcome is hit or miss. */
const READS_ONE_KEY: ReadonlySet<CacheOperation> = new Set<CacheOperation>([
  'get',
  'getOrThrow',
  'has',
  'ttl',
  'expire',
  'persist',
])

interface Listener {
  readonly fn: (...args: unknown[]) => unknown
  readonly hook: Hook
  /** Position in the `hooks` option, for failure reports. */
  readonly index: number
}

type HookMethod = (typeof HOOK_METHODS)[number]

type Listeners = Record<HookMethod, readonly Listener[]>

function listenersOf(hooks: readonly Hook[]): Listeners {
  const listeners = {} as Record<HookMethod, Listener[]>
  for (const method of HOOK_METHODS) listeners[method] = []
  hooks.forEach((hook, index) => {
    for (const method of HOOK_METHODS) {
      const fn = hook[method] as ((...args: unknown[]) => unknown) | undefined
      if (typeof fn === 'function') listeners[method].push({ fn, hook, index })
    }
  })
  return listeners
}

function aroundsOf(hooks: readonly Hook[]): Listener[] {
  const arounds: Listener[] = []
  hooks.forEach((hook, index) => {
    const fn = hook.around as ((...args: unknown[]) => unknown) | undefined
    if (typeof fn === 'function') arounds.push({ fn, hook, index })
  })
  return arounds
}

function countFound(values: readonly unknown[]): number {
  let n = 0
  for (const value of values) if (value !== undefined) n++
  return n
}

function resolve<Args extends unknown[], V>(
  option: V | ((...args: Args) => V) | undefined,
  args: Args,
): V | undefined {
  return typeof option === 'function' ? (option as (...args: Args) => V)(...args) : option
}

/** Asks a `bypass` predicate; anything but a boolean is a mistake (an async predicate would always bypass). */
function bypassed<Args extends unknown[]>(
  bypass: ((...args: Args) => boolean | undefined) | undefined,
  args: Args,
): boolean {
  if (bypass === undefined) return false
  const result: unknown = bypass(...args)
  if (result === undefined) return false
  if (typeof result !== 'boolean') {
    throw invalidArgument(
      'cached',
      'bypass result',
      result,
      'a boolean (true: recompute and rewrite)',
    )
  }
  return result
}

function pick<T>(produced: BatchResult<T>, key: string, index: number): T | undefined {
  if (Array.isArray(produced)) return produced[index] as T | undefined
  if (produced instanceof Map) return produced.get(key)
  if (produced !== null && typeof produced === 'object') return (produced as Record<string, T>)[key]
  throw invalidArgument(
    'wrapMany',
    'batchFactory result',
    produced,
    'an array aligned with the missing keys, a Map or a record',
  )
}

function invalidArgument(
  operation: string,
  name: string,
  value: unknown,
  expected: string,
): TypeError {
  const shown =
    typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value
  return new TypeError(`[tagcache] [${operation}] invalid ${name} ${shown}; expected ${expected}`)
}

function assertKey(key: unknown, operation: string): asserts key is string {
  if (typeof key !== 'string') throw invalidArgument(operation, 'key', key, 'a string')
}

function assertKeys(keys: unknown, operation: string): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) throw invalidArgument(operation, 'keys', keys, 'an array of strings')
  for (const key of keys) assertKey(key, operation)
}

/**
 * Creates a tagged cache.
 *
 * @throws InvalidOptionsError (code `E_INVALID_OPTIONS`) naming every bad option.
 * @example
 * ```ts
 * import { createCache } from '@tagcache/core'
 * import { memoryStore } from '@tagcache/memory'
 *
 * const cache = createCache({ store: memoryStore(), namespace: 'app' })
 * await cache.set('user:1', { name: 'Ada' }, { tags: ['users'], ttl: '10m' })
 * await cache.invalidate('users') // O(1): user:1 is now a miss
 * ```
 */
export function createCache(options: CacheOptions): Cache {
  return new TagCache(options)
}
