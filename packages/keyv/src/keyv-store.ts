import { EventEmitter } from 'node:events'
import { defaultDeserialize } from '@keyv/serialize'
import {
  type Cache,
  InvalidOptionsError,
  type SetManyEntry,
  type Ttl,
  validateOptions,
} from '@tagcache/core'
import { z } from 'zod'

/** Options of {@link keyvStore}. @experimental */
export interface KeyvStoreOptions {
  /**
   * Tags for an entry Keyv writes, so that `cache.invalidate(tag)` drops it
   * along with the cache's own entries carrying that tag. Called with the key
   * as given to Keyv (without Keyv's `namespace:` prefix) and the value as given
   * to `keyv.set` (decoded with {@link KeyvStoreOptions.deserialize}). A throw
   * fails the write (Keyv emits it as an `error`, and `keyv.set` resolves `false`).
   *
   * @default no tags besides the Keyv namespace's own (see {@link keyvNamespaceTag})
   */
  tags?: (key: string, value: unknown) => readonly string[]
  /**
   * How to read back the value Keyv serialized, for {@link KeyvStoreOptions.tags}
   * only: give the `deserialize` you gave Keyv if you replaced its serializer.
   * Unused without `tags`, and for values Keyv did not serialize (`new Keyv({
   * serialize: undefined, deserialize: undefined })`, where the cache's own
   * serializer does the work).
   *
   * @default Keyv's own, `defaultDeserialize` from `@keyv/serialize`
   */
  deserialize?: (data: string) => unknown
  /**
   * Whether `keyv.disconnect()` (and so cache-manager's `disconnect()`) closes
   * the cache. Off by default: the cache is yours, and may serve other code.
   *
   * @default false
   */
  closeOnDisconnect?: boolean
}

const isFunction = (v: unknown) => typeof v === 'function'

const optionsSchema = z.strictObject({
  tags: z
    .custom<KeyvStoreOptions['tags']>(isFunction, {
      message: 'expected a function (key, value) => string[]',
    })
    .optional(),
  deserialize: z
    .custom<KeyvStoreOptions['deserialize']>(isFunction, {
      message: 'expected a function (data: string) => value',
    })
    .optional(),
  closeOnDisconnect: z.boolean().optional(),
})

const CACHE_METHODS = [
  'get',
  'getMany',
  'has',
  'set',
  'setMany',
  'delete',
  'deleteMany',
  'invalidate',
  'close',
] as const

/** The tag prefix of {@link keyvNamespaceTag}; no user tag should start with it. */
const NAMESPACE_TAG = '@tagcache/keyv namespace:'

/**
 * The tag every entry written through {@link keyvStore} under a Keyv
 * `namespace` carries: `keyv.clear()` invalidates it, and so can you, with
 * `cache.invalidate(keyvNamespaceTag('sessions'))`. Keyv's default namespace is
 * `'keyv'`; a Keyv without a namespace (`undefined` or `''`) has a tag of its own.
 *
 * @experimental
 * @example
 * ```ts
 * await cache.invalidate(keyvNamespaceTag('keyv')) // what `new Keyv({ store }).clear()` does
 * ```
 */
export function keyvNamespaceTag(namespace: string | undefined): string {
  return NAMESPACE_TAG + (namespace ?? '')
}

/** A Keyv entry as Keyv hands it to a store when Keyv's serialization is off. */
interface KeyvData {
  value: unknown
  expires?: number | null
}

/**
 * A Keyv storage adapter (Keyv 5's `KeyvStoreAdapter`) over a tagcache
 * {@link Cache}. Create it with {@link keyvStore}.
 *
 * @experimental
 */
