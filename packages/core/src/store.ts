import type { EvictionPolicy } from './policy.js'
import type { CopyPlan } from './serializer.js'

/**
 * What {@link Store.getSync} returns for a read it cannot answer
 * synchronously: core then reads through {@link Store.get}.
 */
export const READ_ASYNC: unique symbol = Symbol.for('tagcache.readAsync')

/**
 * The adapter contract. A Store keeps opaque payloads under keys, and tag
 * versions under tag ids. It knows nothing of serializers or namespaces:
 * `@tagcache/core` hands it keys and tag ids that are already encoded (only
 * `[A-Za-z0-9_.~!*'()-]`, `%`-escapes and the separator `:` appear), so a store may
 * prefix or hash-tag them freely.
 *
 * The tag-version algorithm lives in core; a store only has to make each
 * operation below atomic and, for Redis, one round trip. Run
 * `storeContractSuite` from `@tagcache/testing` against any implementation.
 */
export interface Store {
  /** Short name used in error messages and hook events, e.g. `'memory'`, `'ioredis'`. */
  readonly name: string

  /** Optional capabilities; absent flags mean "not supported". */
  readonly capabilities?: StoreCapabilities

  /**
   * Reads the entry under `key` together with the **current** versions of the
   * tags it was written with, in one round trip. Expired entries are never
   * returned. Validity (stored versions equal current ones) is decided by core.
   *
   * `record`, when core passes one, is core's memo entry for `key` (see
   * {@link KeyRecord}): the store may keep per-key state in it, so that the
   * next read of the key needs no lookup of its own.
   */
  get(key: string, record?: KeyRecord): Promise<StoredEntry | undefined>

  /**
   * Optional synchronous {@link Store.get}, for in-process stores: core then
   * answers a read with a single promise instead of chaining on the store's.
   *
   * `now`, when core passes it, is `performance.now()` as core just read it
   * to time this operation: a store that keeps time on that same clock may
   * use it rather than read the clock again. A store with a clock of its own
   * ignores it.
   *
   * A store that can answer only some reads in process (a near cache: its
   * local copy, else Redis) returns {@link READ_ASYNC} for the others, and
   * core then reads through {@link Store.get}.
   */
  getSync?(
    key: string,
    record?: KeyRecord,
    now?: number,
  ): StoredEntry | undefined | typeof READ_ASYNC

  /** {@link Store.get} for many keys; the result is aligned with `keys`. */
  getMany(keys: readonly string[]): Promise<(StoredEntry | undefined)[]>

  /** Writes one entry. See {@link StoreWrite} for how tag versions are chosen. */
  set(key: string, write: StoreWrite): Promise<void>

  /** Writes many entries (one round trip on standalone Redis). */
  setMany(writes: readonly StoreWriteWithKey[]): Promise<void>

  /** Deletes an entry. Resolves `true` if it existed. */
  delete(key: string): Promise<boolean>

  /** Deletes many entries. Resolves the number that existed. */
  deleteMany(keys: readonly string[]): Promise<number>

  /**
   * Optional: deletes the entry under `key` only if it is still the one
   * `entry` was read from (compare and delete), resolving whether it did.
   * Core calls it to remove an entry it found it can never serve (outdated,
   * unreadable, schema mismatch). A store other processes write to needs it:
   * a plain `delete` sent after the read could land after another process's
   * newer write of the key and remove that instead. Without it core uses
   * `delete`. An entry the store cannot compare (a placeholder without its
   * bytes) is left to expire: resolve `false`.
   * @experimental
   */
  deleteIfUnchanged?(key: string, entry: StoredEntry): Promise<boolean>

  /**
   * Returns the current version of each tag, atomically giving the ones that
   * have none the version `candidate`, and extends each tag version's time to
   * live to at least `ttl` ms (`Infinity`: no expiry). Core uses it to capture
   * versions **before** a value is computed.
   */
  tagVersions(tags: readonly string[], candidate: string, ttl: number): Promise<string[]>

  /**
   * Optional, for stores where a round trip is worth saving: {@link Store.get}
   * of `key`, and when the store finds nothing it would serve there (no
   * entry, or a stored tag version no longer current), also
   * {@link Store.tagVersions} of `tags`, atomically and in the same round
   * trip. `wrap` uses it so that a miss costs two round trips (this, then the
   * write) instead of three. Return `captured` only in that case: when core
   * refuses an entry the store would serve (an unreadable payload, a schema
   * mismatch), it calls `tagVersions` itself.
   */
  getOrCapture?(
    key: string,
    tags: readonly string[],
    candidate: string,
    ttl: number,
  ): Promise<GetOrCaptureResult>

  /**
   * Replaces the version of every tag in `tags` with `version` (fresh: no tag
   * ever had it), living `ttl` ms (`Infinity`: no expiry). Constant work per
   * tag, independent of how many entries carry it: nothing is scanned or deleted.
   */
  invalidate(tags: readonly string[], version: string, ttl: number): Promise<void>

