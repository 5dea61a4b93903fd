import { performance as clock } from 'node:perf_hooks'
import {
  type BoundOptions,
  type KeyRecord,
  type LocalPolicy,
  type PolicyEntry,
  type Store,
  type StoredEntry,
  type StoreEvictionReason,
  type StoreEvictListener,
  type StoreWrite,
  type StoreWriteWithKey,
  softVersion,
  validateOptions,
} from '@tagcache/core'
import { type BoundedMemoryStore, BoundedMemoryView, checkBoundOptions } from './bounded.js'
import { estimateSize } from './estimate-size.js'
import { type MemoryStoreOptions, optionsSchema } from './options.js'

export type { BoundedMemoryStore } from './bounded.js'
export type { MemoryStoreOptions } from './options.js'

/** The store returned by {@link memoryStore}: a {@link Store} plus introspection. */
export interface MemoryStore extends Store {
  /** {@link Store.getSync}: always present on the memory store. */
  getSync(key: string, record?: KeyRecord, now?: number): StoredEntry | undefined
  /** Entries currently held (expired ones may linger until touched or evicted). */
  readonly size: number
  /** Estimated bytes of the entries held. */
  readonly bytes: number
  /** Tag versions currently held. */
  readonly tagCount: number
  /** Drops every entry and tag version, like `FLUSHALL`. */
  clear(): void
  /**
   * Drops one tag version as eviction would. Entries carrying it become
   * misses. Meant for tests of eviction behaviour and for tooling.
   * Returns `true` if the tag had a version.
   */
  evictTagVersion(tag: string): boolean
  /** {@link Store.expireTags}: always present on the memory store (`cache.expireTags`). */
  expireTags(tags: readonly string[], version: string, ttl: number): Promise<void>
  /**
   * Tells `listener` of every entry the store removes on its own: `'capacity'`
   * when `maxEntries` (or the policy's `maxSize`) or `maxBytes` pushes out a
   * live entry (the least recently used first, or the policy's victim; the
   * third argument names the policy: `'lru'` for the built-in order),
   * `'expired'` when an entry whose time to live ran out is
   * dropped (lazily: when a read, write, `delete`, `ttl` or `expire` touches
   * it, or when eviction reaches it). Not for `delete`, overwrites or
   * `clear()`. Each cache over this store subscribes itself, to report these
   * as its `evict` event. Returns the function that unsubscribes.
   */
  onEvict(listener: StoreEvictListener): () => void
  /**
   * A bounded view of this store (see `Store.bounded`): everything goes to
   * the store, and the view keeps its own `policy.local()` order of the ids
   * written through it, evicting (deleting from the store) the policy's
   * victim whenever a write leaves more than `policy.maxSize` of them, and
   * reporting that to its own `onEvict` listeners as
   * `(id, 'capacity', policy.name)`. An id the store drops on its own
   * (expiry, the store's bounds, `clear()`) leaves the view's order too.
   * `policy.shards` is ignored (one order per view). `createCache({ policy })`
   * and `cache.cached(fn, { policy })` call it.
   * @experimental
   */
  bounded(options: BoundOptions): BoundedMemoryStore
  /**
   * {@link Store.lock} for `wrap(..., { lock })`: a map of lock holders with
   * expiry on the store's clock. **Per process**: it coordinates the caches
   * over this store instance, never other processes (use a Redis store for that).
   * @experimental
   */
  lock(key: string, owner: string, ttl: number): Promise<boolean>
  /** {@link Store.unlock}: releases `key`'s lock if `owner` holds it. @experimental */
  unlock(key: string, owner: string): Promise<void>
  /** {@link Store.awaitUnlock}: woken by `unlock` in this process. @experimental */
  awaitUnlock(key: string, ms: number): Promise<boolean>
}

/** A lock held on an entry's key: who holds it, until when (the store's clock). */
interface Lock {
  readonly owner: string
  readonly expiresAt: number
}

