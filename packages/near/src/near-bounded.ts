import type {
  BoundedStore,
  EvictionPolicy,
  Store,
  StoreWrite,
  StoreWriteWithKey,
} from '@tagcache/core'
import type { RedisBoundedInternals } from '@tagcache/redis'
import type { NearCore } from './near-core.js'
import { NearReader, type ReadCounters, type ReadListener } from './near-reads.js'

/**
 * A bounded view of a near cache (`nearCache(store).bounded(options)`, what
 * `createCache({ store, policy })` asks for), over the Redis store's own
 * bounded view.
 *
 * Writes, deletes and expiries go through the store's view: its index, its
 * bound across processes and its evictions are Redis's, one round trip as
 * without the near cache, and its evictions are reported as it reports
 * them (`onEvict`, in the process that wrote). Reads are the near cache's:
 * a local hit costs no round trip; a miss reads the entry under its key in
 * the view (`{<id>:<shard>}<key>`) through the tracking connection, so that
 * Redis's invalidation of that key (a write, a delete, an eviction by any
 * process, an expiry) drops the local copy. The local copy of an entry this
 * process's own write evicts goes at once.
 *
 * Every read is a use of the bounded cache, as a read through the store's
 * view would be: the ids read (local hits included) are sent to the view's
 * touch script, batched per microtask on the store's client, ahead of the
 * next write through this view. FIFO and RR count no reads: only the reads
 * that find nothing are sent (their ids leave the index).
 *
 * A local eviction (the near cache's `maxKeys`) is not an eviction of the
 * bounded cache: the entry stays in Redis, and nothing is reported.
 */
export class NearBoundedStore extends NearReader implements BoundedStore {
  readonly name: string
  readonly policy: EvictionPolicy
  readonly #view: BoundedStore
  readonly #internals: RedisBoundedInternals
  /** Stops forgetting the local copies of entries the view evicts. */
  readonly #unsubscribe: (() => void) | undefined
  /** Ids read since the last touch, in order (sent at the end of the microtask). */
  #uses: string[] | undefined
  readonly onEvict?: Store['onEvict']
  readonly deleteIfUnchanged?: Store['deleteIfUnchanged']

  constructor(
    core: NearCore,
    counters: ReadCounters,
    view: BoundedStore,
    internals: RedisBoundedInternals,
  ) {
    super(core, counters, view, internals.keyOf)
    this.name = view.name
    this.policy = view.policy
    this.#view = view
    this.#internals = internals
    this.listener = internals.readsCount ? this.#counting() : this.#missesOnly()
    const deleteIfUnchanged = view.deleteIfUnchanged
    if (deleteIfUnchanged !== undefined) {
      this.deleteIfUnchanged = (key, entry) => {
        this.#flushUses()
        return this.changing([this.nameOf(key)], () => deleteIfUnchanged.call(view, key, entry))
      }
    }
    const onEvict = view.onEvict
    if (onEvict !== undefined) {
      this.onEvict = onEvict.bind(view)
      // Our own write evicted these: their local copies go before the write
      // resolves (Redis's invalidation of them may come later).
      this.#unsubscribe = onEvict.call(view, (id) => core.memory.forget(this.nameOf(id)))
    }
  }

  /** LRU, LFU, MRU, TLRU: every read is a use, local hits included. */
  #counting(): ReadListener {
    return {
      hit: (id) => this.#use([id]),
      reading: (ids) => this.#use(ids),
      read: () => {},
    }
  }

  /** FIFO, RR: a read changes nothing, except that an id found absent leaves the index. */
  #missesOnly(): ReadListener {
    return {
      hit: () => {},
      reading: () => {},
      read: (ids, entries) => {
        const absent = ids.filter((_, i) => entries[i] === undefined)
        if (absent.length > 0) this.#use(absent)
      },
    }
  }

  #use(ids: readonly string[]): void {
    let pending = this.#uses
    if (pending === undefined) {
      pending = []
      this.#uses = pending
      queueMicrotask(() => this.#flushUses())
    }
    for (const id of ids) pending.push(id)
  }

  /**
   * Sends the uses queued (the touch script's failure is swallowed by the
   * store's view: it loses uses, never a value, and the next write or miss
   * on the same client reports a Redis that is down).
   */
  #flushUses(): void {
    const pending = this.#uses
    if (pending === undefined) return
    this.#uses = undefined
    this.#internals.touch(pending)
  }

  set(key: string, write: StoreWrite): Promise<void> {
    this.#flushUses()
    return this.changing([this.nameOf(key)], () => this.#view.set(key, write))
  }

  setMany(writes: readonly StoreWriteWithKey[]): Promise<void> {
    this.#flushUses()
    return this.changing(
      writes.map((w) => this.nameOf(w.key)),
      () => this.#view.setMany(writes),
    )
  }

  delete(key: string): Promise<boolean> {
    this.#flushUses()
    return this.changing([this.nameOf(key)], () => this.#view.delete(key))
  }

  deleteMany(keys: readonly string[]): Promise<number> {
    this.#flushUses()
    return this.changing(
      keys.map((k) => this.nameOf(k)),
      () => this.#view.deleteMany(keys),
    )
  }

  tagVersions(tags: readonly string[], candidate: string, ttl: number): Promise<string[]> {
    return this.#view.tagVersions(tags, candidate, ttl)
  }

  invalidate(tags: readonly string[], version: string, ttl: number): Promise<void> {
    return this.changing(tags, () => this.#view.invalidate(tags, version, ttl))
  }

  ttl(key: string): Promise<number | undefined> {
    return this.#view.ttl(key)
  }

  expire(key: string, ttl: number): Promise<boolean> {
    return this.changing([this.nameOf(key)], () => this.#view.expire(key, ttl))
  }

  /** The store's view's: its index goes, in constant time; local copies die with the namespace version. */
  dropIndex(): Promise<void> {
    this.#flushUses()
    return this.#view.dropIndex()
  }

  /** Sends the uses still queued and stops hearing the view's evictions; the near cache stays open. */
  async close(): Promise<void> {
    this.#flushUses()
    this.#unsubscribe?.()
    await this.#view.close?.()
  }
}
