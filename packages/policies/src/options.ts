import { validateOptions } from '@tagcache/core'
import { z } from 'zod'

/** Options of every policy factory. */
export interface PolicyOptions {
  /** Entries kept at most, per bounded cache (a whole number >= 1). */
  maxSize: number
  /**
   * On Redis: spread one bounded cache over this many slot-local indexes,
   * each bounded to `ceil(maxSize / shards)` and chosen by a hash of the key
   * (Redis Cluster: the cache's entries then live in `shards` slots instead
   * of one). The bound is then per shard, so the cache holds at most
   * `shards × ceil(maxSize / shards)` entries, and which entry goes is
   * decided within a shard. In-process stores ignore it.
   * @default 1
   */
  shards?: number
}

const optionsSchema = z
  .strictObject({
    maxSize: z
      .number()
      .int()
      .min(1)
      .max(2 ** 31 - 1),
    shards: z.number().int().min(1).max(16_384).optional(),
  })
  .superRefine((o, ctx) => {
    if (o.shards !== undefined && o.shards > o.maxSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['shards'],
        message: `${o.shards} shards for maxSize ${o.maxSize}; expected shards <= maxSize`,
      })
    }
  })

/** Checks a factory's options (one `InvalidOptionsError` naming every bad path). */
export function resolvePolicyOptions(
  name: string,
  options: PolicyOptions,
): { maxSize: number; shards: number } {
  const o = validateOptions(name, optionsSchema, options)
  return { maxSize: o.maxSize, shards: o.shards ?? 1 }
}
