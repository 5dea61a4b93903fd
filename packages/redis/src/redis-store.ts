import type { Store } from '@tagcache/core'
import { ClusterStore } from './cluster-store.js'
import { Commands } from './commands.js'
import type { RedisDriver } from './driver.js'
import { REDIS_STORE_INTERNALS, type RedisStoreInternals } from './internals.js'
import { type RedisStoreOptions, resolveOptions } from './options.js'
import { StandaloneStore } from './standalone-store.js'

/**
 * A {@link Store} over any Redis client, given a {@link RedisDriver}.
 * Standalone: every operation is one round trip (Lua via EVALSHA, reloaded
 * on NOSCRIPT, or commands pipelined together); see
 * {@link RedisStoreOptions.declaredKeysOnly} for servers that refuse scripts
 * touching keys they were not given. Cluster: keys stay single-slot; a
 * tagged read or write takes at most two round trips, with the per-key
 * commands of each step sent in parallel.
 *
 * @experimental
 * @example
 * ```ts
 * import { createRedisStore, type RedisDriver } from '@tagcache/redis'
 *
 * const driver: RedisDriver = {
 *   name: 'my-client',
 *   cluster: false,
 *   driverPrefix: '',
 *   call: (args) => client.sendBinary(args), // Buffers for bulk strings, null for nil
 * }
 * const store = createRedisStore(driver, { prefix: 'app-cache:' })
 * ```
 */
export function createRedisStore(driver: RedisDriver, options: RedisStoreOptions = {}): Store {
  const o = resolveOptions(driver.name, options)
  const commands = new Commands(driver, o.prefix)
  const store = driver.cluster
    ? new ClusterStore(commands)
    : new StandaloneStore(commands, o.tagHints, driver.hintedReads !== 'mget', o.declaredKeysOnly)
  const internals: RedisStoreInternals = {
    driver,
    options: o,
    prefix: commands.prefix,
    serverPrefix: commands.luaPrefix,
  }
  // Not enumerable: a spread or a log of the store shows none of it.
  Object.defineProperty(store, REDIS_STORE_INTERNALS, { value: Object.freeze(internals) })
  return store
}