  /**
   * Optional: soft invalidation (`cache.expireTags`). Replaces the version of
   * every tag in `tags`, atomically per tag, with
   * `softVersion(version, current)` (exported by `@tagcache/core`):
   * `<version>_<anchor>`, where the anchor is the current version's own
   * anchor, so that entries written since the tag's last hard change read as
   * **stale** (served only within a grace period) rather than invalid. A tag
   * without a version (or with foreign bytes) gets `version` alone. Lives
   * `ttl` ms (`Infinity`: no expiry). Constant work per tag, like
   * {@link Store.invalidate}; nothing is scanned.
   *
   * A store with it must also report staleness on reads: an entry whose
   * stored versions are each current or, for at least one, stale by
   * `compareVersion` is returned with its payload and either both version
   * lists (core compares) or {@link StoredEntry.stale} set (the store
   * compared, atomically). Never the bare "not servable" answer: core keeps
   * such an entry for `grace` rather than removing it.
   * @experimental
   */
  expireTags?(tags: readonly string[], version: string, ttl: number): Promise<void>

  /** Remaining time to live of an entry in ms, `Infinity` if it never expires, `undefined` if absent. */
  ttl(key: string): Promise<number | undefined>

  /** Sets an entry's time to live (`Infinity` removes its expiry). Resolves `false` if it is absent. */
  expire(key: string, ttl: number): Promise<boolean>

  /**
   * Optional: lets core hear of entries the store removed on its own, so that
   * the cache's `evict` event reports them. The store calls `listener` with
   * the entry's key (as core gave it) and why:
   * - `'capacity'`: a live entry removed to keep the store within its bounds;
   * - `'expired'`: an entry removed because its time to live had run out
   *   (when the store notices: lazily, on the next touch, is fine).
   *
   * Not for removals core asked for (`delete`, a `set` over the key) nor for
   * flushing the whole store. Call listeners synchronously and cheaply: they
   * run in the store's own eviction path, and never throw. Each cache over the
   * store subscribes once, at creation, and calls the returned function at
   * `close()`; several caches (namespaces) may subscribe to one store.
   * A store that cannot see its evictions (Redis evicts on the server) leaves
   * this out.
   *
   * `policy` names the eviction policy of a `'capacity'` eviction (`'lru'`,
   * `'tinyLfu'`...), when the store has one.
   *
   * @returns A function that removes `listener`.
   * @experimental
   */
  onEvict?(listener: StoreEvictListener): () => void

  /**
   * Optional: a view of this store in which every entry written through the
   * view belongs to one bounded cache of at most `policy.maxSize` entries,
   * evicted by `policy` (see {@link BoundOptions}). Tag versions, `invalidate`
   * and everything else are the store's own. Core calls it for
   * `createCache({ policy })` (the namespace) and `cached(fn, { policy })`
   * (one function); a store without it cannot bound a cache, and those throw.
   *
   * The bookkeeping is part of each operation: on Redis a tagged get or set
   * stays one round trip and is atomic across processes. The view reports its
   * own evictions through {@link Store.onEvict} (`'capacity'`, with the policy's
   * name); the store's own evictions are still the store's to report.
   */
  bounded?(options: BoundOptions): BoundedStore

  /**
   * Optional: takes the stampede lock of entry `key` for `owner` (a token
   * unique to the caller), for `ttl` ms, if no one holds it: `true` if taken.
   * `wrap(key, factory, { lock })` calls it on a miss, so that one process
   * computes while the others wait for its value. The lock expires on its own
   * after `ttl` (a crashed holder blocks no one beyond it); anything found
   * under the lock that is not a live lock of this store (foreign bytes)
   * counts as held until it expires or goes.
   *
   * On Redis: `SET <lock key> owner NX PX ttl`, the lock key derived from
   * `key` so that it collides with no entry or tag key. An in-process store
   * locks within its process only. With `lock`, a store must have `unlock`.
   * @experimental
   */
  lock?(key: string, owner: string, ttl: number): Promise<boolean>

  /**
   * Optional, with {@link Store.lock}: releases the lock of `key` if, and
   * only if, `owner` holds it (atomically: compare and delete), so that a
   * holder whose lock expired never releases the next holder's.
   * @experimental
   */
  unlock?(key: string, owner: string): Promise<void>

  /**
   * Optional, with {@link Store.lock}: resolves `true` as soon as the lock
   * of `key` is released by its holder's {@link Store.unlock} (the holder has
   * written its value by then), or `false` once `ms` have passed without a
   * release heard. `wrap`'s waiters then read the entry right after the
   * holder's write instead of polling it every 15 ms; they still read
   * after `ms` (a lock that expires is not announced), so a missed release
   * costs them time, never a value. Never rejects.
   *
   * On Redis: `unlock` publishes the lock key, and the store listens on a
   * connection of its own (pub/sub). In process: the unlock itself.
   * @experimental
   */
  awaitUnlock?(key: string, ms: number): Promise<boolean>

