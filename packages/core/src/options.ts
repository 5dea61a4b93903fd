import { z } from 'zod'
import { InvalidOptionsError } from './errors.js'
import type { CacheOperation, Hook } from './hooks.js'
import type { EvictionPolicy } from './policy.js'
import type { Serializer } from './serializer.js'
import { STORE_METHODS, type Store } from './store.js'
import { parseTtl, type Ttl } from './ttl.js'

/** Decides what a failing store operation does; see {@link CacheOptions.onError}. */
export type OnErrorHandler = (error: unknown, context: ErrorContext) => 'throw' | 'miss'

/** Passed to an `onError` callback. */
export interface ErrorContext {
  readonly operation: CacheOperation
  readonly key?: string | undefined
}

/** Options of {@link createCache}. */
export interface CacheOptions {
  /** Where entries and tag versions live, e.g. `memoryStore()` or `ioredisStore(redis)`. */
  store: Store
  /**
   * Isolates this cache's keys and tags from other caches on the same store.
   * Any string is allowed; it is encoded.
   * @default 'default'
   */
  namespace?: string
  /**
   * Turns values into bytes. The serializer id is recorded in each entry.
   * @default jsonSerializer()
   */
  serializer?: Serializer
  /**
   * Time to live of entries written without `ttl`: milliseconds or a duration
   * string (`'1h'`), `'forever'` for none.
   * @default '1h'
   */
  defaultTtl?: Ttl
  /**
   * Shortens each time to live by a random fraction up to this value (0..1),
   * so entries written together do not expire together: a ttl of `t` ms is
   * written as a whole number of ms in `[t × (1 − ttlJitter), t]`, at least 1.
   * Applies to `set`, `setMany`, `wrap`, `wrapMany`, `cached` and `decorator`;
   * an infinite ttl stays infinite, and `expire(key, ttl)` sets exactly `ttl`.
   * @default 0
   */
  ttlJitter?: number
  /** Observers of operations and events. @default [] */
  hooks?: readonly Hook[]
  /**
   * What a failing store operation does: `'throw'` surfaces the error,
   * `'miss'` treats it as a miss (reads return `undefined`, `wrap` runs the
   * factory, writes are skipped); a callback decides per error.
   * Programming errors (bad arguments, unserializable values) always throw.
   * @default 'throw'
   */
  onError?: 'throw' | 'miss' | OnErrorHandler
  /**
   * Maximum time a single store operation may take before it fails with
   * `TimeoutError` (`E_TIMEOUT`; milliseconds or duration string). `false`
   * for none. The failure goes through `onError` like any store error
   * (`'miss'`: a read returns `undefined`, `wrap` still runs the factory),
   * except for invalidations, which always throw.
   * @default false
   */
  timeout?: Ttl | false
  /**
   * Turns on the store circuit breaker: after a store operation fails with a
   * `StoreError` or `TimeoutError` (not a programming error: bad arguments,
   * unserializable values), the cache skips the store for this long
   * (milliseconds or duration string), then lets one operation through to
   * try it (half-open): its success closes the breaker, its failure opens it
   * for another window. No request waits on a store known to be down.
   *
   * While open, an operation behaves as if the store had failed with
   * `CircuitOpenError` (`E_CIRCUIT_OPEN`), without touching it, and goes
   * through `onError`: with `'miss'` reads are misses, `wrap`/`cached` run
   * the factory and do not write, writes are skipped; with `'throw'` they fail
   * fast. Invalidations are always sent and throw when they fail (a lost
   * invalidation would serve stale data); one that succeeds closes the
   * breaker. Skipped operations count in `stats.skipped`, not `stats.errors`,
   * and fire no `error` event; state changes fire `breaker`. One breaker per
   * cache (its bounded `cached` functions share it). Pair it with
   * `timeout`, or a hung store never fails and never opens it.
   * @default false (no breaker)
   * @experimental
   * @example
   * ```ts
   * createCache({ store, onError: 'miss', timeout: '50ms', breakerDuration: '1s' })
   * ```
   */
  breakerDuration?: Ttl | false
  /**
   * Bounds the namespace to `policy.maxSize` entries, evicting by the
   * policy's rule (`lru`, `lfu`, `fifo`, `mru`, `rr`, `tlru` from
   * `@tagcache/policies`), on any store that offers `Store.bounded` (memory,
   * ioredis, node-redis). On Redis the bookkeeping runs in the same Lua call
   * as the read or write (still one round trip), atomically across
   * processes. Each eviction fires `evict` with reason `'capacity'` and the
   * policy's name, and counts in `stats.evictions`.
   * @default undefined (unbounded: entries leave by ttl, the store's own bounds, or Redis's maxmemory)
   * @example
   * ```ts
   * import { createCache } from '@tagcache/core'
   * import { memoryStore } from '@tagcache/memory'
   * import { lru } from '@tagcache/policies'
   *
   * const cache = createCache({ store: memoryStore(), policy: lru({ maxSize: 2 }) })
   * await cache.set('a', 1)
   * await cache.set('b', 2)
   * await cache.get('a') // a is now the most recently used
   * await cache.set('c', 3) // evicts b
   * console.log(await cache.get('b'), cache.stats.evictions) // undefined 1
   * ```
   */
  policy?: EvictionPolicy
}

// Any number or string reaches parseTtl, whose message names the input and
// what was expected (a zod number would refuse NaN and Infinity as "Invalid input").
const ttlSchema = z
  .custom<Ttl>((v) => typeof v === 'number' || typeof v === 'string', {
    error: (issue) =>
      `got ${issue.input === null ? 'null' : typeof issue.input}; expected milliseconds (number) or a duration string like '2h30m'`,
  })
  .superRefine((value, ctx) => {
    try {
      parseTtl(value)
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: (error as Error).message.replace(/^\[tagcache\] \[ttl\] /, ''),
      })
    }
  })

