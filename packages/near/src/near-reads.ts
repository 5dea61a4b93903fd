// The read path every view of a near cache shares (the cache itself and its
// bounded views): a local hit when the local copy may serve, else a read
// through the tracking connection that keeps what it found. A view names
// its entries by the key they have in Redis (after the store's prefix), so
// that Redis's invalidations of that key reach the local copy.
// The module binding skips the global `performance` getter on every hit.
import { performance } from 'node:perf_hooks'
import {
  type GetOrCaptureResult,
  type KeyRecord,
  READ_ASYNC,
  type Store,
  type StoredEntry,
} from '@tagcache/core'
import type { LocalEntry } from './local-memory.js'
import type { NearCore } from './near-core.js'

const first = (entries: readonly (StoredEntry | undefined)[]): StoredEntry | undefined => entries[0]

/** Reads of one view of a near cache, for its stats (a bounded view counts in its cache's). */
export interface ReadCounters {
  hits: number
  misses: number
  dirty: number
}

/**
 * What a view owes a store that keeps count of reads (a bounded view's
 * index): told of every read, local or not, in the order they are made.
 */
export interface ReadListener {
  /** `id` was served locally. */
  hit(id: string): void
  /** `ids` are about to be read from Redis. */
  reading(ids: readonly string[]): void
  /** What the read of `ids` found, aligned with them. */
  read(ids: readonly string[], entries: readonly (StoredEntry | undefined)[]): void
}

/** The reads of a view: local hits, else Redis through the near cache's core. */
export abstract class NearReader {
  protected readonly core: NearCore
  protected readonly counters: ReadCounters
  /** Where reads go once the near cache is closed, and captures always. */
  protected readonly target: Store
  /** The key of an entry in Redis, after the store's prefix; `undefined`: the id itself. */
  readonly #keyOf: ((id: string) => string) | undefined
  /** Told of every read, when the view has a store that counts them. */
  protected listener: ReadListener | undefined = undefined
  // The target's optional capabilities that a view offers as its own.
  readonly lock?: Store['lock']
  readonly unlock?: Store['unlock']
  readonly awaitUnlock?: Store['awaitUnlock']
  readonly expireTags?: Store['expireTags']
  readonly getOrCapture?: Store['getOrCapture']

  constructor(
    core: NearCore,
    counters: ReadCounters,
    target: Store,
    keyOf?: (id: string) => string,
  ) {
    this.core = core
    this.counters = counters
    this.target = target
    this.#keyOf = keyOf
    if (target.lock !== undefined && target.unlock !== undefined) {
      this.lock = target.lock.bind(target)
      this.unlock = target.unlock.bind(target)
      if (target.awaitUnlock !== undefined) this.awaitUnlock = target.awaitUnlock.bind(target)
    }
    // Soft invalidation: the tags' local versions go, as for `invalidate`;
    // entries read again come with both version lists, which core judges stale.
    const expireTags = target.expireTags
    if (expireTags !== undefined) {
      this.expireTags = (tags, version, ttl) =>
        this.changing(tags, () => expireTags.call(target, tags, version, ttl))
    }
    // Tags-only reads are one GET: core's own read-then-capture is as good.
    if (core.options.values) {
      this.getOrCapture = (key, tags, candidate, ttl) =>
        this.readOrCapture(key, tags, candidate, ttl)
    }
  }

  /** The local (and Redis) name of entry `id`. */
  protected nameOf(id: string): string {
    const keyOf = this.#keyOf
    return keyOf === undefined ? id : keyOf(id)
  }

