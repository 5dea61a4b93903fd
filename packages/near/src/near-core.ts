// What every view of one near cache shares (see `share()`): the local
// memory, the tracking connections, the session state, and the reads that
// go to Redis and keep what they found.
import {
  isTagCacheError,
  isTagVersion,
  type Store,
  type StoredEntry,
  StoreError,
} from '@tagcache/core'
import { decodeEntry, type RedisDriver, type RedisStoreInternals } from '@tagcache/redis'
import { clusterLink } from './cluster-tracking.js'
import { LocalMemory } from './local-memory.js'
import type { ResolvedNearOptions } from './options.js'
import { keySlot } from './slot.js'
import { ioredisLink, nodeRedisLink, type TrackingEvents, type TrackingLink } from './tracking.js'

/** A private copy of payload bytes, of its own memory (not a slice of a pooled or reply buffer). */
function copyBytes(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.byteLength)
  copy.set(bytes)
  return copy
}

/** Whether an entry read from Redis may be served: every stored version current. */
function servable(entry: StoredEntry): boolean {
  const { versions, current } = entry
  // No tags: never served, as by the Redis store (core always adds a namespace tag).
  if (versions.length === 0 || versions.length !== current.length) return false
  for (let i = 0; i < versions.length; i++) if (current[i] !== versions[i]) return false
  return true
}

/** A `PTTL` reply as an expiry on the `performance.now()` clock; `undefined`: do not keep. */
function expiryOf(pttl: unknown, sentAt: number): number | undefined {
  if (pttl === -1) return Number.POSITIVE_INFINITY
  if (typeof pttl === 'number' && pttl >= 0) return sentAt + pttl
  return undefined
}

const bytesText = (key: Buffer | string): string =>
  typeof key === 'string' ? key : key.toString('utf8')

/** The shared part of a near cache. */
export class NearCore implements TrackingEvents {
  readonly memory: LocalMemory
  readonly inner: Store
  readonly options: ResolvedNearOptions
  /** The store's key prefix, as its driver is given keys. */
  readonly prefix: string
  /** Keys as Redis names them in invalidations: the driver's prefix, then the store's. */
  readonly serverPrefix: string
  /** The store's own driver (its client): tags-only reads of entries go through it, untracked. */
  readonly plain: RedisDriver
  readonly link: TrackingLink
  /** Over Redis Cluster: every command names one key, routed to the link of its slot's master. */
  readonly cluster: boolean
  /** Tracking is on and the invalidation stream has had no gap since. */
  tracking = false
  /** Bumped at every gap: a read keeps its reply only within the session it began in. */
  session = 0
  /** When the invalidation connection last said anything (`performance.now()`). */
  lastHeard = performance.now()
  /** Open views (see `share()`); the connections close with the last. */
  views = 1
  closed = false
  confidence: number
  readonly #pinger: NodeJS.Timeout
  #ready: Promise<void>
  #resolveReady: () => void = () => {}
  #rejectReady: (error: unknown) => void = () => {}
  /** Set when Redis refused client tracking: reads then go to Redis on the store's own client. */
  refusal: StoreError | undefined

