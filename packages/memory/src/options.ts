import { z } from 'zod'

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Maximum number of entries; the least recently used are evicted beyond it.
   * @default 10_000
   */
  maxEntries?: number
  /**
   * Maximum bytes of entries (payload, key and tag ids, estimated overhead);
   * the least recently used are evicted beyond it.
   * @default 67_108_864 (64 MiB)
   */
  maxBytes?: number
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

/** Validates {@link MemoryStoreOptions} (through core's `validateOptions`). */
export const optionsSchema = z.strictObject({
  maxEntries: z.number().int().positive().optional(),
  maxBytes: z.number().int().positive().optional(),
  maxTags: z.number().int().positive().optional(),
  serialize: z.boolean().optional(),
  now: z
    .custom<() => number>((v) => typeof v === 'function', {
      message: 'expected a function returning milliseconds',
    })
    .optional(),
})
