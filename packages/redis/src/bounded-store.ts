import {
  type BoundedStore,
  type BoundOptions,
  type EvictionPolicy,
  type GetOrCaptureResult,
  InvalidOptionsError,
  type KeyRecord,
  type StoredEntry,
  type StoreEvictListener,
  type StoreWrite,
  type StoreWriteWithKey,
} from '@tagcache/core'
import { type RedisStoreBase, readThenCapture } from './base-store.js'
import { asBuffer, type Commands, checkedCaptured, ttlArg } from './commands.js'
import type { RedisArg } from './driver.js'
import { capturedReply, isVerified, parseGetReply, verifiedEntry } from './entries.js'
import { encodeEntry } from './entry-format.js'
import { REDIS_BOUNDED_INTERNALS, type RedisBoundedInternals } from './internals.js'
import {
  BOUNDED_DELETE_SCRIPT,
  type BoundedScripts,
  boundedScripts,
  HINTED_GET_SCRIPT,
  type RedisPolicyName,
} from './scripts/index.js'
import { REREAD, settleHinted, type TagHint, TagHints } from './tag-hints.js'

const NO_ARGS: readonly RedisArg[] = []
const REDIS_POLICIES: ReadonlySet<string> = new Set(['lru', 'lfu', 'fifo', 'mru', 'rr', 'tlru'])

/** One slot-local index of a bounded cache, and the keys of its entries. */
interface Shard {
  /** `{<id>:<shard>}`: the hash tag every key of the shard starts with (after the prefixes). */
  readonly tag: string
  /** The index (sorted set), as the driver sends it. */
  readonly index: string
  /** The counter of use order, as the driver sends it. */
  readonly counter: string
  /** Prefix of the shard's entry keys as Lua sees them (driver prefix included). */
  readonly luaEntries: string
}

/** How the store the view belongs to reaches Redis. */
interface ViewMode {
  readonly cluster: boolean
  readonly declaredKeysOnly: boolean
  /** Entries whose tag keys the view remembers (standalone; 0: none). */
  readonly tagHints: number
  /** Hinted reads run the store's hinted script rather than a plain `MGET` (the driver's choice). */
  readonly scriptedHints: boolean
}