interface Slot {
  key: string
  /** Neighbour towards the most recently used end of the recency list. */
  newer: Slot | Head
  /** Neighbour towards the least recently used end of the recency list. */
  older: Slot | Head
  value: Uint8Array
  liveValue: unknown
  tags: readonly string[]
  tagSlots: readonly (TagSlot | undefined)[]
  versions: readonly string[]
  /** Exact expiry on the store's clock (a boxed number: read only near or past expiry). */
  expiresAt: number
  /** `expiresAt` as a small integer for the hot check: see {@link smallTime}. */
  until: number
  size: number
  /**
   * The store's tag epoch when every tag of this entry was last seen at its
   * stored version; -1 before. While the epoch has not moved, no tag version
   * has changed or gone, so a read skips the tag walk.
   */
  verified: number
  /** What a read returns while the entry is verified: built once, not per read. */
  hit: StoredEntry | undefined
  /** Set when the slot leaves the store: a {@link KeyRecord} holding it must look the key up again. */
  removed: boolean
  /** The store holding the slot: a record's state from any other store (or anything else) is ignored. */
  owner: MemoryStoreImpl
  /** The slot's place in the store's policy order (`policy` option); `undefined` with the built-in LRU. */
  entry: PolicyEntry | undefined
}

/**
 * The sentinel of the recency list: `older` is the most recently used entry,
 * `newer` the least recently used (the list is circular through it).
 */
interface Head {
  newer: Slot | Head
  older: Slot | Head
}

// Entries hold direct references to the tag slots they were written with, so
// a read checks versions without a Map lookup per tag. A slot is mutated in
// place when its tag is invalidated (versions are unique, so old entries stop
// matching) and marked dead (version null) when the tag is dropped: a later
// write creates a new slot, and entries holding the dead one stay misses.
interface TagSlot {
  version: string | null
  expiresAt: number
}

type EvictListener = StoreEvictListener

const SLOT_OVERHEAD = 120
const NO_BYTES = new Uint8Array(0)

/**
 * A private copy of a payload, as a Buffer (which core's JSON decoding reads
 * without wrapping it first) of its own memory: not a slice of Node's shared
 * pool, which one small cached entry would keep alive whole.
 */
function copyBytes(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.byteLength)
  copy.set(bytes)
  return copy
}

/** The largest small integer (Smi) V8 keeps unboxed in an object field, with pointer compression. */
const SMALL_MAX = 2 ** 30 - 1
const SMALL_MIN = -(2 ** 30)

/**
 * A time on the store's clock as a small integer (ms since `origin`, rounded
 * down, clamped to the Smi range): V8 keeps such a field inline, where a
 * fractional `expiresAt` is a pointer to a heap number, one more dependent
 * load (often a cache miss) per read. Rounded down, so `until <= now - origin`
 * holds whenever the entry has expired: the hot check tests that, and only
 * then the exact `expiresAt`. Past the range (an entry living over ~12 days,
 * `Infinity`, a store running that long) it is clamped, and the exact time
 * is checked whenever the clamp is reached.
 */
function smallTime(time: number, origin: number): number {
  const ms = time - origin
  if (ms >= SMALL_MAX) return SMALL_MAX
  if (ms < 0) return SMALL_MIN
  return Math.floor(ms) | 0
}

