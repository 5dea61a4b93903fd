import type { RedisDriver } from './driver.js'
import type { ResolvedRedisStoreOptions } from './options.js'

/**
 * The key under which a store made by {@link createRedisStore} keeps its
 * {@link RedisStoreInternals}: a registered symbol, so that another copy of
 * this package finds it too.
 * @internal For `@tagcache/near`; not part of the public API.
 */
export const REDIS_STORE_INTERNALS: unique symbol = Symbol.for('@tagcache/redis:internals')

/**
 * What a Redis store is made of, for packages that build on it
 * (`@tagcache/near` opens connections of its own beside the store's client
 * and must name the store's keys as Redis sees them).
 * @internal For `@tagcache/near`; not part of the public API.
 */
export interface RedisStoreInternals {
  /** The driver the store sends through. */
  readonly driver: RedisDriver
  /** The store's options, with their defaults. */
  readonly options: ResolvedRedisStoreOptions
  /** The store's key prefix, as the driver is given keys (`<prefix><id>`). */
  readonly prefix: string
  /**
   * Keys as Redis sees them (and names them in keyspace events and tracking
   * invalidations): the driver's own prefix, then the store's. Entries name
   * their tag keys so too.
   */
  readonly serverPrefix: string
}

/**
 * The {@link RedisStoreInternals} of a store made by {@link createRedisStore},
 * `undefined` for any other object.
 * @internal For `@tagcache/near`; not part of the public API.
 */
export function redisStoreInternals(store: unknown): RedisStoreInternals | undefined {
  return internalsAt<RedisStoreInternals>(store, REDIS_STORE_INTERNALS)
}

/** The object `owner` keeps under `key`, `undefined` when it keeps none there. */
function internalsAt<T>(owner: unknown, key: symbol): T | undefined {
  if (typeof owner !== 'object' || owner === null) return undefined
  const internals = (owner as Record<symbol, unknown>)[key]
  return typeof internals === 'object' && internals !== null ? (internals as T) : undefined
}

/**
 * The key under which a bounded view made by a Redis store's `bounded()`
 * keeps its {@link RedisBoundedInternals}: a registered symbol, so that
 * another copy of this package finds it too.
 * @internal For `@tagcache/near`; not part of the public API.
 */
export const REDIS_BOUNDED_INTERNALS: unique symbol = Symbol.for(
  '@tagcache/redis:bounded-internals',
)

/**
 * What a bounded view of a Redis store offers a package that reads its
 * entries itself (`@tagcache/near` reads them through its tracking
 * connection and serves local copies): where each entry lives, and a way to
 * record uses of entries without reading them.
 * @internal For `@tagcache/near`; not part of the public API.
 */
export interface RedisBoundedInternals {
  /**
   * The key of entry `id` in the store, the store's prefix not included:
   * `{<view id>:<shard>}<id>`. Prefixed with {@link RedisStoreInternals.prefix}
   * it is the key the driver is given; with
   * {@link RedisStoreInternals.serverPrefix}, the key Redis names in
   * invalidations.
   */
  keyOf(id: string): string
  /** Whether a read that finds its entry is a use (all policies but `fifo` and `rr`). */
  readonly readsCount: boolean
  /**
   * Records a read of each of `ids` (an id twice: two reads), in order, as
   * the view's own reads would, without reading them: a use of each entry
   * that exists, the removal from the index of each that does not. Sent at
   * once, one touch script per shard, on the store's client, behind the
   * commands already sent on it. Not awaited: a failure loses these uses
   * only (the eviction order sees fewer of them), never a value.
   */
  touch(ids: readonly string[]): void
}

/**
 * The {@link RedisBoundedInternals} of a bounded view made by a Redis
 * store's `bounded()`, `undefined` for any other object.
 * @internal For `@tagcache/near`; not part of the public API.
 */
export function redisBoundedInternals(view: unknown): RedisBoundedInternals | undefined {
  return internalsAt<RedisBoundedInternals>(view, REDIS_BOUNDED_INTERNALS)
}
