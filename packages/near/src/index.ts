/**
 * A near cache for tagcache's Redis stores: a local copy of entries and of
 * tag versions, kept coherent by Redis server-assisted client-side caching
 * (`CLIENT TRACKING`), so that a tagged read the local copy can answer costs
 * no round trip, and an `invalidate(tag)` made by any process reaches it
 * within one invalidation message.
 *
 * @experimental
 * @packageDocumentation
 */
import { InvalidOptionsError, type Store } from '@tagcache/core'
import { redisStoreInternals } from '@tagcache/redis'
import { NearCore } from './near-core.js'
import { type NearCache, NearStore } from './near-store.js'
import { type NearCacheOptions, resolveNearOptions } from './options.js'

export type { NearCache, NearStats } from './near-store.js'
export type { NearCacheOptions } from './options.js'

/**
 * Wraps a Redis store made by `ioredisStore(client)` or
 * `nodeRedisStore(client)`, over a standalone, Sentinel or Redis Cluster
 * client, in a near cache, itself a `Store`: pass it to `createCache` as you
 * would the store.
 *
 * It opens connections of its own (duplicates of the store's client, never
 * closed with the client, closed by `close()`/`shutdown()`): with ioredis,
 * a tracking connection with `CLIENT TRACKING ON REDIRECT` to a listener
 * subscribed to `__redis__:invalidate`; with node-redis, one RESP3
 * connection with `emitInvalidate`. Reads of entries and tag versions go
 * through the tracking connection, in Redis's default tracking mode (the
 * server remembers what this cache read and says when it changes, expires or
 * is evicted), and the local copy keeps what they found. A local hit checks
 * the entry's stored tag versions against the tag versions known locally:
 * an `invalidate(tag)` by any process drops that tag's version, and so
 * every local entry carrying it. Writes, deletes and invalidations go to the
 * store and drop the local copies they touch.
 *
 * The local copy is emptied before it serves again whenever the stream of
 * invalidations may have had a gap: a disconnect or reconnect of either
 * connection, a flush, `maxIdle` without a word from the server. A reply
 * whose key (or one of its tags) was invalidated while the read was in flight
 * is not kept.
 *
 * Coherence is within one invalidation message: another process's write is
 * seen once Redis's message about it has arrived (`sync()` waits for that).
 * Payloads are kept as private copies of the bytes Redis sent; core decodes
 * them afresh on every read, so no caller can mutate a value into the cache.
 *
 * On Redis Cluster (an ioredis `Cluster`, a node-redis `createCluster()`),
 * those connections are opened per master, as duplicates of the cluster
 * client's own node clients, and each key is read through the connection of
 * the master owning its slot (one key per command). A change of the slot
 * table, a `MOVED`/`ASK`/`TRYAGAIN` reply, or a gap on any node's
 * connections empties the local copy, which serves again once every
 * master's tracking is on over the new table. `sync()` syncs every node.
 *
 * Bounded caches (`createCache({ store: nearCache(store), policy })`): the
 * near cache's `bounded()` is a view over the store's own bounded view.
 * Writes go through it (the index, the bound across processes and the
 * evictions stay Redis's); reads are served locally, under the entry's key
 * in that view, and each read, local hits included, is sent to the view as
 * a use (a touch batched per microtask, not awaited). A local eviction
 * (`maxKeys`) is not reported as an eviction of the bounded cache.
 *
 * @throws InvalidOptionsError (`E_INVALID_OPTIONS`) when `options` are not
 *   valid, or when `store` is not a Redis store made by `ioredisStore` or
 *   `nodeRedisStore`.
 * @experimental
 * @example
 * ```ts
 * import { createCache } from '@tagcache/core'
 * import { ioredisStore } from '@tagcache/ioredis'
 * import { nearCache } from '@tagcache/near'
 * import { Redis } from 'ioredis'
 *
 * const redis = new Redis()
 * const store = nearCache(ioredisStore(redis), { maxKeys: 50_000 })
 * const cache = createCache({ store, namespace: 'app' })
 * await cache.set('user:1', { name: 'Ada' }, { tags: ['users'] })
 * await cache.get('user:1') // from Redis, then kept locally
 * await cache.get('user:1') // local hit: no round trip
 * await cache.close() // closes the near cache's own connections, not `redis`
 * ```
 */
export function nearCache(store: Store, options: NearCacheOptions = {}): NearCache {
  const resolved = resolveNearOptions(options)
  const internals = redisStoreInternals(store)
  if (internals === undefined || internals.driver.withClient === undefined) {
    throw new InvalidOptionsError('near', [
      'store: not a Redis store; expected a store made by ioredisStore(client) or nodeRedisStore(client)',
    ])
  }
  return new NearStore(new NearCore(store, internals, resolved))
}