/** FNV-1a of a string's UTF-16 units: stable across processes and versions. */
function shardHash(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * A bounded view of a Redis store (`store.bounded({ id, policy })`): every
 * entry written through it belongs to one bounded cache of at most
 * `policy.maxSize` entries (`shards: n`: n indexes of `ceil(maxSize / n)`).
 *
 * Layout: an entry `k` of shard `s` lives under `<prefix>{<id>:<s>}k`; the
 * shard's index (a sorted set of entry ids) under `<prefix>{<id>:<s>}#i`
 * and its use counter under `<prefix>{<id>:<s>}#c`: one hash tag, so one
 * cluster slot per shard. The bookkeeping runs in the same Lua call as the
 * write or the read ({@link boundedScripts}), except for reads of entries
 * whose tag keys the view remembers: those are the store's own hinted read,
 * their bookkeeping one touch script per tick and shard, pipelined behind
 * them. On standalone Redis a tagged get or set stays one round trip, on a
 * cluster at most two (the entry's slot, then the tags'). Evictions delete
 * entries only, never tag versions, and are reported to this view's
 * `onEvict` listeners in the process that wrote.
 */
export class BoundedRedisStore implements BoundedStore {
  readonly name: string
  readonly policy: EvictionPolicy
  readonly #base: RedisStoreBase
  readonly #commands: Commands
  readonly #scripts: BoundedScripts
  readonly #shards: readonly Shard[]
  /** Entries per shard at most. */
  readonly #bound: string
  /** Flags of the set script: `d` when evicted entries are deleted inside it. */
  readonly #flags: string
  /** Reads in two steps (entry and index, then tags): a cluster, or `declaredKeysOnly`. */
  readonly #twoSteps: boolean
  readonly #cluster: boolean
  readonly #listeners = new Set<StoreEvictListener>()
  /** Tag hints by entry key after the prefix (`{<id>:<s>}<id>`); off on a cluster. */
  readonly #hints: TagHints
  readonly #scriptedHints: boolean
  /** Touches queued in this tick, per shard: the touch script's KEYS. */
  #touches: Map<Shard, string[]> | undefined
  /**
   * Whether this view has sent the touch script with `EVAL` (loading it on
   * the server). Until then touches go as `EVAL`: an `EVALSHA` answered
   * NOSCRIPT would be resent after its read resolved, behind commands sent
   * since, and record the use out of order.
   */
  #touchLoaded = false

  constructor(base: RedisStoreBase, commands: Commands, options: BoundOptions, mode: ViewMode) {
    const { id, policy } = options
    const issues: string[] = []
    if (policy.name === 'tinyLfu') {
      issues.push(
        'policy: tinyLfu keeps its frequency sketch in-process only and cannot bound a Redis cache; expected lru, lfu, fifo, mru, rr or tlru',
      )
    } else if (!REDIS_POLICIES.has(policy.name)) {
      issues.push(
        `policy: unknown policy ${JSON.stringify(policy.name)}; expected lru, lfu, fifo, mru, rr or tlru`,
      )
    }
    if (!Number.isSafeInteger(policy.maxSize) || policy.maxSize < 1) {
      issues.push(`policy.maxSize: got ${policy.maxSize}; expected a whole number >= 1`)
    }
    const shards = policy.shards ?? 1
    if (!Number.isSafeInteger(shards) || shards < 1) {
      issues.push(`policy.shards: got ${shards}; expected a whole number >= 1`)
    }
    if (typeof id !== 'string' || id.includes('{') || id.includes('}')) {
      issues.push(`id: got ${JSON.stringify(id)}; expected a string without "{" or "}"`)
    }
    if (issues.length > 0) throw new InvalidOptionsError(commands.driver.name, issues)
    this.name = base.name
    this.policy = policy
    this.#base = base
    this.#commands = commands
    this.#scripts = boundedScripts(policy.name as RedisPolicyName)
    this.#bound = String(Math.ceil(policy.maxSize / shards))
    this.#cluster = mode.cluster
    this.#twoSteps = mode.cluster || mode.declaredKeysOnly
    this.#flags = mode.declaredKeysOnly ? '' : 'd'
    const { prefix, luaPrefix } = commands
    this.#shards = Array.from({ length: shards }, (_, s) => {
      const tag = `{${id}:${s}}`
      return {
        tag,
        index: `${prefix + tag}#i`,
        counter: `${prefix + tag}#c`,
        luaEntries: luaPrefix + tag,
      }
    })
    this.#scriptedHints = mode.scriptedHints
    this.#hints = new TagHints(mode.tagHints, prefix, luaPrefix, mode.scriptedHints)
    const internals: RedisBoundedInternals = {
      keyOf: (key) => this.#viewKey(key),
      readsCount: this.#scripts.readsCount,
      touch: (ids) => this.#touchNow(ids),
    }
    // Not enumerable: a spread or a log of the view shows none of it.
    Object.defineProperty(this, REDIS_BOUNDED_INTERNALS, { value: Object.freeze(internals) })
  }

  #shard(key: string): Shard {
    const shards = this.#shards
    return (shards.length === 1 ? shards[0] : shards[shardHash(key) % shards.length]) as Shard
  }

  /** The key of entry `key` in the base store (its prefix not included). */
  #viewKey(key: string): string {
    return this.#shard(key).tag + key
  }

  get(key: string, record?: KeyRecord): Promise<StoredEntry | undefined> {
    if (this.#hints.enabled) {
      const s = this.#shard(key)
      const hint = this.#hints.get(s.tag + key, record)
      if (hint !== undefined) return this.#hintedGet(hint, s, key, record)
    }
    return this.#unhintedGet(key, record)
  }

  /** A read without a hint (the full script, or two steps); its tag keys remembered. */
  #unhintedGet(key: string, record?: KeyRecord): Promise<StoredEntry | undefined> {
    const read = this.getMany([key]).then((entries) => entries[0])
    if (!this.#hints.enabled) return read
    return read.then((entry) => {
      if (isVerified(entry)) this.#hints.remember(this.#shard(key).tag + key, entry.tags, record)
      return entry
    })
  }

  /**
   * A read with the tag keys the view remembers: the store's own hinted read
   * (a plain `MGET`, or its short script), its bookkeeping sent after it in
   * the same tick (see {@link BoundedRedisStore.#touch}). FIFO and RR, whose
   * reads change nothing, touch only when the read finds nothing.
   */
  #hintedGet(
    hint: TagHint,
    s: Shard,
    key: string,
    record?: KeyRecord,
  ): Promise<StoredEntry | undefined> {
    const counts = this.#scripts.readsCount
    const settle = (reply: unknown) => {
      const { luaPrefix } = this.#commands
      const read = settleHinted(this.#hints, hint, reply, this.#scriptedHints, luaPrefix)
      if (read === REREAD) return this.#unhintedGet(key, record)
      if (read === undefined && !counts) this.#touch(s, hint.entryKey)
      return read
    }
    const reading = this.#commands.driver.call(hint.command, hint.entryKey)
    if (counts) this.#touch(s, hint.entryKey)
    return reading.then(settle, (error: unknown) => {
      if (this.#scriptedHints && error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        const { keys } = hint
        const { lua } = HINTED_GET_SCRIPT
        return this.#commands
          .call(['EVAL', lua, String(keys.length), ...keys], hint.entryKey, 'get')
          .then(settle)
      }
      throw this.#commands.wrap(error, 'get')
    })
  }

  /**
   * Queues the bookkeeping of a hinted read of `entryKey`. The reads of one
   * tick are touched together, one touch script per shard, sent at the end
   * of the tick: pipelined behind the reads (the same round trip), and ahead
   * of any command this process sends once a read has resolved, so that
   * sequential uses are recorded in order. One script for many reads costs
   * Redis far less than a script per read (apps/bench, `pnpm bench bounded`).
   * Not awaited: a failure here fails the reads it goes with, which report it.
   */
  #touch(s: Shard, entryKey: string): void {
    let pending = this.#touches
    if (pending === undefined) {
      pending = new Map()
      this.#touches = pending
      process.nextTick(() => this.#flushTouches())
    }
    const keys = pending.get(s)
    if (keys === undefined) pending.set(s, [s.index, s.counter, entryKey])
    else keys.push(entryKey)
  }

  /**
   * Uses of `ids` read elsewhere (a near cache's local copies, its tracked
   * reads): queued as hinted reads' are, and sent now with whatever this
   * tick had queued, so that they reach Redis ahead of any command the
   * caller sends next (a write that may evict).
   */
  #touchNow(ids: readonly string[]): void {
    if (ids.length === 0) return
    const prefix = this.#commands.prefix
    for (const id of ids) {
      const s = this.#shard(id)
      this.#touch(s, prefix + s.tag + id)
    }
    this.#flushTouches()
  }

  #flushTouches(): void {
    const pending = this.#touches
    this.#touches = undefined
    if (pending === undefined) return
    const script = this.#scripts.touch
    for (const keys of pending.values()) {
      if (this.#touchLoaded) {
        this.#commands.script(script, keys, NO_ARGS, 'get').catch(() => {})
        continue
      }
      this.#touchLoaded = true
      const n = String(keys.length)
      this.#commands.call(['EVAL', script.lua, n, ...keys], keys[0], 'get').catch(() => {
        this.#touchLoaded = false
      })
    }
  }

  async getMany(keys: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    if (keys.length === 0) return []
    const commands = this.#commands
    if (this.#twoSteps) {
      return this.#base.readInTwoSteps(
        keys.map((k) => this.#viewKey(k)),
        (viewKeys) => Promise.all(viewKeys.map((v, i) => this.#read(keys[i] as string, v))),
      )
    }
    const scriptKeys: string[] = []
    for (const key of keys) {
      const s = this.#shard(key)
      scriptKeys.push(s.index, s.counter, commands.prefix + s.tag + key)
    }
    const reply = await commands.script(this.#scripts.get, scriptKeys, keys, 'get')
    return parseGetReply(reply, keys.length, commands.luaPrefix)
  }

  /** The first step of a two-step read of `key` (`viewKey` in the base store). */
  #read(key: string, viewKey: string): Promise<Buffer | null> {
    const s = this.#shard(key)
    const full = this.#commands.prefix + viewKey
    return this.#commands.script(
      this.#scripts.read,
      [s.index, s.counter, full],
      [key],
      'get',
    ) as Promise<Buffer | null>
  }

  async getOrCapture(
    key: string,
    tags: readonly string[],
    candidate: string,
    ttl: number,
  ): Promise<GetOrCaptureResult> {
    if (this.#twoSteps) return readThenCapture(this, this.#base, key, tags, candidate, ttl)
    const { prefix, luaPrefix } = this.#commands
    const s = this.#shard(key)
    const reply = (await this.#commands.script(
      this.#scripts.getOrCapture,
      [s.index, s.counter, prefix + s.tag + key, ...tags.map((t) => prefix + t)],
      [key, candidate, ttlArg(ttl)],
      'get',
    )) as (Buffer | number | null | unknown[])[]
    const first = reply[0]
    if (Buffer.isBuffer(first)) return { entry: verifiedEntry(first, luaPrefix) }
    return capturedReply(reply, tags.length, luaPrefix)
  }

  async set(key: string, write: StoreWrite): Promise<void> {
    const captured = checkedCaptured(this.name, write)
    const commands = this.#commands
    const { prefix, luaPrefix } = commands
    const s = this.#shard(key)
    const full = prefix + s.tag + key
    const run = (
      keys: string[],
      payload: Uint8Array,
      flags: string,
      versions?: readonly string[],
    ) => {
      const args: RedisArg[] = [
        ttlArg(write.ttl),
        versions === undefined ? write.candidate : '',
        asBuffer(payload),
        key,
        s.luaEntries,
        this.#bound,
        flags,
      ]
      if (versions !== undefined) for (const v of versions) args.push(v)
      return commands.script(this.#scripts.set, keys, args, 'set') as Promise<Buffer[]>
    }
    // The entry's slot holds the entry, the index and the counter.
    const keys = [full, s.index, s.counter]
    let evicted: Buffer[]
    if (!this.#cluster) {
      for (const t of write.tags) keys.push(prefix + t)
      evicted = await run(keys, write.value, this.#flags, captured)
    } else {
      // Tags live in other slots: their versions first (or alongside, when
      // captured), the entry encoded here.
      const encoded = (versions: readonly string[]) =>
        encodeEntry(
          write.tags.map((t) => luaPrefix + t),
          versions,
          write.value,
        )
      const flags = `r${this.#flags}`
      if (captured !== undefined) {
        const [reply] = await Promise.all([
          run(keys, encoded(captured), flags),
          this.#base.extendTags(write.tags, write.ttl, 'set'),
        ])
        evicted = reply
      } else {
        const versions = await this.#base.tagVersions(write.tags, write.candidate, write.ttl)
        evicted = await run(keys, encoded(versions), flags)
      }
    }
    this.#hints.remember(s.tag + key, write.tags)
    if (evicted.length > 0) await this.#evicted(s, evicted)
  }

  /** Deletes the entries the set script evicted but left (`declaredKeysOnly`), then reports them. */
  async #evicted(s: Shard, evicted: readonly Buffer[]): Promise<void> {
    const ids = evicted.map((b) => b.toString('latin1'))
    if (this.#flags === '') {
      const keys = ids.map((id) => this.#commands.prefix + s.tag + id)
      await this.#commands.call(['DEL', ...keys], keys[0], 'set')
    }
    const policy = this.policy.name
    for (const id of ids) for (const listener of this.#listeners) listener(id, 'capacity', policy)
  }

  async setMany(writes: readonly StoreWriteWithKey[]): Promise<void> {
    // Issued together: pipelined, one round trip on standalone.
    await Promise.all(writes.map((w) => this.set(w.key, w)))
  }

  async delete(key: string): Promise<boolean> {
    const s = this.#shard(key)
    this.#hints.delete(s.tag + key)
    const full = this.#commands.prefix + s.tag + key
    const n = await this.#commands.script(BOUNDED_DELETE_SCRIPT, [s.index, full], [key], 'delete')
    return (n as number) > 0
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    const deleted = await Promise.all(keys.map((k) => this.delete(k)))
    return deleted.filter(Boolean).length
  }

  tagVersions(tags: readonly string[], candidate: string, ttl: number): Promise<string[]> {
    return this.#base.tagVersions(tags, candidate, ttl)
  }

  invalidate(tags: readonly string[], version: string, ttl: number): Promise<void> {
    return this.#base.invalidate(tags, version, ttl)
  }

  ttl(key: string): Promise<number | undefined> {
    return this.#base.ttl(this.#viewKey(key))
  }

  expire(key: string, ttl: number): Promise<boolean> {
    return this.#base.expire(this.#viewKey(key), ttl)
  }

  /** The store's soft invalidation: tag versions are not the bounded cache's. */
  expireTags(tags: readonly string[], version: string, ttl: number): Promise<void> {
    return this.#base.expireTags(tags, version, ttl)
  }

  /** The store's {@link Store.awaitUnlock}, when it has one. */
  get awaitUnlock(): ((key: string, ms: number) => Promise<boolean>) | undefined {
    return this.#base.awaitUnlock
  }

  /** The store's lock: a lock is not an entry of the bounded cache. */
  lock(key: string, owner: string, ttl: number): Promise<boolean> {
    return this.#base.lock(key, owner, ttl)
  }

  unlock(key: string, owner: string): Promise<void> {
    return this.#base.unlock(key, owner)
  }

  /** Capacity evictions of writes made through this view, in this process. */
  onEvict(listener: StoreEvictListener): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /** `UNLINK` of every shard's index and counter, sent together (one round trip on standalone). */
  async dropIndex(): Promise<void> {
    await Promise.all(
      this.#shards.map((s) =>
        this.#commands.call(['UNLINK', s.index, s.counter], s.index, 'dropIndex'),
      ),
    )
  }
}
