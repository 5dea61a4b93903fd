// The module binding skips the global `performance` getter on every hit.
import { performance } from 'node:perf_hooks'
import {
  type GetOrCaptureResult,
  type KeyRecord,
  READ_ASYNC,
  type Store,
  type StoredEntry,
  type StoreWrite,
  type StoreWriteWithKey,
} from '@tagcache/core'
import type { LocalEntry } from './local-memory.js'
import type { NearCore } from './near-core.js'

const first = (entries: readonly (StoredEntry | undefined)[]): StoredEntry | undefined => entries[0]

/** What a near cache has done, for dashboards and tests. */
export interface NearStats {
  /** Reads answered from the local copy, with no round trip (tags-only: with no tag version read). */
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

/** One view of a near cache (see {@link NearCache.share}). */
export class NearStore implements NearCache {
  readonly name: string
  readonly #core: NearCore
  #hits = 0
  #misses = 0
  #dirty = 0
  #closed = false
  readonly lock?: Store['lock']
  readonly unlock?: Store['unlock']
  readonly awaitUnlock?: Store['awaitUnlock']
  readonly expireTags?: Store['expireTags']
  readonly getOrCapture?: Store['getOrCapture']
  readonly onEvict?: Store['onEvict']

  constructor(core: NearCore) {
    this.#core = core
    const inner = core.inner
    this.name = inner.name
    if (inner.lock !== undefined && inner.unlock !== undefined) {
      this.lock = inner.lock.bind(inner)
      this.unlock = inner.unlock.bind(inner)
      if (inner.awaitUnlock !== undefined) this.awaitUnlock = inner.awaitUnlock.bind(inner)
    }
    // Soft invalidation: the tags' local versions go, as for `invalidate`;
    // entries read again come with both version lists, which core judges stale.
    const expireTags = inner.expireTags
    if (expireTags !== undefined) {
      this.expireTags = (tags, version, ttl) =>
        this.#changing(tags, () => expireTags.call(inner, tags, version, ttl))
    }
    // Tags-only reads are one GET: core's own read-then-capture is as good.
    if (core.options.values) this.getOrCapture = this.#getOrCapture
    // Local evictions are not the store's: entries stay in Redis. The store's own, if any, pass.
    if (inner.onEvict !== undefined) this.onEvict = inner.onEvict.bind(inner)
  }

  get stats(): NearStats {
    const core = this.#core
    const { invalidations, flushes, evictions } = core.memory.counters
    const reads = this.#hits + this.#misses
    const hitRatio = reads === 0 ? 0 : this.#hits / reads
    return {
      hits: this.#hits,
      misses: this.#misses,
      invalidations,
      dirty: this.#dirty,
      flushes,
      evictions,
      entries: core.memory.size,
      tagVersions: core.memory.tagVersionCount,
      bytes: core.memory.bytes,
      confidence: core.confidence,
      hitRatio,
      summary: `near: ${this.#hits} hits, ${this.#misses} misses (${(hitRatio * 100).toFixed(1)}%), ${invalidations} invalidations, ${this.#dirty} dirty, ${flushes} flush${flushes === 1 ? '' : 'es'}`,
    }
  }

  get healthy(): boolean {
    return this.#core.tracking && !this.#core.closed
  }

  ready(): Promise<void> {
    return this.#core.ready()
  }

  sync(): Promise<void> {
    // Closed or refused: reads go to Redis, nothing local to bring up to date.
    const core = this.#core
    return core.closed || core.refusal !== undefined ? Promise.resolve() : core.link.sync()
  }

  reset(): void {
    this.#core.memory.flush()
  }

  shutdown(): Promise<void> {
    this.#closed = true
    return this.#core.shutdown()
  }

  share(): NearCache {
    this.#core.views++
    return new NearStore(this.#core)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (--this.#core.views > 0) return
    await this.#core.shutdown()
    // What the wrapped store opened itself (a Redis store: the connection
    // that hears lock releases), never the client it was given.
    await this.#core.inner.close?.()
  }

  /**
   * The local copy of `key` if it may be served now (live, within `maxIdle`,
   * not expired, every tag version known locally and equal); drops an
   * expired or stale one.
   */
  #local(key: string, record?: KeyRecord): LocalEntry | undefined {
    const core = this.#core
    const entry = core.memory.entryOf(key, record)
    if (entry === undefined) return undefined
    const now = performance.now()
    if (!core.serving(now)) return undefined
    if (core.memory.current(entry, now)) return entry
    if (now >= entry.expiresAt) core.memory.drop(key)
    return undefined
  }

  /** Whether this hit is served without asking Redis (`confidence`). */
  #trusted(): boolean {
    const confidence = this.#core.confidence
    return confidence >= 100 || Math.random() * 100 < confidence
  }

