// A bounded view of the memory store (`Store.bounded`): the entries written
// through it form one bounded cache, kept in the view's own order of the
// policy; the data, tag versions and expiry stay the store's.

import {
  type BoundedStore,
  type BoundOptions,
  type EvictionPolicy,
  type KeyRecord,
  type LocalPolicy,
  type PolicyEntry,
  type Store,
  type StoredEntry,
  type StoreEvictListener,
  type StoreWrite,
  type StoreWriteWithKey,
  validateOptions,
} from '@tagcache/core'
import { z } from 'zod'
import { policySchema } from './options.js'

/** What a view needs of its store: the Store, its sync read, and a sync delete. */
export interface ViewHost extends Store {
  getSync(key: string, record?: KeyRecord, now?: number): StoredEntry | undefined
  onEvict(listener: StoreEvictListener): () => void
  /** Deletes `key` now; `true` if it held a live entry. */
  deleteNow(key: string): boolean
  /** Whether the store holds an entry under `key` (live or not yet noticed expired). */
  holds(key: string): boolean
  lock(key: string, owner: string, ttl: number): Promise<boolean>
  unlock(key: string, owner: string): Promise<void>
  awaitUnlock(key: string, ms: number): Promise<boolean>
  expireTags(tags: readonly string[], version: string, ttl: number): Promise<void>
}

const boundOptionsSchema = z.looseObject({ id: z.string(), policy: policySchema })

/** Checks `bounded()`'s options (one `InvalidOptionsError` naming each bad path). */
export function checkBoundOptions(options: BoundOptions): BoundOptions {
  return validateOptions('memory', boundOptionsSchema, options) as BoundOptions
}

/** A bounded view of the memory store: a {@link BoundedStore} whose `getSync` and `onEvict` are always present. */
export interface BoundedMemoryStore extends BoundedStore {
  /** {@link Store.getSync}: reads through to the store (and uses the entry in the view's order). */
  getSync(key: string, record?: KeyRecord, now?: number): StoredEntry | undefined
  /** Tells `listener` of the view's own evictions: `(id, 'capacity', policy.name)`. */
  onEvict(listener: StoreEvictListener): () => void
  /** The store's {@link Store.lock} (per process). */
  lock(key: string, owner: string, ttl: number): Promise<boolean>
  /** The store's {@link Store.unlock}. */
  unlock(key: string, owner: string): Promise<void>
  /** The store's {@link Store.expireTags}. */
  expireTags(tags: readonly string[], version: string, ttl: number): Promise<void>
  /** The store's {@link Store.awaitUnlock}. */
  awaitUnlock(key: string, ms: number): Promise<boolean>
}

/**
 * The view returned by the memory store's `bounded()`. Every operation goes to
 * the store (synchronously: the memory store's promises are already
 * settled); the view keeps a `policy.local()` order of the ids written
 * through it. A write inserts (or uses) the id, then while the order holds
 * more than `policy.maxSize` ids the victim is deleted from the store and
 * reported to the view's `onEvict` listeners as `(id, 'capacity',
 * policy.name)`. A read that finds the entry uses it; a read that finds
 * nothing forgets the id (it expired, or the store evicted or dropped it),
 * as does the store's own eviction of it.
 */
export class BoundedMemoryView implements BoundedMemoryStore {
  readonly name: string
  readonly capabilities: Store['capabilities']
  readonly policy: EvictionPolicy
  readonly #store: ViewHost
  readonly #views: Set<BoundedMemoryView>
  #order: LocalPolicy
  /** The ids written through the view and still held, with their place in the order. */
  #tracked = new Map<string, PolicyEntry>()
  #listeners: readonly StoreEvictListener[] = []
  readonly #unsubscribe: () => void

  constructor(store: ViewHost, policy: EvictionPolicy, views: Set<BoundedMemoryView>) {
    this.name = store.name
    this.capabilities = store.capabilities
    this.policy = policy
    this.#store = store
    this.#views = views
    this.#order = policy.local()
    // The store's own removals (expiry, its bounds) of ids the view tracks.
    this.#unsubscribe = store.onEvict((key) => this.#forget(key))
  }

  get(key: string, record?: KeyRecord): Promise<StoredEntry | undefined> {
    return Promise.resolve(this.getSync(key, record))
  }

