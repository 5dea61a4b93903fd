import type {
  BoundedStore,
  Store,
  StoredEntry,
  StoreWrite,
  StoreWriteWithKey,
} from '@tagcache/core'
import { encodeEntry, redisBoundedInternals } from '@tagcache/redis'
import { NearBoundedStore } from './near-bounded.js'
import type { NearCore } from './near-core.js'
import { NearReader } from './near-reads.js'

/** What a near cache has done, for dashboards and tests. */
export interface NearStats {
  /**
   * Reads answered from the local copy, with no round trip (tags-only: with no tag version read).
   * Reads through the view's bounded views (`createCache({ policy })`) count here too.
   */
  readonly hits: number
  /** Reads that went to Redis. */
  readonly misses: number
  /** Keys Redis reported changed (shared by every view of the cache). */
  readonly invalidations: number
  /** Checked hits (`confidence` below 100) that Redis contradicted. */
  readonly dirty: number
  /** Times the local copy was emptied: gaps in the invalidation stream, `reset()`, flushes. */
  readonly flushes: number
  /** Local copies evicted to stay within `maxKeys` / `maxSizeBytes`. */
  readonly evictions: number
  /**
   * Redis Cluster: gaps in one master's invalidation stream (a disconnect or
   * reconnect of its connections), each of which dropped only the local
   * copies of that master's slots; gaps that emptied the whole copy count
   * in `flushes`.
   */
  readonly nodeGaps: number
  /**
   * Redis Cluster: local entries dropped with their slot, which moved to
   * another master or whose master's stream had a gap (an entry whose tag's
   * slot went stops serving too, and is read again); the rest of the copy
   * kept serving.
   */
  readonly slotDrops: number
  /** Entries held locally now. */
  readonly entries: number
  /** Tag versions held locally now. */
  readonly tagVersions: number
  /** Bytes counted against `maxSizeBytes` now. */
  readonly bytes: number
  /** The confidence in effect (moves with `dynamicConfidence`). */
  readonly confidence: number
  /** `hits / (hits + misses)`, `0` before any read. */
  readonly hitRatio: number
  /** One line for logs, e.g. `near: 980 hits, 20 misses (98.0%), 3 invalidations, 0 dirty, 1 flush`. */
  readonly summary: string
}

/**
 * A near cache: a {@link Store} (pass it to `createCache`) with a local
 * copy of entries and tag versions kept coherent by Redis client tracking.
 * It offers the wrapped store's optional capabilities: `bounded()` (a view
 * whose reads are served locally too, see `nearCache`), `deleteIfUnchanged`,
 * locks, `expireTags`.
 */
export interface NearCache extends Store {
  /** What the cache has done (a snapshot). */
  readonly stats: NearStats
  /**
   * True while tracking is on and the invalidation stream has had no gap:
   * the local copy serves. False while connecting or reconnecting (every
   * read then goes to Redis) and after `shutdown()`.
   */
  readonly healthy: boolean
  /**
   * Resolves once tracking is on for the first time. Reads before it simply go to Redis.
   * @throws StoreError (`E_STORE`, rejected) when Redis refuses client tracking
   * (a Redis older than 6, an ACL without `CLIENT TRACKING` or `CLIENT ID`):
   * the cache then keeps working, every read going to Redis, and `healthy`
   * stays false.
   */
  ready(): Promise<void>
  /**
   * Resolves once every invalidation Redis had queued for this cache when
   * called has been applied: a write another process made (and saw
   * acknowledged) before the call is then never served stale. One round trip
   * on the invalidation connection.
   */
  sync(): Promise<void>
  /** Empties the local copy (every view's). */
  reset(): void
  /** Closes the connections the cache opened, for every view, at once; reads then go to the store. */
  shutdown(): Promise<void>
  /**
   * Another view over the same local copy and connections, with stats of its
   * own: for a second `createCache` in the process that should not open
   * connections of its own. The connections close when the last open view
   * closes (`close()`), or at `shutdown()`.
   */
  share(): NearCache
}

/**
 * The bytes Redis holds under an entry's key if it is still the entry the
 * near cache read (what a Redis store's `deleteIfUnchanged` compares), or
 * `undefined` when they cannot be told: the entry format is canonical, so
 * the tag keys (as Lua sees them), versions and payload give them back.
 */
export function entryBytes(entry: StoredEntry, serverPrefix: string): Buffer | undefined {
  const own = (entry as { raw?: unknown }).raw
  if (Buffer.isBuffer(own)) return own
  const { tags, versions, value } = entry
  // Bytes not in the entry format come back whole (as `value`), without tags.
  if (tags.length === 0) return Buffer.from(value)
  // A tag key outside the store's prefix reads as `''`: its bytes are unknown.
  if (versions.length !== tags.length || tags.includes('')) return undefined
  return encodeEntry(
    tags.map((t) => serverPrefix + t),
    versions,
    value,
  )
}