export class TagcacheKeyvStore extends EventEmitter {
  /** The cache entries are written to and read from. */
  readonly cache: Cache
  /**
   * Keyv's namespace: Keyv sets it when the store is given to `new Keyv`.
   * Writes are tagged {@link keyvNamespaceTag}(namespace), and `clear()`
   * invalidates that tag only. One store per Keyv instance: two Keyv instances
   * with different namespaces over one store would share the last one set.
   */
  namespace: string | undefined
  /**
   * Adapter options, where Keyv looks for `dialect` and `url`. There is no
   * `iterator`: a tagcache store cannot list its keys (see the README).
   */
  opts: { dialect: 'tagcache'; [option: string]: unknown }
  readonly #tags: KeyvStoreOptions['tags']
  readonly #deserialize: (data: string) => unknown
  readonly #closeOnDisconnect: boolean

  constructor(cache: Cache, options: KeyvStoreOptions = {}) {
    super()
    const missing = CACHE_METHODS.filter(
      (method) =>
        typeof cache !== 'object' ||
        cache === null ||
        typeof (cache as unknown as Record<string, unknown>)[method] !== 'function',
    )
    if (missing.length > 0) {
      throw new InvalidOptionsError('keyv', [
        `cache: ${cache === null ? 'null' : typeof cache}${typeof cache === 'object' && cache !== null ? ` without ${missing.join(', ')}` : ''}; expected the Cache that createCache() from @tagcache/core returns`,
      ])
    }
    const o = validateOptions('keyv', optionsSchema, options)
    this.cache = cache
    this.namespace = undefined
    this.opts = { dialect: 'tagcache' }
    this.#tags = o.tags
    this.#deserialize = o.deserialize ?? defaultDeserialize
    this.#closeOnDisconnect = o.closeOnDisconnect ?? false
  }

  /** The raw value Keyv stored under `key` (as Keyv gave it to `set`), or `undefined`. */
  get<Value>(key: string): Promise<Value | undefined> {
    return this.cache.get<Value>(key)
  }

  /** The raw values under `keys`, aligned with them; one round trip on standalone Redis. */
  getMany<Value>(keys: string[]): Promise<(Value | undefined)[]> {
    return this.cache.getMany<Value>(keys)
  }

  /** True if `key` holds a valid entry (not expired, not deleted, not invalidated). */
  has(key: string): Promise<boolean> {
    return this.cache.has(key)
  }

  /** One `has` per key, read with a single `getMany`. */
  async hasMany(keys: string[]): Promise<boolean[]> {
    const values = await this.cache.getMany(keys)
    return values.map((value) => value !== undefined)
  }

  /**
   * Writes Keyv's payload under `key`, expiring after `ttl` ms (Keyv's own
   * TTL, the same one Keyv records as `expires` in the payload), tagged with
   * the namespace's tag and the `tags` option's. Without `ttl` (Keyv's "no
   * expiry") the cache's `defaultTtl` applies: 1 hour unless the cache was
   * created with another, e.g. `'forever'`. A `ttl` of 0 or less has already
   * expired: the key is deleted.
   */
  async set(key: string, value: unknown, ttl?: number | null): Promise<boolean> {
    const entry = this.#entry(key, value, ttl)
    if (entry === undefined) await this.cache.delete(key)
    else await this.cache.set(key, entry.value, entry)
    return true
  }

  /**
   * Writes many entries with one `setMany` (see {@link TagcacheKeyvStore.set}).
   * Resolves one `true` per entry, which `keyv.setMany` returns to its caller;
   * typed `void` as Keyv's `KeyvStoreAdapter` declares it.
   */
  async setMany(entries: { key: string; value: unknown; ttl?: number | null }[]): Promise<void> {
    const writes: SetManyEntry[] = []
    const deletes: string[] = []
    for (const { key, value, ttl } of entries) {
      const entry = this.#entry(key, value, ttl)
      if (entry === undefined) deletes.push(key)
      else writes.push(entry)
    }
    await Promise.all([
      writes.length > 0 ? this.cache.setMany(writes) : undefined,
      deletes.length > 0 ? this.cache.deleteMany(deletes) : undefined,
    ])
    // Keyv 5 passes the store's result on as `keyv.setMany`'s boolean[].
    return entries.map(() => true) as unknown as undefined
  }

  /** Deletes `key`; resolves `true` if it held a valid entry. */
  delete(key: string): Promise<boolean> {
    return this.cache.delete(key)
  }

