import { type EvictionPolicy, validateOptions } from '@tagcache/core'
import { lru } from '@tagcache/policies'
import { z } from 'zod'

/** Options of {@link nearCache}. */
export interface NearCacheOptions {
  /**
   * Most entries the local copy holds; past it the policy's victim goes
   * (only locally: the entry stays in Redis).
   * @default policy.maxSize, or 10_000 without a policy
   */
  maxKeys?: number
  /**
   * Most payload bytes (plus a fixed overhead per entry) the local copy holds.
   * @default 64 MiB
   */
  maxSizeBytes?: number
  /**
   * The local eviction order, from `@tagcache/policies` (`lru`, `lfu`,
   * `tinyLfu`...): its `local()` order decides which local copy goes when
   * `maxKeys` or `maxSizeBytes` is reached. Its `maxSize` is the default
   * `maxKeys`.
   * @default lru({ maxSize: 10_000 })
   */
  policy?: EvictionPolicy
  /**
   * Milliseconds without a word from the server on the invalidation
   * connection (a message, or the answer to the near cache's own pings, sent
   * every third of it) after which the local copy is emptied before it serves
   * again, and tracking re-established: a connection that went silent may
   * have lost invalidations.
   * @default 10_000
   */
  maxIdle?: number
  /**
   * Share of local hits, in percent, served without checking Redis. Below
   * 100, the other hits are read from Redis too and compared with the local
   * copy; a mismatch counts as `dirty` in {@link NearStats} and the local copy
   * is dropped.
   * @default 100
   */
  confidence?: number
  /**
   * A dirty check lowers {@link NearCacheOptions.confidence} by 10 points,
   * a confirmed one raises it by 1, up to 100.
   * @default false
   */
  dynamicConfidence?: boolean
  /**
   * `false`: tags-only mode. No local values: only tag versions are tracked
   * and kept, and a read is one plain `GET` of the entry (on the store's own
   * client), whose tag versions are checked against the local ones.
   * @default true
   */
  values?: boolean
  /**
   * `true`: local hits of an entry return one decoded value, the same object
   * every time, as `memoryStore({ serialize: false })` and `lru-cache` do: a
   * hit costs a lookup, not a decode. A caller that mutates a value it got
   * mutates what later local hits in this process return (never Redis, nor
   * other processes): treat values as read-only. `false`: every hit decodes
   * a copy of its own from the local bytes, so nothing a caller does to a
   * value reaches the cache.
   * @default false
   */
  byReference?: boolean
}

/** {@link NearCacheOptions} checked, with their defaults. */
export interface ResolvedNearOptions {
  readonly maxKeys: number
  readonly maxSizeBytes: number
  readonly policy: EvictionPolicy
  readonly maxIdle: number
  readonly confidence: number
  readonly dynamicConfidence: boolean
  readonly values: boolean
  readonly byReference: boolean
}

const isPolicy = (value: unknown): value is EvictionPolicy =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as EvictionPolicy).name === 'string' &&
  typeof (value as EvictionPolicy).local === 'function'

const schema = z
  .strictObject({
    maxKeys: z.number().int().min(1).optional(),
    maxSizeBytes: z.number().int().min(1).optional(),
    policy: z
      .custom<EvictionPolicy>(isPolicy, {
        message: 'expected an eviction policy from @tagcache/policies (lru, lfu, tinyLfu...)',
      })
      .optional(),
    maxIdle: z.number().int().min(100).optional(),
    confidence: z.number().min(0).max(100).optional(),
    dynamicConfidence: z.boolean().optional(),
    values: z.boolean().optional(),
    byReference: z.boolean().optional(),
  })
  .refine((o) => !(o.byReference === true && o.values === false), {
    path: ['byReference'],
    message:
      'byReference: true keeps decoded values, and values: false keeps none; expected one of them',
  })

/** Validates `options` (one `InvalidOptionsError` listing every bad path) and applies defaults. */
export function resolveNearOptions(options: unknown): ResolvedNearOptions {
  const o = validateOptions('near', schema, options)
  const maxKeys = o.maxKeys ?? o.policy?.maxSize ?? 10_000
  return {
    maxKeys,
    maxSizeBytes: o.maxSizeBytes ?? 64 * 1024 * 1024,
    policy: o.policy ?? lru({ maxSize: maxKeys }),
    maxIdle: o.maxIdle ?? 10_000,
    confidence: o.confidence ?? 100,
    dynamicConfidence: o.dynamicConfidence ?? false,
    values: o.values ?? true,
    byReference: o.byReference ?? false,
  }
}