/** One view of a near cache (see {@link NearCache.share}). */
export class NearStore extends NearReader implements NearCache {
  readonly name: string
  #closed = false
  readonly onEvict?: Store['onEvict']
  readonly deleteIfUnchanged?: Store['deleteIfUnchanged']
  readonly bounded?: Store['bounded']

  constructor(core: NearCore) {
    const inner = core.inner
    super(core, { hits: 0, misses: 0, dirty: 0 }, inner)
    this.name = inner.name
    // Local evictions are not the store's: entries stay in Redis. The store's own, if any, pass.
    if (inner.onEvict !== undefined) this.onEvict = inner.onEvict.bind(inner)
    const deleteIfUnchanged = inner.deleteIfUnchanged
    if (deleteIfUnchanged !== undefined) {
      this.deleteIfUnchanged = (key, entry) => {
        const raw = entryBytes(entry, core.serverPrefix)
        // Bytes we cannot tell are left to expire, as the contract says.
        if (raw === undefined) return Promise.resolve(false)
        const read = { ...entry, raw } as StoredEntry
        return this.changing([key], () => deleteIfUnchanged.call(inner, key, read))
      }
    }
    const bounded = inner.bounded
    if (bounded !== undefined) {
      this.bounded = (options) => this.#bounded(bounded.call(inner, options))
    }
  }

  /**
   * A bounded view over the store's own (`createCache({ store, policy })`):
   * writes, the index and evictions are the store's view's; reads are this
   * near cache's, under the entries' keys in the view, and count as uses
   * of the bounded cache (see {@link NearBoundedStore}). Its hits and misses
   * count in this view's stats.
   */
  #bounded(view: BoundedStore): BoundedStore {
    const internals = redisBoundedInternals(view)
    // A view of another copy of @tagcache/redis without what reading its
    // entries locally needs: every read of it goes to Redis, through it.
    if (internals === undefined) return view
    return new NearBoundedStore(this.core, this.counters, view, internals)
  }

  get stats(): NearStats {
    const core = this.core
    const { hits, misses, dirty } = this.counters
    const { invalidations, flushes, evictions, slotDrops, nodeGaps } = core.memory.counters
    const reads = hits + misses
    const hitRatio = reads === 0 ? 0 : hits / reads
    return {
      hits,
      misses,
      invalidations,
      dirty,
      flushes,
      evictions,
      nodeGaps,
      slotDrops,
      entries: core.memory.size,
      tagVersions: core.memory.tagVersionCount,
      bytes: core.memory.bytes,
      confidence: core.confidence,
      hitRatio,
      summary: `near: ${hits} hits, ${misses} misses (${(hitRatio * 100).toFixed(1)}%), ${invalidations} invalidations, ${dirty} dirty, ${flushes} flush${flushes === 1 ? '' : 'es'}`,
    }
  }

  get healthy(): boolean {
    return this.core.tracking && !this.core.closed
  }

  ready(): Promise<void> {
    return this.core.ready()
  }

  sync(): Promise<void> {
    // Closed or refused: reads go to Redis, nothing local to bring up to date.
    const core = this.core
    return core.closed || core.refusal !== undefined ? Promise.resolve() : core.link.sync()
  }

  reset(): void {
    this.core.memory.flush()
  }

  shutdown(): Promise<void> {
    this.#closed = true
    return this.core.shutdown()
  }

  share(): NearCache {
    this.core.views++
    return new NearStore(this.core)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (--this.core.views > 0) return
    await this.core.shutdown()
    // What the wrapped store opened itself (a Redis store: the connection
    // that hears lock releases), never the client it was given.
    await this.core.inner.close?.()
  }

  set(key: string, write: StoreWrite): Promise<void> {
    return this.changing([key], () => this.core.inner.set(key, write))
  }

  setMany(writes: readonly StoreWriteWithKey[]): Promise<void> {
    return this.changing(
      writes.map((w) => w.key),
      () => this.core.inner.setMany(writes),
    )
  }

  delete(key: string): Promise<boolean> {
    return this.changing([key], () => this.core.inner.delete(key))
  }

  deleteMany(keys: readonly string[]): Promise<number> {
    return this.changing(keys, () => this.core.inner.deleteMany(keys))
  }

  tagVersions(tags: readonly string[], candidate: string, ttl: number): Promise<string[]> {
    return this.core.inner.tagVersions(tags, candidate, ttl)
  }

  invalidate(tags: readonly string[], version: string, ttl: number): Promise<void> {
    return this.changing(tags, () => this.core.inner.invalidate(tags, version, ttl))
  }

  ttl(key: string): Promise<number | undefined> {
    return this.core.inner.ttl(key)
  }

  expire(key: string, ttl: number): Promise<boolean> {
    return this.changing([key], () => this.core.inner.expire(key, ttl))
  }
}