  getSync(key: string, record?: KeyRecord, now?: number): StoredEntry | undefined {
    const found = this.#store.getSync(key, record, now)
    const entry = this.#tracked.get(key)
    if (found !== undefined) {
      if (entry !== undefined) this.#order.access(entry)
    } else {
      if (entry !== undefined) this.#forget(key)
      this.#order.miss?.(key)
    }
    return found
  }

  getMany(keys: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    return Promise.resolve(keys.map((key) => this.getSync(key)))
  }

  set(key: string, write: StoreWrite): Promise<void> {
    const done = this.#store.set(key, write)
    // Refused (larger than maxBytes) or pushed out by the store's own policy: nothing to track.
    if (this.#store.holds(key)) this.#written(key)
    else this.#forget(key)
    return done
  }

  async setMany(writes: readonly StoreWriteWithKey[]): Promise<void> {
    for (const write of writes) await this.set(write.key, write)
  }

  delete(key: string): Promise<boolean> {
    this.#forget(key)
    return this.#store.delete(key)
  }

  deleteMany(keys: readonly string[]): Promise<number> {
    for (const key of keys) this.#forget(key)
    return this.#store.deleteMany(keys)
  }

  tagVersions(tags: readonly string[], candidate: string, ttl: number): Promise<string[]> {
    return this.#store.tagVersions(tags, candidate, ttl)
  }

  invalidate(tags: readonly string[], version: string, ttl: number): Promise<void> {
    return this.#store.invalidate(tags, version, ttl)
  }

  expireTags(tags: readonly string[], version: string, ttl: number): Promise<void> {
    return this.#store.expireTags(tags, version, ttl)
  }

  ttl(key: string): Promise<number | undefined> {
    return this.#store.ttl(key)
  }

  expire(key: string, ttl: number): Promise<boolean> {
    return this.#store.expire(key, ttl)
  }

  /** The store's lock (locks are not entries: nothing to bound). */
  lock(key: string, owner: string, ttl: number): Promise<boolean> {
    return this.#store.lock(key, owner, ttl)
  }

  awaitUnlock(key: string, ms: number): Promise<boolean> {
    return this.#store.awaitUnlock(key, ms)
  }

  unlock(key: string, owner: string): Promise<void> {
    return this.#store.unlock(key, owner)
  }

  onEvict(listener: StoreEvictListener): () => void {
    this.#listeners = [...this.#listeners, listener]
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener)
    }
  }

  /** Forgets the order in O(1); the entries stay in the store (their ttl, the store's bounds). */
  dropIndex(): Promise<void> {
    this.storeCleared()
    return Promise.resolve()
  }

  /** Stops following the store's evictions; the store itself stays open (it is not the view's). */
  close(): Promise<void> {
    this.#unsubscribe()
    this.#views.delete(this)
    return Promise.resolve()
  }

  /** @internal The store was emptied (or the index dropped): a fresh order. */
  storeCleared(): void {
    this.#order = this.policy.local()
    this.#tracked = new Map()
  }

  /** `key` was written through the view: use or insert it, then evict down to the bound. */
  #written(key: string): void {
    const order = this.#order
    const entry = this.#tracked.get(key)
    if (entry !== undefined) order.access(entry)
    else this.#tracked.set(key, order.insert(key))
    const max = this.policy.maxSize
    while (order.size > max) {
      const victim = order.victim()
      if (victim === undefined) return
      // Untracked first: the store's report of an expired victim finds nothing to forget.
      order.remove(victim)
      this.#tracked.delete(victim.key)
      if (this.#store.deleteNow(victim.key)) this.#evicted(victim.key)
    }
  }

  #forget(key: string): void {
    const entry = this.#tracked.get(key)
    if (entry === undefined) return
    this.#tracked.delete(key)
    this.#order.remove(entry)
  }

  #evicted(key: string): void {
    const listeners = this.#listeners
    const name = this.policy.name
    for (let i = 0; i < listeners.length; i++) {
      try {
        ;(listeners[i] as StoreEvictListener)(key, 'capacity', name)
      } catch {
        // A listener must not throw (Store.onEvict); the view's state stays consistent.
      }
    }
  }
}
