// Eviction policies as core sees them: a policy object (made by
// `@tagcache/policies`) names its rule and bound, and builds in-process
// orders for stores that keep entries in this process. Stores that bound a
// scope themselves (Redis, by Lua) read only `name`, `maxSize` and `shards`.

/** The rule an {@link EvictionPolicy} evicts by. */
export type PolicyName = 'lru' | 'lfu' | 'fifo' | 'mru' | 'rr' | 'tlru' | 'tinyLfu'

/**
 * A bounded cache's eviction policy: what `createCache({ policy })`,
 * `cache.cached(fn, { policy })` and `memoryStore({ policy })` take. Made by
 * `lru`, `lfu`, `fifo`, `mru`, `rr`, `tlru` and `tinyLfu` from
 * `@tagcache/policies`; one object may be used in several places (each use
 * keeps its own order).
 */
export interface EvictionPolicy {
  /** The rule, reported with each eviction (`evict` event `policy`). */
  readonly name: PolicyName
  /** Entries kept at most (per bounded cache). */
  readonly maxSize: number
  /**
   * On Redis: how many slot-local indexes one bounded cache is spread over,
   * each holding `ceil(maxSize / shards)`; a key's shard is a hash of it.
   * In-process stores keep one order. `1` by default.
   */
  readonly shards: number
  /** A fresh, empty in-process order of this policy (see {@link LocalPolicy}). */
  local(): LocalPolicy
}

/** An entry's place in a {@link LocalPolicy}: the policy's own record of it. */
export interface PolicyEntry {
  /** The key (as the store knows it) the entry was inserted with. */
  readonly key: string
}

/**
 * An in-process eviction order, for stores that keep entries in this
 * process (the memory store, the near cache's local copy). The store tells
 * it what happens to its entries and asks it which to evict; it holds no
 * values. Operations are O(1) (LRU, MRU, FIFO, RR, LFU, TinyLFU) or O(log n).
 */
export interface LocalPolicy {
  /** The policy's name, as {@link EvictionPolicy.name}. */
  readonly name: PolicyName
  /** Entries inserted and not removed. */
  readonly size: number
  /** A new entry (its key was not held). Returns its record, to pass back to the other methods. */
  insert(key: string): PolicyEntry
  /**
   * The entry was used: read (a hit) or written over. LRU/MRU/TLRU make it
   * the most recently used, LFU counts one more use; FIFO and RR ignore it.
   */
  access(entry: PolicyEntry): void
  /** The entry left the store (deleted, expired, replaced, evicted): forgotten. Idempotent. */
  remove(entry: PolicyEntry): void
  /**
   * The entry to evict next, still held (the store removes it, then calls
   * {@link LocalPolicy.remove}); `undefined` when empty. The entry inserted
   * last is chosen only when it is the only one, or when the policy refuses
   * it (TinyLFU's admission: a newcomer used less than the entry it would
   * push out is the one that goes).
   */
  victim(): PolicyEntry | undefined
  /** A read found no entry under `key` (TinyLFU counts it as a use; others ignore it). */
  miss?(key: string): void
  /** Forgets every entry. */
  clear(): void
}
