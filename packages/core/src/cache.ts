// The `Cache` facade: checks nothing and decides nothing itself. Each method
// hands its arguments to the operation's body (reads.ts, writes.ts,
// cache-aside.ts, memoize.ts) through the lifecycle (lifecycle.ts), which runs
// it quietly or observed; the state they share is one CacheContext.

import type {
  BatchResult,
  BoundKey,
  Cache,
  CachedFunction,
  CachedOptions,
  DecoratorOptions,
  ReadOptions,
  SetManyEntry,
  SetOptions,
  WrapFactory,
  WrapManyOptions,
  WrapOptions,
} from './cache-api.js'
import * as aside from './cache-aside.js'
import { assertKey, CacheContext, EMPTY } from './context.js'
import { listenToStoreEvictions } from './evictions.js'
import * as memoize from './memoize.js'
import type { CacheOptions } from './options.js'
import * as reads from './reads.js'
import type { CacheStats } from './stats.js'
import type { Store } from './store.js'
import type { Ttl } from './ttl.js'
import * as writes from './writes.js'

/** @internal */
class TagCache implements Cache {
  readonly namespace: string
  readonly store: Store
  readonly #ctx: CacheContext

  constructor(options: CacheOptions) {
    const ctx = new CacheContext(options)
    this.#ctx = ctx
    this.namespace = ctx.namespace
    this.store = ctx.baseStore
    listenToStoreEvictions(ctx, ctx.baseStore)
  }

  get stats(): CacheStats {
    return this.#ctx.stats
  }

  get<T>(key: string, options?: ReadOptions<T>): Promise<T | undefined> {
    return reads.get(this.#ctx, key, options)
  }

  getOrThrow<T>(key: string, options?: ReadOptions<T>): Promise<T> {
    const ctx = this.#ctx
    return ctx.events.run('getOrThrow', key, EMPTY, reads.getOrThrow<T>, ctx, key, options)
  }

  has(key: string): Promise<boolean> {
    const ctx = this.#ctx
    return ctx.events.run('has', key, EMPTY, reads.has, ctx, key)
  }

  getMany<T>(keys: readonly string[], options?: ReadOptions<T>): Promise<(T | undefined)[]> {
    const ctx = this.#ctx
    return ctx.events.run('getMany', keys, EMPTY, reads.getMany<T>, ctx, keys, options)
  }

  set<T>(key: string, value: T, options?: SetOptions): Promise<void> {
    const ctx = this.#ctx
    return ctx.events.run('set', key, options?.tags ?? EMPTY, writes.set, ctx, key, value, options)
  }

  setMany<T>(entries: readonly SetManyEntry<T>[]): Promise<void> {
    const ctx = this.#ctx
    // Keys are listed only for observers; a non-array is refused inside, as a rejection.
    const keys = ctx.events.quiet() || !Array.isArray(entries) ? EMPTY : entries.map((e) => e?.key)
    return ctx.events.run('setMany', keys, EMPTY, writes.setMany, ctx, entries)
  }

  delete(key: string): Promise<boolean> {
    const ctx = this.#ctx
    return ctx.events.run('delete', key, EMPTY, writes.remove, ctx, key)
  }

  deleteMany(keys: readonly string[]): Promise<number> {
    const ctx = this.#ctx
    return ctx.events.run('deleteMany', keys, EMPTY, writes.removeMany, ctx, keys)
  }

  invalidate(...tags: string[]): Promise<void> {
    const ctx = this.#ctx
    return ctx.events.run('invalidate', EMPTY, tags, writes.invalidate, ctx, tags)
  }

  invalidateAll(): Promise<void> {
    const ctx = this.#ctx
    return ctx.events.run('invalidateAll', EMPTY, EMPTY, writes.invalidateAll, ctx)
  }

  expireTags(...tags: string[]): Promise<void> {
    const ctx = this.#ctx
    return ctx.events.run('expireTags', EMPTY, tags, writes.expireTags, ctx, tags)
  }

  wrap<T>(key: string, factory: WrapFactory<T>, options?: WrapOptions<T>): Promise<T> {
    return aside.wrap(this.#ctx, 'wrap', key, factory, options)
  }

  wrapMany<T>(
    keys: readonly string[],
    batchFactory: (missing: string[]) => BatchResult<T> | Promise<BatchResult<T>>,
    options?: WrapManyOptions,
  ): Promise<(T | undefined)[]> {
    const ctx = this.#ctx
    return ctx.events.run(
      'wrapMany',
      keys,
      EMPTY,
      aside.wrapMany<T>,
      ctx,
      keys,
      batchFactory,
      options,
    )
  }

  cached<Args extends unknown[], R>(
    fn: (...args: Args) => R,
    options: NoInfer<CachedOptions<Args, Awaited<R>>> = {},
  ): CachedFunction<Args, R> {
    return memoize.cached(this.#ctx, this, fn, options)
  }

  decorator<Args extends unknown[]>(options: DecoratorOptions<Args> = {}) {
    return memoize.decorator(this.#ctx, options)
  }

  ttl(key: string): Promise<number | undefined> {
    const ctx = this.#ctx
    return ctx.events.run('ttl', key, EMPTY, writes.ttl, ctx, key)
  }

  async expire(key: string, ttl: Ttl): Promise<boolean> {
    const ctx = this.#ctx
    // An invalid ttl rejects before the operation starts, as it always has.
    const ms = ctx.ttl(ttl, 'expire', false)
    return ctx.events.run('expire', key, EMPTY, writes.expire, ctx, 'expire', key, ms)
  }

  persist(key: string): Promise<boolean> {
    const ctx = this.#ctx
    const forever = Number.POSITIVE_INFINITY
    return ctx.events.run('persist', key, EMPTY, writes.expire, ctx, 'persist', key, forever)
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
    const ctx = this.#ctx
    if (ctx.closed) return
    ctx.closed = true
    for (const unsubscribe of ctx.unsubscribes) unsubscribe()
    // Views release what they hold of their own (listeners on the store); the store goes last.
    await Promise.all(ctx.bounds.map((view) => view.close?.()))
    await ctx.baseStore.close?.()
  }
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
