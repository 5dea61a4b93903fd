/**
 * Eviction policies for bounded tagcache caches. One policy object works in
 * three places: `createCache({ store, policy })` bounds a namespace and
 * `cache.cached(fn, { policy })` one function, on any store that offers
 * bounded views (memory, ioredis, node-redis; on Redis the bookkeeping runs
 * in the same Lua call as the read or write, atomically across processes);
 * `memoryStore({ policy })` is the in-process store's own eviction.
 *
 * @packageDocumentation
 */
import type { EvictionPolicy, LocalPolicy, PolicyName } from '@tagcache/core'
import { FifoPolicy, LfuPolicy, LruPolicy, MruPolicy, RrPolicy, TlruPolicy } from './local.js'
import { type PolicyOptions, resolvePolicyOptions } from './options.js'
import { TinyLfuPolicy } from './tiny-lfu.js'

export type { EvictionPolicy, LocalPolicy, PolicyEntry, PolicyName } from '@tagcache/core'
export type { PolicyOptions } from './options.js'

function policy(
  name: PolicyName,
  options: PolicyOptions,
  local: (maxSize: number) => LocalPolicy,
): EvictionPolicy {
  const { maxSize, shards } = resolvePolicyOptions(name, options)
  return Object.freeze({ name, maxSize, shards, local: () => local(maxSize) })
}

/**
 * Least recently used: a read or write makes an entry the most recently
 * used; the least recently used goes first.
 * @example
 * ```ts
 * import { createCache } from '@tagcache/core'
 * import { memoryStore } from '@tagcache/memory'
 * import { lru } from '@tagcache/policies'
 *
 * const cache = createCache({ store: memoryStore(), policy: lru({ maxSize: 1_000 }) })
 * await cache.set('a', 1)
 * await cache.close()
 * ```
 */
export function lru(options: PolicyOptions): EvictionPolicy {
  return policy('lru', options, () => new LruPolicy())
}

/**
 * Least frequently used: every read or write counts one use; the entry with
 * the fewest uses goes first, the least recently used among equals.
 */
export function lfu(options: PolicyOptions): EvictionPolicy {
  return policy('lfu', options, () => new LfuPolicy())
}

/** First in, first out: entries go in the order they were first written; reads change nothing. */
export function fifo(options: PolicyOptions): EvictionPolicy {
  return policy('fifo', options, () => new FifoPolicy())
}

/**
 * Most recently used: the entry used last goes first (never the one just
 * written), for cyclic scans larger than the cache, where LRU keeps nothing useful.
 */
export function mru(options: PolicyOptions): EvictionPolicy {
  return policy('mru', options, () => new MruPolicy())
}

/** Random replacement: a uniformly random entry (never the one just written) goes. Reads cost nothing. */
export function rr(options: PolicyOptions): EvictionPolicy {
  return policy('rr', options, () => new RrPolicy())
}

/**
 * Time-stamped LRU: entries are ordered by the time of their last use, at a
 * coarse resolution, so a read of an entry used within the same tick changes
 * nothing (cheaper to maintain than exact LRU; on Redis the order is
 * `TIME`, with no shared counter). Among entries used in one tick, order is
 * unspecified.
 */
export function tlru(options: PolicyOptions): EvictionPolicy {
  return policy('tlru', options, () => new TlruPolicy())
}

/**
 * W-TinyLFU (as Caffeine): a small LRU window admits newcomers, and a
 * frequency sketch decides whether a candidate leaving the window may push
 * out the main region's victim. Keeps a higher hit ratio than LRU on skewed
 * traffic with scans. In-process stores only (`memoryStore({ policy })`, a
 * bounded cache on the memory store, the near cache); Redis stores refuse it.
 */
export function tinyLfu(options: PolicyOptions): EvictionPolicy {
  return policy('tinyLfu', options, (maxSize) => new TinyLfuPolicy(maxSize))
}