  /**
   * Releases resources the store created itself (timers, connections it opened).
   * A store never closes a client that was passed to it.
   */
  close?(): Promise<void>
}

/**
 * The name of a method every {@link Store} must have (all but the optional
 * `getSync`, `getOrCapture`, `deleteIfUnchanged`, `onEvict`, `bounded`, `lock`, `unlock`, `awaitUnlock`,
 * `expireTags` and `close`).
 * @internal
 */
export type StoreMethod = {
  [K in keyof Store]-?: undefined extends Store[K]
    ? never
    : Store[K] extends (...args: never[]) => unknown
      ? K
      : never
}[keyof Store]

// A record, not an array, so that a method added to Store and left out here fails to compile.
const REQUIRED: Record<StoreMethod, true> = {
  get: true,
  getMany: true,
  set: true,
  setMany: true,
  delete: true,
  deleteMany: true,
  tagVersions: true,
  invalidate: true,
  ttl: true,
  expire: true,
}

/**
 * Every {@link StoreMethod}: what `createCache` checks its `store` option for.
 * @internal
 */
export const STORE_METHODS = Object.keys(REQUIRED) as readonly StoreMethod[]

/**
 * Core's record of one key of one cache, kept between operations (a memo
 * entry: core looks it up once per read, by the caller's key) and handed to
 * {@link Store.get} and {@link Store.getSync} with the key's id. A store may
 * keep in `state` whatever spares it work on the key's next read: the memory
 * store keeps the entry's slot, the Redis stores the tag keys the entry was
 * last read with. Then a read costs one hash lookup (core's) instead of two.
 *
 * `state` is only ever a guess to the store: it must check it (a slot may
 * have been removed, an entry rewritten with other tags) and fall back to a
 * lookup of `id`. Core never reads `state`; it may drop a record at any time
 * (a new one starts with `state` undefined), and a record belongs to one
 * cache over one store: a store that delegates reads to other stores passes
 * it on to one of them at most.
 */
export interface KeyRecord {
  /** The key's id, as passed to the store's `key` parameter. */
  readonly id: string
  /** The store's per-key state, `undefined` until the store sets it. */
  state: unknown
}

/** Why a store removed an entry on its own; see {@link Store.onEvict}. */
export type StoreEvictionReason = 'capacity' | 'expired'

/** A listener of {@link Store.onEvict}. */
export type StoreEvictListener = (key: string, reason: StoreEvictionReason, policy?: string) => void

/** What {@link Store.bounded} bounds. */
export interface BoundOptions {
  /**
   * Names the bounded cache (its index, on Redis), unique per store: core
   * passes `<namespace>:b:` for a namespace and `<namespace>:b:<function>`
   * for a cached function, encoded like ids (no `{`, `}` or NUL).
   */
  readonly id: string
  /** The policy and its bound. */
  readonly policy: EvictionPolicy
}

/** A bounded view of a store; see {@link Store.bounded}. */
export interface BoundedStore extends Store {
  /** The policy the view evicts by. */
  readonly policy: EvictionPolicy
  /**
   * Forgets which entries the bounded cache holds, in constant time (the
   * index is dropped, not scanned); entries already written stay in the
   * store until their ttl or the store's own eviction. Core calls it with
   * `invalidateAll()`, before the namespace version is replaced, so that an
   * entry written in between is tracked as dead rather than live untracked.
   */
  dropIndex(): Promise<void>
  /**
   * Releases what the view holds of its own (its subscriptions to the
   * store), never the store itself. Core calls it at the cache's `close()`,
   * before closing the store.
   */
  close?(): Promise<void>
}

/** Optional features a store declares. */
export interface StoreCapabilities {
  /**
   * The store keeps JavaScript values as they are (an in-process store):
   * core skips the serializer, writes carry `liveValue` (with an empty
   * `value`), and reads return `liveValue`. Only for stores that never leave
   * the process.
   */
  readonly liveValues?: boolean
  /**
   * Payloads never leave the process: a read returns the very bytes a write
   * stored, from memory no other party writes to. Core then skips the
   * envelope's checksum, which exists to turn bytes corrupted on the way to
   * or from a server into misses. Only for in-process stores that keep a
   * private copy of what they are given.
   */
  readonly intactPayloads?: boolean
}