  constructor(inner: Store, internals: RedisStoreInternals, options: ResolvedNearOptions) {
    this.inner = inner
    this.options = options
    this.confidence = options.confidence
    this.memory = new LocalMemory(
      options.policy.local(),
      options.maxKeys,
      options.maxSizeBytes,
      options.byReference,
    )
    this.prefix = internals.prefix
    this.serverPrefix = internals.serverPrefix
    this.plain = internals.driver
    this.#ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve
      this.#rejectReady = reject
    })
    // Handled: a refusal rejects ready() for whoever awaits it, never the process.
    this.#ready.catch(() => {})
    this.cluster = internals.driver.cluster
    const driver = internals.driver
    this.link = this.cluster
      ? clusterLink(driver.client, driver, this, options.maxIdle)
      : (driver.name === 'node-redis' ? nodeRedisLink : ioredisLink)(driver.client, driver, this)
    this.#pinger = setInterval(() => this.link.ping(), Math.max(50, options.maxIdle / 3))
    this.#pinger.unref()
  }

  /** Resolves once tracking is on (the local copy then fills as reads go to Redis). */
  ready(): Promise<void> {
    return this.#ready
  }

  // TrackingEvents

  invalidate(keys: readonly (string | Buffer)[] | null): void {
    // The link said `heard` first (on a cluster, only the quietest node's silence counts).
    if (keys === null) {
      // FLUSHALL / FLUSHDB: Redis forgets what this client tracked, too.
      this.memory.flush()
      return
    }
    const prefix = this.serverPrefix
    for (const raw of keys) {
      const key = bytesText(raw)
      if (key.startsWith(prefix)) this.memory.invalidate(key.slice(prefix.length))
    }
  }

  gap(_reason: string): void {
    this.tracking = false
    this.session++
    this.memory.flush()
  }

  refused(error: unknown): void {
    if (this.refusal !== undefined || this.closed) return
    const message = error instanceof Error ? error.message : String(error)
    this.refusal = new StoreError(
      `[tagcache] [near] Redis refused client tracking (${message}); expected Redis 6 or later and a user allowed CLIENT TRACKING and CLIENT ID. Nothing is served locally: every read goes to Redis`,
      { cause: error },
    )
    this.gap('tracking refused')
    this.#rejectReady(this.refusal)
  }

  dropSlots(slots: ReadonlySet<number>, why: 'moved' | 'gap'): void {
    const prefix = this.serverPrefix
    const dropped = this.memory.dropWhere((id) => slots.has(keySlot(prefix + id)))
    this.memory.counters.slotDrops += dropped
    if (why === 'gap') this.memory.counters.nodeGaps++
  }

  untracked(key: string): void {
    // Refuses this read's reply (and drops any copy of the key, of which there should be none).
    if (key.startsWith(this.prefix)) this.memory.forget(key.slice(this.prefix.length))
  }

  heard(at?: number): void {
    this.lastHeard = at ?? performance.now()
  }

  /** A new session begins: the local copy (empty) may fill. */
  live(): void {
    if (this.refusal !== undefined) return
    this.lastHeard = performance.now()
    this.tracking = true
    this.#resolveReady()
  }

  /**
   * Whether the local copy may serve at `now`: tracking is live and the
   * invalidation connection spoke within `maxIdle`. Silence past it is a gap:
   * the copy is emptied and the link restarted.
   */
  serving(now: number): boolean {
    if (!this.tracking || this.closed) return false
    if (now - this.lastHeard <= this.options.maxIdle) return true
    this.gap('silence')
    this.link.restart()
    return false
  }

  /**
   * Reads entries, then the versions of their tags not known locally: the
   * entries with one `MGET` (through the tracking connection when values are
   * kept, with a `PTTL` per key in the same round trip; else on the store's
   * own client, untracked), the unknown tag versions with one `MGET` through
   * the tracking connection. One round trip when every tag version is known
   * locally, two otherwise. Not one Lua read: Redis 7.0 tracks only the keys
   * a script declares, not the tag keys it finds inside the entry.
   *
   * Versions are never reused, so a tag version read after the entry that
   * equals the stored one was current when the entry was read, too. What
   * was found is kept unless the session ended or the key (or a tag) was
   * invalidated while the read was in flight.
   */
  async read(keys: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    const { prefix, serverPrefix, memory } = this
    const values = this.options.values
    const keep = this.tracking
    const session = this.session
    const since = memory.begin()
    try {
      const full = keys.map((k) => prefix + k)
      const sentAt = performance.now()
      // Nothing of a read is kept outside a tracking session (after a gap,
      // before tracking is on again): it goes on the store's own client,
      // which may be back before the tracking connection is.
      const tracked = keep && this.refusal === undefined ? this.link.driver : this.plain
      const raws = this.#mget(values ? tracked : this.plain, full) as Promise<(Buffer | null)[]>
      const pttls = values && keep ? full.map((k) => this.#pttl(k)) : undefined
      const found = await raws
      const decoded = found.map((raw) => (raw === null ? undefined : decodeEntry(raw)))
      const tagIds = decoded.map((d) =>
        d === undefined
          ? []
          : d.tagKeys.map((t) => (t.startsWith(serverPrefix) ? t.slice(serverPrefix.length) : '')),
      )
      // Versions as known now, when the entries were read: a message that drops
      // one while the unknown ones are read must not turn these into misses.
      const serve = keep && this.serving(performance.now())
      const known = new Map<string, string | null>()
      const unknown: string[] = []
      for (const ids of tagIds) {
        for (const id of ids) {
          if (id === '' || known.has(id)) continue
          const version = serve ? memory.version(id) : undefined
          known.set(id, version ?? null)
          if (version === undefined) unknown.push(id)
        }
      }
      if (unknown.length > 0) {
        const replies = (await this.#mget(
          tracked,
          unknown.map((t) => prefix + t),
        )) as (Buffer | null)[]
        for (let i = 0; i < unknown.length; i++) {
          const reply = replies[i]
          const id = unknown[i] as string
          // Bytes that are not a version (a stray write) read as missing, as in the store.
          const text = Buffer.isBuffer(reply) ? reply.toString('latin1') : null
          const version = text !== null && isTagVersion(text) ? text : null
          known.set(id, version)
          if (keep && version !== null && session === this.session && this.tracking) {
            memory.putVersion(id, version, since)
          }
        }
      }
      const ttls = pttls === undefined ? undefined : await Promise.all(pttls)
      return found.map((raw, i) => {
        if (raw === null) return undefined
        const d = decoded[i]
        if (d === undefined) return { value: raw, tags: [], versions: [], current: [] }
        const ids = tagIds[i] as string[]
        const current = ids.map((id) => (id === '' ? null : (known.get(id) ?? null)))
        const entry: StoredEntry = { value: d.value, tags: ids, versions: d.versions, current }
        if (!servable(entry)) return entry
        if (ttls !== undefined && session === this.session && this.tracking) {
          const expiresAt = expiryOf(ttls[i], sentAt)
          if (expiresAt !== undefined) {
            memory.putEntry(
              keys[i] as string,
              copyBytes(d.value),
              ids,
              d.versions,
              expiresAt,
              since,
            )
          }
        }
        return { ...entry, verified: true }
      })
    } finally {
      memory.end()
    }
  }

  #pttl(key: string): Promise<unknown> {
    return this.link.driver.call(['PTTL', key], key).catch(() => undefined)
  }

  #mget(driver: RedisDriver, keys: readonly string[]): Promise<unknown> {
    if (keys.length === 0) return Promise.resolve([])
    if (this.cluster) {
      // Never cross-slot, and each key read where it lives: one key per command, in parallel.
      return Promise.all(
        keys.map((key) =>
          (this.#mget1(driver, [key]) as Promise<(Buffer | null)[]>).then((r) => r[0] ?? null),
        ),
      )
    }
    return this.#mget1(driver, keys)
  }

  #mget1(driver: RedisDriver, keys: readonly string[]): Promise<unknown> {
    return driver.call(['MGET', ...keys], keys[0]).catch((error: unknown) => {
      if (isTagCacheError(error)) throw error
      const message = error instanceof Error ? error.message : String(error)
      throw new StoreError(
        `[tagcache] [near] get failed: ${message}; expected Redis to accept the command`,
        { cause: error },
      )
    })
  }

  /** Closes the connections; the local copy is emptied. */
  async shutdown(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.tracking = false
    clearInterval(this.#pinger)
    this.memory.flush()
    await this.link.close()
  }
}