  /**
   * A local hit, synchronously (core then answers with one promise, as for
   * the memory store); {@link READ_ASYNC} for anything that needs Redis (a
   * miss, a checked hit, tags-only mode, a closed cache): core then calls `get`.
   */
  getSync(key: string, record?: KeyRecord): StoredEntry | undefined | typeof READ_ASYNC {
    const core = this.#core
    if (core.closed || !core.options.values) return READ_ASYNC
    const local = this.#local(key, record)
    if (local === undefined || !this.#trusted()) return READ_ASYNC
    this.#hits++
    core.memory.touch(local)
    return local.stored
  }

  get(key: string, record?: KeyRecord): Promise<StoredEntry | undefined> {
    const core = this.#core
    if (core.closed) return core.inner.get(key, record)
    if (!core.options.values) return this.#tagsOnly([key]).then(first)
    const local = this.#local(key, record)
    if (local !== undefined) {
      if (this.#trusted()) {
        this.#hits++
        core.memory.touch(local)
        return Promise.resolve(local.stored)
      }
      return this.#checked(key, local)
    }
    this.#misses++
    return core.read([key]).then(first)
  }

  /** A hit checked against Redis: a mismatch is dirty, and Redis's answer wins. */
  async #checked(key: string, local: LocalEntry): Promise<StoredEntry | undefined> {
    const core = this.#core
    core.memory.drop(key)
    const remote = first(await core.read([key]))
    const same =
      remote !== undefined &&
      Buffer.from(remote.value).equals(local.stored.value) &&
      remote.versions.length === local.versions.length &&
      remote.versions.every((v, i) => v === local.versions[i] && remote.current[i] === v)
    if (same) {
      this.#hits++
      if (core.options.dynamicConfidence) core.confidence = Math.min(100, core.confidence + 1)
    } else {
      this.#misses++
      this.#dirty++
      if (core.options.dynamicConfidence) core.confidence = Math.max(0, core.confidence - 10)
    }
    return remote
  }

  async getMany(keys: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    const core = this.#core
    if (core.closed) return core.inner.getMany(keys)
    if (!core.options.values) return this.#tagsOnly(keys)
    const out: (StoredEntry | undefined)[] = new Array(keys.length)
    const remote: string[] = []
    const at: number[] = []
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      const local = this.#local(key)
      if (local !== undefined) {
        this.#hits++
        core.memory.touch(local)
        out[i] = local.stored
      } else {
        this.#misses++
        remote.push(key)
        at.push(i)
      }
    }
    if (remote.length > 0) {
      const found = await core.read(remote)
      for (let j = 0; j < remote.length; j++) out[at[j] as number] = found[j]
    }
    return out
  }

  async #getOrCapture(
    key: string,
    tags: readonly string[],
    candidate: string,
    ttl: number,
  ): Promise<GetOrCaptureResult> {
    const core = this.#core
    if (core.closed) {
      const entry = await core.inner.get(key)
      if (entry?.verified === true) return { entry }
      return { entry, captured: await core.inner.tagVersions(tags, candidate, ttl) }
    }
    const local = this.#local(key)
    if (local !== undefined && this.#trusted()) {
      this.#hits++
      core.memory.touch(local)
      return { entry: local.stored }
    }
    this.#misses++
    // Read (and kept) as `get` reads; captured only when it found nothing to serve.
    const entry = first(await core.read([key]))
    if (entry?.verified === true) return { entry }
    return { entry, captured: await core.inner.tagVersions(tags, candidate, ttl) }
  }

  async #tagsOnly(keys: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    const core = this.#core
    const entries = await core.read(keys)
    for (const entry of entries) {
      if (entry === undefined) this.#misses++
      else if (entry.verified === true) this.#hits++
      else this.#misses++
    }
    return entries
  }

  /** Our own change of `ids`: the local copies go before and after it (a read may race it). */
  async #changing<T>(ids: readonly string[], change: () => Promise<T>): Promise<T> {
    const memory = this.#core.memory
    for (const id of ids) memory.forget(id)
    try {
      return await change()
    } finally {
      for (const id of ids) memory.forget(id)
    }
  }

  set(key: string, write: StoreWrite): Promise<void> {
    return this.#changing([key], () => this.#core.inner.set(key, write))
  }

  setMany(writes: readonly StoreWriteWithKey[]): Promise<void> {
    return this.#changing(
      writes.map((w) => w.key),
      () => this.#core.inner.setMany(writes),
    )
  }

  delete(key: string): Promise<boolean> {
    return this.#changing([key], () => this.#core.inner.delete(key))
  }

  deleteMany(keys: readonly string[]): Promise<number> {
    return this.#changing(keys, () => this.#core.inner.deleteMany(keys))
  }

  tagVersions(tags: readonly string[], candidate: string, ttl: number): Promise<string[]> {
    return this.#core.inner.tagVersions(tags, candidate, ttl)
  }

  invalidate(tags: readonly string[], version: string, ttl: number): Promise<void> {
    return this.#changing(tags, () => this.#core.inner.invalidate(tags, version, ttl))
  }

  ttl(key: string): Promise<number | undefined> {
    return this.#core.inner.ttl(key)
  }

  expire(key: string, ttl: number): Promise<boolean> {
    return this.#changing([key], () => this.#core.inner.expire(key, ttl))
  }
}