  /**
   * Deletes `keys`; resolves `true` if every one of them held a valid entry
   * (as Keyv's own fallback, one `delete` per key, would).
   */
  async deleteMany(keys: string[]): Promise<boolean> {
    const deleted = await this.cache.deleteMany(keys)
    return deleted === new Set(keys).size
  }

  /**
   * Drops every entry of this Keyv namespace in O(1): one tag invalidation
   * (`cache.invalidate(keyvNamespaceTag(namespace))`), nothing scanned or
   * deleted. Entries of other Keyv namespaces and the cache's own entries stay;
   * `cache.invalidateAll()` drops everything.
   */
  async clear(): Promise<void> {
    await this.cache.invalidate(keyvNamespaceTag(this.namespace))
  }

  /** Closes the cache if `closeOnDisconnect` is set; otherwise does nothing. */
  async disconnect(): Promise<void> {
    if (this.#closeOnDisconnect) await this.cache.close()
  }

  #entry(key: string, value: unknown, ttl: number | null | undefined): SetManyEntry | undefined {
    if (value === undefined) return undefined
    let expiry: Ttl | undefined
    if (ttl !== undefined && ttl !== null) {
      if (typeof ttl !== 'number' || Number.isNaN(ttl)) {
        throw new TypeError(
          `[tagcache] [keyv] invalid ttl ${String(ttl)} for key ${JSON.stringify(key)}; expected milliseconds (a number) or undefined`,
        )
      }
      if (ttl <= 0) return undefined
      expiry = ttl === Number.POSITIVE_INFINITY ? ttl : Math.ceil(ttl)
    }
    const namespaceTag = keyvNamespaceTag(this.namespace)
    const tags =
      this.#tags === undefined
        ? [namespaceTag]
        : [namespaceTag, ...this.#tags(this.#userKey(key), this.#userValue(value))]
    return expiry === undefined ? { key, value, tags } : { key, value, tags, ttl: expiry }
  }

  /** The key as the user gave it to Keyv, without Keyv's `namespace:` prefix. */
  #userKey(key: string): string {
    const ns = this.namespace
    return ns && key.startsWith(`${ns}:`) ? key.slice(ns.length + 1) : key
  }

  /** The value as the user gave it to `keyv.set`, out of Keyv's `{ value, expires }` payload. */
  #userValue(raw: unknown): unknown {
    const data = typeof raw === 'string' ? this.#deserialize(raw) : raw
    return typeof data === 'object' && data !== null && 'value' in data
      ? (data as KeyvData).value
      : data
  }
}

/**
 * A Keyv store over a tagcache cache: `new Keyv({ store: keyvStore(cache) })`,
 * and so a cache-manager 7 store. `keyv.clear()` is O(1) (one tag
 * invalidation, not a SCAN), Keyv's TTLs become the entries' TTLs, and the
 * `tags` option tags Keyv's entries so that `cache.invalidate(tag)` drops them.
 * Entries live in the cache's store and namespace under Keyv's keys
 * (`<keyv namespace>:<key>`), encoded by tagcache like any key.
 *
 * @experimental
 * @param cache what `createCache` from `@tagcache/core` returns (memory, ioredis, node-redis...)
 * @throws InvalidOptionsError (`E_INVALID_OPTIONS`) for something other than a cache, or bad options
 * @example
 * ```ts
 * import { createCache } from '@tagcache/core'
 * import { memoryStore } from '@tagcache/memory'
 * import { keyvStore } from '@tagcache/keyv'
 * import Keyv from 'keyv'
 *
 * const cache = createCache({ store: memoryStore() })
 * const keyv = new Keyv({ store: keyvStore(cache, { tags: (key) => [key.split(':')[0]!] }) })
 * await keyv.set('user:1', { name: 'Ada' }, 60_000)
 * await cache.invalidate('user') // keyv.get('user:1') is now undefined
 * ```
 */
export function keyvStore(cache: Cache, options?: KeyvStoreOptions): TagcacheKeyvStore {
  return new TagcacheKeyvStore(cache, options)
}