/**
 * An in-process {@link Store}: bounded by entry count and bytes with exact
 * LRU eviction (reads and writes make an entry the most recently used; the
 * least recently used goes first), honouring time to live, with the same
 * tag-version semantics as the Redis adapters. The embedded default; not
 * shared between processes.
 *
 * By default values are kept serialized, as in Redis: a cached object can
 * never be mutated through a reference the caller still holds. Pass
 * `serialize: false` to keep them by reference (faster, see
 * {@link MemoryStoreOptions.serialize}).
 *
 * A single entry larger than `maxBytes` is not stored (an older value under
 * its key is removed); nothing else is evicted for it.
 *
 * @example
 * ```ts
 * import { createCache } from '@tagcache/core'
 * import { memoryStore } from '@tagcache/memory'
 *
 * const cache = createCache({ store: memoryStore({ maxEntries: 50_000 }) })
 * await cache.set('greeting', 'hello', { tags: ['demo'] })
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStoreImpl(validateOptions('memory', optionsSchema, options))
}

class MemoryStoreImpl implements MemoryStore {
  readonly name = 'memory'
  readonly capabilities: { readonly liveValues: boolean; readonly intactPayloads: true }
  readonly #entries = new Map<string, Slot>()
  readonly #tags = new Map<string, TagSlot>()
  readonly #maxEntries: number
  readonly #maxBytes: number
  readonly #maxTags: number
  readonly #now: () => number
  /** The clock is `performance.now()` (no `now` option): core's readings may stand in for it. */
  readonly #performanceClock: boolean
  /** The clock's reading at construction: {@link smallTime}'s zero. */
  readonly #origin: number
  /**
   * Bumped whenever a tag version changes or goes (invalidate, a tag dropped
   * or replaced, clear): a slot verified at the current epoch is still valid.
   */
  #epoch = 0
  #bytes = 0
  /** `onEvict` listeners: told of capacity evictions and expired entries dropped. */
  #evictListeners: readonly EvictListener[] = []
  // Recency list, circular through this sentinel: head.older is the most
  // recently used entry, head.newer the least. Intrusive (the links live on
  // the slots) so that a hit moves its entry with six pointer writes and no
  // allocation or Map re-insertion.
  readonly #head: Head
  /**
   * The `policy` option's order, which then replaces the recency list
   * (slots are not linked into it); `undefined` for the built-in LRU.
   */
  readonly #order: LocalPolicy | undefined
  /** Reported with capacity evictions. */
  readonly #policyName: string
  /** Bounded views over this store, told when it is cleared. */
  readonly #views = new Set<BoundedMemoryView>()
  /** Stampede locks by entry key; an expired one is replaced by the next `lock`. */
  readonly #locks = new Map<string, Lock>()
  /** `awaitUnlock` callers by lock key, woken by the holder's `unlock`. */
  readonly #unlockWaiters = new Map<string, Set<() => void>>()

  constructor(options: MemoryStoreOptions) {
    this.#order = options.policy?.local()
    this.#policyName = options.policy?.name ?? 'lru'
    this.#maxEntries = options.policy?.maxSize ?? options.maxEntries ?? 10_000
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024
    this.#maxTags = options.maxTags ?? 100_000
    this.#now = options.now ?? clock.now.bind(clock)
    this.#performanceClock = options.now === undefined
    this.#origin = this.#now()
    // Values are private copies in this process's memory: no checksum to check on reads.
    this.capabilities = { liveValues: options.serialize === false, intactPayloads: true }
    const head = {} as Head
    head.newer = head
    head.older = head
    this.#head = head
  }

  get size(): number {
    return this.#entries.size
  }

  get bytes(): number {
    return this.#bytes
  }

  get tagCount(): number {
    return this.#tags.size
  }

  get(key: string, record?: KeyRecord): Promise<StoredEntry | undefined> {
    return Promise.resolve(this.#read(key, record, this.#now()))
  }

  getSync(key: string, record?: KeyRecord, now?: number): StoredEntry | undefined {
    // Core's reading of performance.now() when it times the get: the same
    // clock as ours unless a clock was passed in the options.
    return this.#read(key, record, now !== undefined && this.#performanceClock ? now : this.#now())
  }

  getMany(keys: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    const now = this.#now()
    return Promise.resolve(keys.map((key) => this.#read(key, undefined, now)))
  }

  set(key: string, write: StoreWrite): Promise<void> {
    this.#write(key, write, this.#now())
    return Promise.resolve()
  }

  setMany(writes: readonly StoreWriteWithKey[]): Promise<void> {
    const now = this.#now()
    for (const write of writes) this.#write(write.key, write, now)
    return Promise.resolve()
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.#delete(key, this.#now()))
  }

  deleteMany(keys: readonly string[]): Promise<number> {
    const now = this.#now()
    let count = 0
    for (const key of keys) if (this.#delete(key, now)) count++
    return Promise.resolve(count)
  }

  tagVersions(tags: readonly string[], candidate: string, ttl: number): Promise<string[]> {
    const now = this.#now()
    return Promise.resolve(
      tags.map((tag) => this.#ensureTag(tag, candidate, now + ttl, now).version as string),
    )
  }

  invalidate(tags: readonly string[], version: string, ttl: number): Promise<void> {
    return this.#replaceVersions(tags, () => version, ttl)
  }

  /** Soft invalidation: each tag's version becomes `softVersion(version, current)`. */
  expireTags(tags: readonly string[], version: string, ttl: number): Promise<void> {
    const now = this.#now()
    return this.#replaceVersions(
      tags,
      (t) => softVersion(version, t === undefined || t.expiresAt <= now ? null : t.version),
      ttl,
    )
  }

  #replaceVersions(
    tags: readonly string[],
    versionOf: (current: TagSlot | undefined) => string,
    ttl: number,
  ): Promise<void> {
    const now = this.#now()
    for (const tag of tags) {
      const t = this.#tags.get(tag)
      const version = versionOf(t)
      if (t !== undefined) {
        t.version = version
        t.expiresAt = now + ttl
        this.#tags.delete(tag) // re-inserted last: the oldest-written is dropped first
        this.#putTag(tag, t)
      } else {
        this.#putTag(tag, { version, expiresAt: now + ttl })
      }
    }
    this.#tagsChanged()
    return Promise.resolve()
  }

  ttl(key: string): Promise<number | undefined> {
    const now = this.#now()
    const slot = this.#live(key, now)
    return Promise.resolve(
      slot === undefined
        ? undefined
        : slot.expiresAt === Number.POSITIVE_INFINITY
          ? slot.expiresAt
          : Math.max(0, Math.ceil(slot.expiresAt - now)),
    )
  }

  expire(key: string, ttl: number): Promise<boolean> {
    const now = this.#now()
    const slot = this.#live(key, now)
    if (slot === undefined) return Promise.resolve(false)
    slot.expiresAt = now + ttl
    slot.until = smallTime(slot.expiresAt, this.#origin)
    // Tag versions must outlive the entries that reference them (rule 1).
    for (const t of slot.tagSlots) {
      if (
        t !== undefined &&
        t.version !== null &&
        t.expiresAt > now &&
        t.expiresAt < slot.expiresAt
      ) {
        t.expiresAt = slot.expiresAt
      }
    }
    return Promise.resolve(true)
  }

  clear(): void {
    for (const slot of this.#entries.values()) this.#release(slot)
    this.#entries.clear()
    this.#head.newer = this.#head
    this.#head.older = this.#head
    this.#order?.clear()
    for (const t of this.#tags.values()) t.version = null
    this.#tags.clear()
    this.#tagsChanged()
    this.#bytes = 0
    this.#locks.clear()
    for (const view of this.#views) view.storeCleared()
  }

  evictTagVersion(tag: string): boolean {
    const t = this.#tags.get(tag)
    if (t === undefined) return false
    this.#dropTag(tag, t)
    return true
  }

  onEvict(listener: EvictListener): () => void {
    // Replaced, not mutated: an eviction notifying listeners is never disturbed.
    this.#evictListeners = [...this.#evictListeners, listener]
    return () => {
      this.#evictListeners = this.#evictListeners.filter((l) => l !== listener)
    }
  }

  bounded(options: BoundOptions): BoundedMemoryStore {
    const { policy } = checkBoundOptions(options)
    const view = new BoundedMemoryView(this, policy, this.#views)
    this.#views.add(view)
    return view
  }

  lock(key: string, owner: string, ttl: number): Promise<boolean> {
    const now = this.#now()
    const held = this.#locks.get(key)
    if (held !== undefined && held.expiresAt > now) return Promise.resolve(false)
    this.#locks.set(key, { owner, expiresAt: now + ttl })
    return Promise.resolve(true)
  }

  unlock(key: string, owner: string): Promise<void> {
    if (this.#locks.get(key)?.owner === owner) {
      this.#locks.delete(key)
      const waiting = this.#unlockWaiters.get(key)
      if (waiting !== undefined) {
        this.#unlockWaiters.delete(key)
        for (const wake of waiting) wake()
      }
    }
    return Promise.resolve()
  }

  awaitUnlock(key: string, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      let waiting = this.#unlockWaiters.get(key)
      if (waiting === undefined) {
        waiting = new Set()
        this.#unlockWaiters.set(key, waiting)
      }
      const set = waiting
      const wake = () => {
        clearTimeout(timer)
        resolve(true)
      }
      const timer = setTimeout(() => {
        set.delete(wake)
        if (set.size === 0 && this.#unlockWaiters.get(key) === set) this.#unlockWaiters.delete(key)
        resolve(false)
      }, ms)
      set.add(wake)
    })
  }

  /**
   * @internal For bounded views: deletes `key` now; `true` if it held a live
   * entry (an expired one is reported `'expired'` and gives `false`).
   */
  deleteNow(key: string): boolean {
    return this.#delete(key, this.#now())
  }

  /** @internal For bounded views: whether a slot is held under `key`. */
  holds(key: string): boolean {
    return this.#entries.has(key)
  }

  async close(): Promise<void> {
    this.clear()
  }

  // ------------------------------------------------------------ internals

  // The hot path: one hash lookup (core's, for the record; the slot comes
  // from record.state), one small-integer expiry check, one epoch check, and
  // the entry's prebuilt result. The tag walk runs only when some tag version
  // changed or went since the entry was last verified.
  #read(key: string, record: KeyRecord | undefined, now: number): StoredEntry | undefined {
    let slot = record?.state as Slot | undefined
    if (slot === undefined || slot.owner !== this || slot.removed) {
      slot = this.#entries.get(key)
      if (record !== undefined) record.state = slot
      if (slot === undefined) {
        this.#order?.miss?.(key)
        return undefined
      }
    }
    if (slot.until <= now - this.#origin && slot.expiresAt <= now) {
      this.#remove(slot)
      this.#evicted(slot.key, 'expired')
      this.#order?.miss?.(key)
      return undefined
    }
    if (this.#order === undefined) this.#touch(slot)
    else this.#order.access(slot.entry as PolicyEntry)
    if (slot.verified === this.#epoch) return slot.hit
    return this.#verify(slot, now)
  }

  /** Walks an entry's tags: its verified result if every version is current, else what they are now. */
  #verify(slot: Slot, now: number): StoredEntry {
    const refs = slot.tagSlots
    const versions = slot.versions
    let same = true
    for (let i = 0; i < refs.length && same; i++) {
      const t = refs[i]
      // A version dropped during the entry's own write was stored as null: never a match.
      same = t !== undefined && t.version !== null && t.version === versions[i] && t.expiresAt > now
    }
    if (same) {
      // Compared synchronously, hence atomically: core need not compare again.
      // The stored versions are the current ones (equal element by element).
      slot.verified = this.#epoch
      if (slot.hit === undefined) {
        const { value, liveValue, tags } = slot
        slot.hit = { value, liveValue, tags, versions, current: versions, verified: true }
      }
      return slot.hit
    }
    const current: (string | null)[] = new Array(refs.length)
    for (let i = 0; i < refs.length; i++) {
      const t = refs[i]
      current[i] = t === undefined || t.expiresAt <= now ? null : t.version
    }
    return { value: slot.value, liveValue: slot.liveValue, tags: slot.tags, versions, current }
  }

  #live(key: string, now: number): Slot | undefined {
    const slot = this.#entries.get(key)
    if (slot === undefined) return undefined
    if (slot.expiresAt <= now) {
      this.#remove(slot)
      this.#evicted(slot.key, 'expired')
      return undefined
    }
    return slot
  }

  #write(key: string, write: StoreWrite, now: number): void {
    const expiresAt = now + write.ttl
    const { tags, captured } = write
    let versions: string[]
    let tagSlots: (TagSlot | undefined)[]
    if (captured !== undefined) {
      if (captured.length !== tags.length) {
        throw new TypeError(
          `[tagcache] [memory] ${captured.length} captured versions for ${tags.length} tags; expected one per tag`,
        )
      }
      // Stored verbatim; a missing tag is NOT recreated from a captured version.
      versions = captured.slice()
      tagSlots = tags.map((tag) => {
        const t = this.#tags.get(tag)
        if (t === undefined || t.expiresAt <= now) return undefined
        if (t.expiresAt < expiresAt) t.expiresAt = expiresAt
        return t
      })
    } else {
      tagSlots = tags.map((tag) => this.#ensureTag(tag, write.candidate, expiresAt, now))
      versions = tagSlots.map((t) => t?.version as string)
    }
    const existing = this.#entries.get(key)
    const order = this.#order
    // A live entry overwritten keeps its place in the policy's order (a use).
    let entry: PolicyEntry | undefined
    if (existing !== undefined) {
      if (existing.expiresAt > now) {
        entry = existing.entry
        existing.entry = undefined
      }
      this.#remove(existing)
      // Overwritten: not an eviction, unless it had already expired.
      if (existing.expiresAt <= now) this.#evicted(key, 'expired')
    }
    const liveValue = write.liveValue
    let size = SLOT_OVERHEAD + key.length * 2 + write.value.byteLength
    if (liveValue !== undefined) size += estimateSize(liveValue)
    for (const tag of tags) size += tag.length * 2 + 40
    // An entry that cannot fit even alone is not stored, rather than stored
    // and evicted together with everything else.
    if (size > this.#maxBytes) {
      if (entry !== undefined) order?.remove(entry)
      return
    }
    const head = this.#head
    const newest = order === undefined ? head.older : head
    if (order !== undefined) {
      if (entry === undefined) entry = order.insert(key)
      else order.access(entry)
    }
    const slot: Slot = {
      key,
      newer: head,
      older: newest,
      value: copyBytes(write.value),
      liveValue,
      tags: tags.slice(),
      tagSlots,
      versions,
      expiresAt,
      until: smallTime(expiresAt, this.#origin),
      size,
      verified: -1,
      hit: undefined,
      removed: false,
      owner: this,
      entry,
    }
    if (order === undefined) {
      newest.newer = slot
      head.older = slot
    }
    this.#entries.set(key, slot)
    this.#bytes += size
    this.#evictOverflow(now)
  }

  /** The live slot of a tag, created with version `candidate` if it has none. */
  #ensureTag(tag: string, candidate: string, expiresAt: number, now: number): TagSlot {
    const t = this.#tags.get(tag)
    if (t !== undefined && t.expiresAt > now) {
      if (t.expiresAt < expiresAt) t.expiresAt = expiresAt
      return t
    }
    if (t !== undefined) this.#dropTag(tag, t)
    const created: TagSlot = { version: candidate, expiresAt }
    this.#putTag(tag, created)
    return created
  }

  #putTag(tag: string, slot: TagSlot): void {
    this.#tags.set(tag, slot)
    if (this.#tags.size > this.#maxTags) {
      // Oldest-written first (Map iteration order). Entries carrying a dropped
      // version read it as missing: a miss, never a stale hit.
      const [oldest, dropped] = this.#tags.entries().next().value as [string, TagSlot]
      this.#dropTag(oldest, dropped)
    }
  }

  /** Removes a tag version: entries holding its slot read it as missing. */
  #dropTag(tag: string, t: TagSlot): void {
    t.version = null
    this.#tags.delete(tag)
    this.#tagsChanged()
  }

  /** Some tag version changed or went: every entry must walk its tags again. */
  #tagsChanged(): void {
    if (this.#epoch < SMALL_MAX) {
      this.#epoch++
      return
    }
    // After ~10^9 changes: restart the count, forgetting every verification.
    this.#epoch = 0
    for (const slot of this.#entries.values()) slot.verified = -1
  }

  #delete(key: string, now: number): boolean {
    const slot = this.#entries.get(key)
    if (slot === undefined) return false
    this.#remove(slot)
    if (slot.expiresAt > now) return true
    // Already expired: it had left the cache before this delete.
    this.#evicted(key, 'expired')
    return false
  }

  #remove(slot: Slot): void {
    this.#entries.delete(slot.key)
    this.#bytes -= slot.size
    if (this.#order === undefined) {
      slot.older.newer = slot.newer
      slot.newer.older = slot.older
    } else if (slot.entry !== undefined) {
      this.#order.remove(slot.entry)
      slot.entry = undefined
    }
    this.#release(slot)
  }

  /**
   * Marks a slot gone. A {@link KeyRecord} may still hold it (until core
   * drops the record): it keeps nothing big alive.
   */
  #release(slot: Slot): void {
    slot.removed = true
    slot.value = NO_BYTES
    slot.liveValue = undefined
    slot.hit = undefined
  }

  /** Makes `slot` the most recently used entry. */
  #touch(slot: Slot): void {
    const head = this.#head
    if (head.older === slot) return
    slot.older.newer = slot.newer
    slot.newer.older = slot.older
    const newest = head.older
    slot.older = newest
    slot.newer = head
    newest.newer = slot
    head.older = slot
  }

  // Exact LRU: the least recently used entry (head.newer) goes first. The
  // entry just written is the most recently used, so it is evicted last, and
  // only if it alone exceeds a bound (which #write already refuses for bytes).
  // An expired entry pushed out is reported as expired: `capacity` counts only
  // live entries the bounds cost.
  #evictOverflow(now: number): void {
    if (this.#order !== undefined) {
      this.#evictByPolicy(this.#order, now)
      return
    }
    const head = this.#head
    while (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      const oldest = head.newer
      if (oldest === head) return
      this.#remove(oldest as Slot)
      this.#evicted(
        (oldest as Slot).key,
        (oldest as Slot).expiresAt <= now ? 'expired' : 'capacity',
      )
    }
  }

  /** {@link #evictOverflow} with the `policy` option: its victims go (TinyLFU's may be the entry just written). */
  #evictByPolicy(order: LocalPolicy, now: number): void {
    while (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      const victim = order.victim()
      if (victim === undefined) return
      const slot = this.#entries.get(victim.key)
      if (slot === undefined || slot.entry !== victim) {
        order.remove(victim) // not ours (cannot happen while the order is kept in step): forget it
        continue
      }
      this.#remove(slot)
      this.#evicted(slot.key, slot.expiresAt <= now ? 'expired' : 'capacity')
    }
  }

  #evicted(key: string, reason: StoreEvictionReason): void {
    const listeners = this.#evictListeners
    const policy = reason === 'capacity' ? this.#policyName : undefined
    for (let i = 0; i < listeners.length; i++) {
      try {
        ;(listeners[i] as EvictListener)(key, reason, policy)
      } catch {
        // A listener must not throw (Store.onEvict); the store's state stays consistent.
      }
    }
  }
}
