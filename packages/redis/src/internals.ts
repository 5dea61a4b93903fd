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
  if (typeof store !== 'object' || store === null) return undefined
  const internals = (store as { [REDIS_STORE_INTERNALS]?: unknown })[REDIS_STORE_INTERNALS]
  return typeof internals === 'object' && internals !== null
    ? (internals as RedisStoreInternals)
    : undefined
}