  /**
   * The local copy of entry `id` if it may be served now (live, within
   * `maxIdle`, not expired, every tag version known locally and equal);
   * drops an expired or stale one.
   */
  #local(id: string, record?: KeyRecord): LocalEntry | undefined {
    const core = this.core
    const name = this.nameOf(id)
    const entry = core.memory.entryOf(name, record)
    if (entry === undefined) return undefined
    const now = performance.now()
    if (!core.serving(now)) return undefined
    if (core.memory.current(entry, now)) return entry
    if (now >= entry.expiresAt) core.memory.drop(name)
    return undefined
  }

  /** Whether this hit is served without asking Redis (`confidence`). */
  #trusted(): boolean {
    const confidence = this.core.confidence
    return confidence >= 100 || Math.random() * 100 < confidence
  }

  /** A local hit of `id`: counted, and heard by the local order and the listener. */
  #hit(id: string, local: LocalEntry): StoredEntry {
    this.counters.hits++
    this.core.memory.touch(local)
    this.listener?.hit(id)
    return local
  }

  /** Reads `ids` from Redis (the local copy keeps what may be served). */
  #remote(ids: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    const listener = this.listener
    const keyOf = this.#keyOf
    if (listener === undefined) return this.core.read(keyOf === undefined ? ids : ids.map(keyOf))
    listener.reading(ids)
    return this.core.read(keyOf === undefined ? ids : ids.map(keyOf)).then((entries) => {
      listener.read(ids, entries)
      return entries
    })
  }

  /**
   * A local hit, synchronously (core then answers with one promise, as for
   * the memory store); {@link READ_ASYNC} for anything that needs Redis (a
   * miss, a checked hit, tags-only mode, a closed cache): core then calls `get`.
   */
  getSync(key: string, record?: KeyRecord): StoredEntry | undefined | typeof READ_ASYNC {
    const core = this.core
    if (core.closed || !core.options.values) return READ_ASYNC
    const local = this.#local(key, record)
    if (local === undefined || !this.#trusted()) return READ_ASYNC
    return this.#hit(key, local)
  }

  get(key: string, record?: KeyRecord): Promise<StoredEntry | undefined> {
    const core = this.core
    if (core.closed) return this.target.get(key, record)
    if (!core.options.values) return this.#tagsOnly([key]).then(first)
    const local = this.#local(key, record)
    if (local !== undefined) {
      if (this.#trusted()) return Promise.resolve(this.#hit(key, local))
      return this.#checked(key, local)
    }
    this.counters.misses++
    return this.#remote([key]).then(first)
  }

  /** A hit checked against Redis: a mismatch is dirty, and Redis's answer wins. */
  async #checked(key: string, local: LocalEntry): Promise<StoredEntry | undefined> {
    const core = this.core
    const counters = this.counters
    core.memory.drop(this.nameOf(key))
    const remote = first(await this.#remote([key]))
    const same =
      remote !== undefined &&
      Buffer.from(remote.value).equals(local.value) &&
      remote.versions.length === local.versions.length &&
      remote.versions.every((v, i) => v === local.versions[i] && remote.current[i] === v)
    if (same) {
      counters.hits++
      if (core.options.dynamicConfidence) core.confidence = Math.min(100, core.confidence + 1)
    } else {
      counters.misses++
      counters.dirty++
      if (core.options.dynamicConfidence) core.confidence = Math.max(0, core.confidence - 10)
    }
    return remote
  }

  async getMany(keys: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    const core = this.core
    if (core.closed) return this.target.getMany(keys)
    if (!core.options.values) return this.#tagsOnly(keys)
    const out: (StoredEntry | undefined)[] = new Array(keys.length)
    const remote: string[] = []
    const at: number[] = []
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      const local = this.#local(key)
      if (local !== undefined) {
        out[i] = this.#hit(key, local)
      } else {
        this.counters.misses++
        remote.push(key)
        at.push(i)
      }
    }
    if (remote.length > 0) {
      const found = await this.#remote(remote)
      for (let j = 0; j < remote.length; j++) out[at[j] as number] = found[j]
    }
    return out
  }

  /** `getOrCapture` (values mode): the local copy, else a read, then a capture when it found nothing to serve. */
  protected async readOrCapture(
    key: string,
    tags: readonly string[],
    candidate: string,
    ttl: number,
  ): Promise<GetOrCaptureResult> {
    const core = this.core
    const target = this.target
    if (core.closed) {
      const entry = await target.get(key)
      if (entry?.verified === true) return { entry }
      return { entry, captured: await target.tagVersions(tags, candidate, ttl) }
    }
    const local = this.#local(key)
    if (local !== undefined && this.#trusted()) return { entry: this.#hit(key, local) }
    this.counters.misses++
    // Read (and kept) as `get` reads; captured only when it found nothing to serve.
    const entry = first(await this.#remote([key]))
    if (entry?.verified === true) return { entry }
    return { entry, captured: await target.tagVersions(tags, candidate, ttl) }
  }

  async #tagsOnly(keys: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    const counters = this.counters
    const entries = await this.#remote(keys)
    for (const entry of entries) {
      if (entry === undefined) counters.misses++
      else if (entry.verified === true) counters.hits++
      else counters.misses++
    }
    return entries
  }

  /**
   * Our own change of what is kept under `names` (local names: entry keys
   * as {@link NearReader.nameOf} gives them, or tag ids): the local copies
   * go before and after it (a read may race it).
   */
  protected async changing<T>(names: readonly string[], change: () => Promise<T>): Promise<T> {
    const memory = this.core.memory
    for (const name of names) memory.forget(name)
    try {
      return await change()
    } finally {
      for (const name of names) memory.forget(name)
    }
  }
}