/**
 * What core learnt decoding an entry, kept on the entry by a store that
 * returns the **same entry object** for later reads of its key until the
 * entry changes (a local copy: the near cache). Core then checks the
 * payload's checksum once per copy, not once per read, and decodes it
 * once: with `share` every later read gets that same value, else (core's
 * JSON serializer) a deep copy of it; other serializers decode per read.
 *
 * @example
 * ```ts
 * // In a store keeping private copies of what it read:
 * const stored: StoredEntry = { value, tags, versions, current: versions, verified: true, memo: new EntryMemo(false) }
 * ```
 */
export class EntryMemo {
  /** The payload passed its checksum (its bytes are a private copy, so it stays intact). */
  checked = false
  /** What decoded {@link EntryMemo.value} (core's envelope key), `undefined` before the first decode. */
  decodedBy: object | undefined = undefined
  /**
   * The value decoded once: with `share`, what every later read returns as
   * is; without, for core's JSON serializer, the master every read gets a
   * deep copy of (cheaper than parsing again, never handed out itself).
   */
  value: unknown = undefined
  /**
   * @internal When {@link EntryMemo.value} stops being fresh (ms since the
   * epoch; `NaN` when its time is malformed), read from the payload with the
   * value: a read served from the memo never touches the bytes again.
   * `Infinity` for a payload written without a time (no grace).
   */
  freshUntil = Number.POSITIVE_INFINITY
  /**
   * @internal Where the master (core JSON, without `share`) holds objects
   * and arrays, made by its first copy: what each copy replaces. `null`: too
   * deep to plan (reads decode the bytes).
   */
  plan: CopyPlan | null | undefined = undefined
  /**
   * `true`: reads return one decoded value, by reference (a caller that
   * mutates it mutates what later reads return), as `memoryStore({ serialize: false })`.
   * `false`: every read gets a copy of its own.
   */
  readonly share: boolean

  constructor(share: boolean) {
    this.share = share
  }
}

/** An entry as read from a store. */
export interface StoredEntry {
  /** The payload exactly as written (core's envelope around the serializer's bytes). */
  readonly value: Uint8Array
  /** With `capabilities.liveValues`: the value as written (`value` is then empty). */
  readonly liveValue?: unknown
  /** Tag ids the entry was written with. */
  readonly tags: readonly string[]
  /** The versions those tags had when the value was read from its source; aligned with `tags`. */
  readonly versions: readonly string[]
  /**
   * The versions the tags have **now**, read atomically with the entry; aligned
   * with `tags`. `null` where a tag has no version (evicted, expired, flushed):
   * core treats that as a miss, never as a match.
   */
  readonly current: readonly (string | null)[]
  /**
   * Set by a store that compared `versions` with `current` itself, atomically
   * with the read (a Redis script), and found every pair equal (no `null`).
   * Core then trusts the result instead of comparing again; the arrays must
   * still hold the real values. Leave unset when in doubt.
   */
  readonly verified?: boolean
  /**
   * Set by a store that compared the versions itself, atomically with the
   * read, and found each current or stale by `compareVersion` (a tag expired
   * softly with `expireTags`), at least one stale. Core then serves the entry
   * only as a stale value, within `wrap`'s grace; a plain read is a miss that
   * leaves the entry in place. The arrays must still hold the real values.
   */
  readonly stale?: boolean
  /**
   * Only on an entry object the store returns again, unchanged, for later
   * reads of its key (see {@link EntryMemo}); core writes to it.
   */
  readonly memo?: EntryMemo
}

/** How an entry is written. */
export interface StoreWrite {
  /** Payload bytes. Stored and returned byte for byte. */
  readonly value: Uint8Array
  /**
   * Only for stores declaring `capabilities.liveValues`: the value itself,
   * never `undefined`; `value` is then empty.
   */
  readonly liveValue?: unknown
  /** Tag ids, including the namespace tag core adds to every entry. */
  readonly tags: readonly string[]
  /**
   * Versions captured before the value was computed, aligned with `tags`.
   * When present they are stored verbatim and the store must **not** create a
   * missing tag version from them (that would undo an invalidation that
   * happened meanwhile); it only extends the time to live of tag versions that exist.
   *
   * When absent, the store stores each tag's **current** version, atomically
   * with the write, giving tags that have none the version `candidate`.
   */
  readonly captured?: readonly string[] | undefined
  /** A fresh version (no tag ever had it), used when `captured` is absent. */
  readonly candidate: string
  /**
   * Time to live in ms, `Infinity` for none. Tag versions written or read by
   * this write must live at least as long.
   */
  readonly ttl: number
}

/** A {@link StoreWrite} with its key, for `setMany`. */
export interface StoreWriteWithKey extends StoreWrite {
  readonly key: string
}

/** What {@link Store.getOrCapture} resolves. */
export interface GetOrCaptureResult {
  /** The entry, as {@link Store.get} would return it. */
  readonly entry: StoredEntry | undefined
  /**
   * The current versions of the tags asked for, aligned with them; present
   * only when the store found nothing it would serve under the key.
   */
  readonly captured?: readonly string[] | undefined
}
