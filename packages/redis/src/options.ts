import { validateOptions } from '@tagcache/core'
import { z } from 'zod'

/** Options of a Redis-backed store. */
export interface RedisStoreOptions {
  /**
   * Prefix of every key the store writes. Keep it free of `{`/`}` unless
   * you mean to pin every key to one cluster slot.
   * @default 'tagcache:'
   */
  prefix?: string
  /**
   * How many entries' tag keys the store remembers, on standalone Redis. An
   * entry whose tag keys are known (from its last read or write) is read
   * with one `MGET` of the entry and its tag versions (plain with
   * node-redis, inside a short script with ioredis), which costs Redis a
   * fraction of the full Lua read that parses the tag keys out of the entry.
   * A remembered guess is always checked against the entry's own tag keys.
   * A cache also keeps the hint of each key it reads in its own per-key
   * record, so that reading a known key looks nothing up in the store.
   * `0` always uses the full Lua read. About 800 bytes each (four tag keys).
   * @default 20_000
   */
  tagHints?: number
  /**
   * Never run a script that touches a key it was not given in `KEYS`, for
   * servers that enforce declared keys (Dragonfly, some managed Redis). The
   * full Lua read, `wrap`'s read-and-capture and `expire` find an entry's tag
   * keys inside the entry; with this option an entry the store has no tag
   * hint for is read with a `GET` of the entry, then an `MGET` of the tag
   * versions it names (2 round trips instead of 1; a `wrap` that finds a stale
   * entry, 3), and `expire` reads the entry, then extends its tags and the
   * entry (2). Reads of entries the store remembers stay 1 round trip.
   * Redis Cluster always works this way.
   * @default false
   */
  declaredKeysOnly?: boolean
}

const optionsSchema = z.strictObject({
  prefix: z.string().optional(),
  tagHints: z.number().int().min(0).optional(),
  declaredKeysOnly: z.boolean().optional(),
})

/** {@link RedisStoreOptions} checked, with their defaults. */
export interface ResolvedRedisStoreOptions {
  readonly prefix: string
  readonly tagHints: number
  readonly declaredKeysOnly: boolean
}

/** Validates `options` (one `InvalidOptionsError` listing every bad path) and applies defaults. */
export function resolveOptions(component: string, options: unknown): ResolvedRedisStoreOptions {
  const o = validateOptions(component, optionsSchema, options)
  return {
    prefix: o.prefix ?? 'tagcache:',
    tagHints: o.tagHints ?? 20_000,
    declaredKeysOnly: o.declaredKeysOnly ?? false,
  }
}