const isFunction = (v: unknown): boolean => typeof v === 'function'

/** Parses to 0 (malformed input is reported by the ttl schema itself). */
function isZeroTtl(ttl: Ttl): boolean {
  try {
    return parseTtl(ttl) === 0
  } catch {
    return false
  }
}

/** Finite, or malformed (reported by the ttl schema itself). */
function isFiniteTtl(ttl: Ttl): boolean {
  try {
    return Number.isFinite(parseTtl(ttl))
  } catch {
    return true
  }
}

const storeSchema = z.custom<Store>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    STORE_METHODS.every((m) => isFunction((v as Record<string, unknown>)[m])),
  {
    message:
      'expected a Store (e.g. memoryStore() or ioredisStore(client)) with get, set, delete, tagVersions, invalidate, ...',
  },
)

const serializerSchema = z.custom<Serializer>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Serializer).id === 'string' &&
    (v as Serializer).id.length > 0 &&
    isFunction((v as Serializer).encode) &&
    isFunction((v as Serializer).decode),
  { message: 'expected a Serializer { id, encode, decode } (e.g. jsonSerializer())' },
)

/** @internal An {@link EvictionPolicy}, checked by shape. */
export const policySchema = z.custom<EvictionPolicy>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as EvictionPolicy).name === 'string' &&
    Number.isSafeInteger((v as EvictionPolicy).maxSize) &&
    (v as EvictionPolicy).maxSize > 0 &&
    Number.isSafeInteger((v as EvictionPolicy).shards) &&
    (v as EvictionPolicy).shards > 0 &&
    isFunction((v as EvictionPolicy).local),
  {
    message:
      'expected an eviction policy from @tagcache/policies, e.g. lru({ maxSize: 10_000 }) ({ name, maxSize, shards, local() })',
  },
)

const hookSchema = z.custom<Hook>((v) => typeof v === 'object' && v !== null, {
  message: 'expected a hook object with optional before/after/error/hit/miss/... methods',
})

/** @internal */
export const cacheOptionsSchema = z.strictObject({
  store: storeSchema,
  namespace: z.string().optional(),
  serializer: serializerSchema.optional(),
  defaultTtl: ttlSchema
    .refine((v) => !isZeroTtl(v), {
      error: 'got 0, which would expire every entry at once; expected a ttl > 0, or Infinity',
    })
    .optional(),
  ttlJitter: z.number().min(0).max(1).optional(),
  hooks: z.array(hookSchema).optional(),
  onError: z
    .union([z.literal('throw'), z.literal('miss'), z.custom<OnErrorHandler>(isFunction)], {
      error: "expected 'throw', 'miss' or a function (error, context) => 'throw' | 'miss'",
    })
    .optional(),
  timeout: z.union([z.literal(false), ttlSchema]).optional(),
  breakerDuration: z
    .union([z.literal(false), ttlSchema])
    .refine((v) => v === false || isFiniteTtl(v), {
      error: 'expected a finite duration (the store is retried when it ends), or false',
    })
    .optional(),
  policy: policySchema.optional(),
})

/**
 * @internal Options of `cached` and `decorator` checked when the memoized
 * function is created; `key`, `tags` and `ttl` are checked where they are used.
 */
export const cachedOptionsSchema = z.looseObject({
  policy: policySchema.optional(),
  bypass: z
    .custom<(...args: never[]) => boolean>(isFunction, {
      error: 'expected a function (...args) => boolean',
    })
    .optional(),
  forceFresh: z.boolean({ error: 'expected a boolean' }).optional(),
  hardTimeout: ttlSchema.optional(),
})

/**
 * Validates a factory's options against a zod schema and returns the parsed
 * options, or throws one {@link InvalidOptionsError} (`E_INVALID_OPTIONS`)
 * listing every bad path: `[tagcache] [component] invalid options:` then one
 * `path: problem` line each. For plug-in packages, so that every factory
 * reports bad options alike.
 *
 * @experimental
 * @example
 * ```ts
 * const schema = z.strictObject({ records: z.boolean().optional() })
 * const { records = false } = validateOptions('msgpack', schema, options)
 * ```
 */
export function validateOptions<T>(component: string, schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issues = result.error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.')
    if (issue.code === 'unrecognized_keys' && issue.message.startsWith('Unrecognized key')) {
      // zod's own message names no alternative (a schema's custom message is kept).
      const keys = knownKeys(schema, issue.path)
      const known = keys === undefined ? 'only documented options' : `one of ${keys.join(', ')}`
      return issue.keys.map(
        (key) => `${path ? `${path}.` : ''}${key}: unknown option; expected ${known}`,
      )
    }
    return [`${path || '(options)'}: ${issue.message}`]
  })
  throw new InvalidOptionsError(component, issues, { cause: result.error })
}

interface ObjectLike {
  shape?: Record<string, unknown>
  unwrap?: () => unknown
}

/** The option names of the object schema at `path` in `schema`, when zod exposes them. */
function knownKeys(schema: unknown, path: readonly PropertyKey[]): string[] | undefined {
  const object = (s: unknown): ObjectLike | undefined => {
    let current = s as ObjectLike | undefined
    while (current !== undefined && current.shape === undefined && current.unwrap !== undefined)
      current = current.unwrap() as ObjectLike | undefined
    return current
  }
  let current = object(schema)
  for (const segment of path) current = object(current?.shape?.[String(segment)])
  return current?.shape === undefined ? undefined : Object.keys(current.shape)
}
