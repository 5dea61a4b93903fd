import type { EvictionPolicy } from '@tagcache/core'
import { z } from 'zod'

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Maximum number of entries; the least recently used are evicted beyond it.
   * Not with `policy` (whose `maxSize` is then the bound).
   * @default 10_000
   */
  maxEntries?: number
  /**
   * Maximum bytes of entries (payload, key and tag ids, estimated overhead);
   * the least recently used (or `policy`'s victims) are evicted beyond it.
   * @default 67_108_864 (64 MiB)
   */
  maxBytes?: number
  /**
   * The store-wide eviction policy, from `@tagcache/policies` (`lru`, `lfu`,
   * `fifo`, `mru`, `rr`, `tlru`, `tinyLfu`): its `maxSize` bounds the entries
   * (so `maxEntries` must not be given too), and its victims go when
   * `maxSize` or `maxBytes` is exceeded. `shards` is ignored (one order per
   * store). Capacity evictions are reported with the policy's name.
   * @default undefined (the built-in exact LRU, bounded by `maxEntries`)
   * @experimental
   */
  policy?: EvictionPolicy
  /**
   * Maximum number of tag versions kept. Beyond it the oldest-written are
   * dropped; entries that carried them become misses (never stale hits).
   * @default 100_000
   */
  maxTags?: number
  /**
   * Keep entries serialized through the cache's serializer, as the Redis
   * stores do: every read returns a fresh copy, mutating what `set` stored or
   * what `get` returned never changes the cache, and what Redis would refuse
   * (a function, a cyclic object) is refused here too, so swapping stores
   * changes nothing.
   *
   * `false` keeps values **by reference**, like `lru-cache`, for hot
   * in-process paths: reads skip decoding (several times faster), the value
   * you get is the very object that was set (do not mutate it), and the
   * serializer never runs, so values Redis would refuse are accepted.
   * @default true
   */
  serialize?: boolean
  /**
   * The clock, in milliseconds. Monotonic by default; tests pass their own.
   * @default () => performance.now()
   */
  now?: () => number
}

/** An {@link EvictionPolicy}, checked by shape (as core checks `createCache({ policy })`). */
export const policySchema = z.custom<EvictionPolicy>(
  (v) => {
    const p = v as EvictionPolicy
    return (
      typeof v === 'object' &&
      v !== null &&
      typeof p.name === 'string' &&
      Number.isSafeInteger(p.maxSize) &&
      p.maxSize > 0 &&
      Number.isSafeInteger(p.shards) &&
      p.shards > 0 &&
      typeof p.local === 'function'
    )
  },
  {
    message:
      'expected an eviction policy from @tagcache/policies, e.g. lru({ maxSize: 10_000 }) ({ name, maxSize, shards, local() })',
  },
)

/** Validates {@link MemoryStoreOptions} (through core's `validateOptions`). */
export const optionsSchema = z
  .strictObject({
    maxEntries: z.number().int().positive().optional(),
    maxBytes: z.number().int().positive().optional(),
    maxTags: z.number().int().positive().optional(),
    serialize: z.boolean().optional(),
    now: z
      .custom<() => number>((v) => typeof v === 'function', {
        message: 'expected a function returning milliseconds',
      })
      .optional(),
    policy: policySchema.optional(),
  })
  .superRefine((o, ctx) => {
    if (o.policy !== undefined && o.maxEntries !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxEntries'],
        message: `maxEntries ${o.maxEntries} with policy ${o.policy.name}({ maxSize: ${o.policy.maxSize} }); expected one bound: leave maxEntries out, the policy's maxSize bounds the entries`,
      })
    }
  })
