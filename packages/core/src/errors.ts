/**
 * Stable machine-readable error codes. A code never changes meaning once
 * released; match on it rather than on messages.
 */
export type TagCacheErrorCode =
  | 'E_CACHE_MISS'
  | 'E_INVALID_OPTIONS'
  | 'E_INVALID_VALUE'
  | 'E_SERIALIZE'
  | 'E_DESERIALIZE'
  | 'E_STORE'
  | 'E_TIMEOUT'
  | 'E_CLOSED'
  | 'E_SCHEMA'
  | 'E_FACTORY_TIMEOUT'
  | 'E_CIRCUIT_OPEN'
  | 'E_UNDECLARED_TAG'

const BRAND = Symbol.for('tagcache.error')

/**
 * Base class of every error thrown by tagcache packages. Messages read
 * `[tagcache] [component] what happened; what was expected`.
 *
 * Use {@link isTagCacheError} instead of `instanceof` when several copies of
 * `@tagcache/core` may be installed.
 */
export class TagCacheError extends Error {
  /** Stable code, e.g. `E_CACHE_MISS`. */
  readonly code: TagCacheErrorCode
  readonly [BRAND] = true

  constructor(code: TagCacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TagCacheError'
    this.code = code
  }
}

/**
 * True for any error created by any copy of `@tagcache/core`, optionally of one `code`.
 *
 * @example
 * ```ts
 * try { await cache.getOrThrow('k') } catch (err) {
 *   if (isTagCacheError(err, 'E_CACHE_MISS')) return fallback()
 *   throw err
 * }
 * ```
 */
export function isTagCacheError(error: unknown, code?: TagCacheErrorCode): error is TagCacheError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [BRAND]?: unknown })[BRAND] === true &&
    (code === undefined || (error as TagCacheError).code === code)
  )
}

/** Thrown by `getOrThrow` when the key has no valid entry. */
export class CacheMiss extends TagCacheError {
  /** The key that missed, as given by the caller. */
  readonly key: string

  constructor(key: string, namespace: string) {
    super(
      'E_CACHE_MISS',
      `[tagcache] [core] cache miss for key ${JSON.stringify(key)} in namespace ${JSON.stringify(namespace)}; expected a valid entry (set it first, or use get() which returns undefined)`,
    )
    this.name = 'CacheMiss'
    this.key = key
  }
}

/** Thrown by `createCache` (or a store factory) when options fail validation. */
export class InvalidOptionsError extends TagCacheError {
  /** One line per invalid option path. */
  readonly issues: readonly string[]

  constructor(component: string, issues: readonly string[], options?: { cause?: unknown }) {
    super(
      'E_INVALID_OPTIONS',
      `[tagcache] [${component}] invalid options:\n  - ${issues.join('\n  - ')}`,
      options,
    )
    this.name = 'InvalidOptionsError'
    this.issues = issues
  }
}

/** A value could not be encoded (functions, symbols, cycles, BigInt for JSON...). Nothing was written. */
export class SerializationError extends TagCacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_SERIALIZE', message, options)
    this.name = 'SerializationError'
  }
}

/** A stored payload could not be decoded (foreign serializer, corruption). Reads treat it as a miss. */
export class DeserializationError extends TagCacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_DESERIALIZE', message, options)
    this.name = 'DeserializationError'
  }
}

/** The store failed; `cause` holds the driver's error. */
export class StoreError extends TagCacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_STORE', message, options)
    this.name = 'StoreError'
  }
}

/** A store operation took longer than the cache's `timeout` option. */
export class TimeoutError extends TagCacheError {
  constructor(operation: string, ms: number) {
    super(
      'E_TIMEOUT',
      `[tagcache] [core] ${operation} timed out after ${ms} ms; expected the store to answer within the cache's \`timeout\` option`,
    )
    this.name = 'TimeoutError'
  }
}

/** A cached value no longer matches the schema the read asked for: treated as a miss. */
export class SchemaMismatchError extends TagCacheError {
  /** What the schema reported, `path: message` each. */
  readonly issues: readonly string[]

  constructor(key: string, issues: readonly string[]) {
    super(
      'E_SCHEMA',
      `[tagcache] [core] cached value of ${JSON.stringify(key)} does not match the schema: ${issues.join('; ')}; expected a value the schema accepts (treated as a miss and removed)`,
    )
    this.name = 'SchemaMismatchError'
    this.issues = issues
  }
}

/**
 * A `wrap`/`cached` factory did not settle within the call's `hardTimeout`:
 * the call rejected and the factory was abandoned. Whatever it produces
 * later is not cached.
 */
export class FactoryTimeoutError extends TagCacheError {
  /** The key whose factory was abandoned, as the caller gave it. */
  readonly key: string
  /** The `hardTimeout` in milliseconds. */
  readonly ms: number

  constructor(key: string, ms: number) {
    super(
      'E_FACTORY_TIMEOUT',
      `[tagcache] [core] factory of key ${JSON.stringify(key)} did not settle within ${ms} ms; expected it to settle within the call's \`hardTimeout\` (abandoned: its late result is not cached)`,
    )
    this.name = 'FactoryTimeoutError'
    this.key = key
    this.ms = ms
  }
}

/**
 * The cache's circuit breaker is open (the store failed recently, see
 * `CacheOptions.breakerDuration`): the operation was not sent to the store.
 * It goes through `onError` like a store failure: `'miss'` turns it into a
 * miss (or a skipped write), `'throw'` fails fast with it.
 */
export class CircuitOpenError extends TagCacheError {
  constructor(store: string, operation: string, options?: { cause?: unknown }) {
    super(
      'E_CIRCUIT_OPEN',
      `[tagcache] [core] ${store} ${operation} skipped: the circuit breaker is open after a store failure; expected the store to answer again (it is retried once the \`breakerDuration\` window ends)`,
      options,
    )
    this.name = 'CircuitOpenError'
  }
}
