// The near cache's local copy: entries and tag versions, keyed by the ids
// core gives the store (Redis names them `<server prefix><id>` in its
// invalidations), and the bookkeeping that keeps a read's reply from being
// stored when the key was invalidated while the read was in flight.
import {
  EntryMemo,
  type KeyRecord,
  type LocalPolicy,
  type PolicyEntry,
  type StoredEntry,
} from '@tagcache/core'

/**
 * A tag version known locally. Entries hold their tags' cells: a hit checks
 * `live` on each (no lookup by tag id), and a change of the tag's version
 * (an invalidation, a newer version read, an eviction) kills the cell.
 */
export interface VersionCell {
  readonly version: string
  live: boolean
}

/**
 * One local copy of an entry, as it was read from Redis with every tag
 * version current. It is also the {@link StoredEntry} a hit returns (its
 * payload a private copy, `current` = `versions`, verified): one object, so
 * that a hit loads one object where it loaded two.
 */
export interface LocalEntry extends StoredEntry {
  /** The entry's tag ids, aligned with its versions. */
  readonly tags: readonly string[]
  readonly versions: readonly string[]
  readonly current: readonly string[]
  readonly verified: true
  /** The same object answers every hit: core checks its checksum once (and with byReference decodes it once). */
  readonly memo: EntryMemo
  /** Its tags' version cells, aligned with `tags`: served only while every one is live. */
  readonly cells: readonly VersionCell[]
  /** When the entry expires in Redis, on the `performance.now()` clock (never later than Redis). */
  readonly expiresAt: number
  /** Bytes counted against `maxSizeBytes`. */
  readonly size: number
  /** Its place in the local eviction order. */
  readonly slot: PolicyEntry
  /** The memory holding it: a key record's state from anything else is ignored. */
  readonly owner: LocalMemory
  /** Set when it leaves the memory: a key record holding it must look the key up again. */
  removed: boolean
  /**
   * The memory's cell generation when every one of its cells was last seen
   * live: while it has not moved, no cell died since, and a hit need not
   * walk them (cold in memory) again.
   */
  checkedAt: number
}

/** Bytes counted per entry beyond its payload (objects, map slots, tag arrays). */
const ENTRY_OVERHEAD = 200
/** Invalidated keys remembered while reads are in flight, before the memory gives up and refuses every in-flight reply. */
const MAX_DIRTY = 50_000

/** Counters of the local copy, shared by every view over it. */
export interface LocalCounters {
  /** Keys Redis said changed (each key of each invalidation message). */
  invalidations: number
  /** Times the whole local copy was emptied (gap in the invalidation stream, `reset()`). */
  flushes: number
  /** Local copies evicted to stay within `maxKeys` / `maxSizeBytes`. */
  evictions: number
  /** Cluster: local entries dropped with their slot (it moved, or its master's stream had a gap). */
  slotDrops: number
  /** Cluster: gaps in one master's invalidation stream (only its slots' copies were dropped). */
  nodeGaps: number
}

/**
 * The local copy. Reads mark themselves in flight ({@link LocalMemory.begin})
 * before they are sent; their reply is stored only when no invalidation of
 * any key it covers (and no flush) arrived since ({@link LocalMemory.clean}).
 */
export class LocalMemory {
  readonly #entries = new Map<string, LocalEntry>()
  /** Tag id -> its version, as last read through the tracking connection. */
  readonly #versions = new Map<string, VersionCell>()
  readonly #policy: LocalPolicy
  readonly #maxKeys: number
  readonly #maxBytes: number
  readonly #maxVersions: number
  /** Hits share one decoded value (`byReference`), else each decodes a copy. */
  readonly #share: boolean
  #bytes = 0
  /** Counts invalidations and flushes: a read remembers it when it begins. */
  #epoch = 0
  /** Replies of reads begun before this epoch are never stored (a flush happened since). */
  #floor = 0
  /** Key -> epoch of its last invalidation, kept while reads are in flight. */
  readonly #dirty = new Map<string, number>()
  #inflight = 0
  /** Counts version cells killed: a cell only ever dies, and each death moves it. */
  #generation = 0
  readonly counters: LocalCounters = {
    invalidations: 0,
    flushes: 0,
    evictions: 0,
    slotDrops: 0,
    nodeGaps: 0,
  }

  constructor(policy: LocalPolicy, maxKeys: number, maxBytes: number, share = false) {
    this.#policy = policy
    this.#share = share
    this.#maxKeys = maxKeys
    this.#maxBytes = maxBytes
    // Tag versions are small and shared by many entries: a few per entry.
    this.#maxVersions = Math.max(1_000, 4 * maxKeys)
  }

  get size(): number {
    return this.#entries.size
  }

  get bytes(): number {
    return this.#bytes
  }

  get tagVersionCount(): number {
    return this.#versions.size
  }

  entry(id: string): LocalEntry | undefined {
    return this.#entries.get(id)
  }

  /**
   * {@link LocalMemory.entry}, through a key record core keeps per key: the
   * entry found last time, if it is still held, else one lookup (remembered).
   */
  entryOf(id: string, record: KeyRecord | undefined): LocalEntry | undefined {
    if (record === undefined) return this.#entries.get(id)
    const known = record.state as LocalEntry | undefined
    if (known !== undefined && known.owner === this && !known.removed) return known
    const entry = this.#entries.get(id)
    if (entry !== undefined) record.state = entry
    return entry
  }

  /**
   * Whether a local entry may be served at `now` (the `performance.now()`
   * clock): not expired, and every tag version known and current (each of
   * its cells live).
   */
  current(entry: LocalEntry, now: number): boolean {
    if (now >= entry.expiresAt) return false
    const generation = this.#generation
    if (entry.checkedAt === generation) return true
    const cells = entry.cells
    for (let i = 0; i < cells.length; i++) if (!(cells[i] as VersionCell).live) return false
    entry.checkedAt = generation
    return true
  }

  version(tag: string): string | undefined {
    return this.#versions.get(tag)?.version
  }

  /** The entry was served locally: the eviction order hears of it. */
  touch(entry: LocalEntry): void {
    this.#policy.access(entry.slot)
  }

  /** A read of these keys is about to be sent; pass the result to `clean` and `end`. */
  begin(): number {
    this.#inflight++
    return this.#epoch
  }

  /** The read begun at `since` has its reply (or failed). */
  end(): void {
    if (--this.#inflight === 0) this.#dirty.clear()
  }

  /** No invalidation of `id`, and no flush, since the read begun at `since`. */
  clean(id: string, since: number): boolean {
    if (since < this.#floor) return false
    const last = this.#dirty.get(id)
    return last === undefined || last <= since
  }

  /** Redis says `id` (an entry or a tag version) changed: its local copy goes. */
  invalidate(id: string): void {
    this.counters.invalidations++
    this.forget(id)
  }

  /** Drops what is kept under `id` (our own write or delete), and refuses in-flight replies of it. */
  forget(id: string): void {
    const epoch = ++this.#epoch
    if (this.#inflight > 0) {
      this.#dirty.set(id, epoch)
      if (this.#dirty.size > MAX_DIRTY) {
        this.#floor = epoch
        this.#dirty.clear()
      }
    }
    this.#remove(id)
    this.#dropVersion(id)
  }

  /** Forgets the version of tag `tag`: every entry holding its cell stops serving. */
  #dropVersion(tag: string): void {
    const cell = this.#versions.get(tag)
    if (cell === undefined) return
    cell.live = false
    this.#generation++
    this.#versions.delete(tag)
  }

  /** Empties the local copy, and refuses every reply of a read in flight. */
  flush(): void {
    this.counters.flushes++
    this.#floor = ++this.#epoch
    this.#dirty.clear()
    for (const entry of this.#entries.values()) entry.removed = true
    this.#entries.clear()
    for (const cell of this.#versions.values()) cell.live = false
    this.#generation++
    this.#versions.clear()
    this.#policy.clear()
    this.#bytes = 0
  }

  /**
   * Drops every entry and tag version whose id `picked` returns true for
   * (their entries stop serving), and refuses every reply of a read in
   * flight: the rest of the copy stays. Linear in what is held.
   * @returns How many entries were dropped.
   */
  dropWhere(picked: (id: string) => boolean): number {
    this.#floor = ++this.#epoch
    this.#dirty.clear()
    let dropped = 0
    // Deleting the current key while iterating a Map is safe: it is not visited again.
    for (const id of this.#entries.keys()) if (picked(id) && this.#remove(id)) dropped++
    for (const tag of this.#versions.keys()) if (picked(tag)) this.#dropVersion(tag)
    return dropped
  }

  /** Keeps a tag version read at `since` (unless it changed since). */
  putVersion(tag: string, version: string, since: number): void {
    if (!this.clean(tag, since)) return
    this.#cell(tag, version)
  }

  /** The live cell of `tag` at `version`: the known one if it matches, else a new one (the old dies). */
  #cell(tag: string, version: string): VersionCell {
    const known = this.#versions.get(tag)
    if (known !== undefined) {
      if (known.version === version) return known
      this.#dropVersion(tag)
    } else if (this.#versions.size >= this.#maxVersions) {
      // The oldest known version goes (insertion order): its entries read it again.
      const first = this.#versions.keys().next()
      if (first.done !== true) this.#dropVersion(first.value)
    }
    const cell: VersionCell = { version, live: true }
    this.#versions.set(tag, cell)
    return cell
  }

  /**
   * Keeps a local copy of entry `id` read at `since`, unless it or one of
   * its tags changed since. `value` must be the cache's own copy.
   */
  putEntry(
    id: string,
    value: Uint8Array,
    tags: readonly string[],
    versions: readonly string[],
    expiresAt: number,
    since: number,
  ): void {
    if (!this.clean(id, since)) return
    for (const tag of tags) if (!this.clean(tag, since)) return
    const cells = tags.map((tag, i) => this.#cell(tag, versions[i] as string))
    this.#remove(id)
    const size = value.byteLength + ENTRY_OVERHEAD + 40 * tags.length
    if (size > this.#maxBytes) return
    const frozenVersions = Object.freeze(versions.slice())
    const entry: LocalEntry = {
      value,
      tags: Object.freeze(tags.slice()),
      versions: frozenVersions,
      current: frozenVersions,
      verified: true,
      memo: new EntryMemo(this.#share),
      cells,
      expiresAt,
      size,
      slot: this.#policy.insert(id),
      owner: this,
      removed: false,
      checkedAt: -1,
    }
    this.#entries.set(id, entry)
    this.#bytes += size
    while (this.#entries.size > this.#maxKeys || this.#bytes > this.#maxBytes) {
      const victim = this.#policy.victim()
      if (victim === undefined) break
      this.counters.evictions++
      if (!this.#remove(victim.key)) this.#policy.remove(victim)
    }
  }

  /** Removes the local copy of entry `id`; `true` if there was one. */
  #remove(id: string): boolean {
    const entry = this.#entries.get(id)
    if (entry === undefined) return false
    entry.removed = true
    this.#entries.delete(id)
    this.#policy.remove(entry.slot)
    this.#bytes -= entry.size
    return true
  }

  /** Drops the local copy of entry `id` (found expired or stale). */
  drop(id: string): void {
    this.#remove(id)
  }
}
