import type {
  BoundedStore,
  BoundOptions,
  GetOrCaptureResult,
  KeyRecord,
  Store,
  StoredEntry,
  StoreWrite,
  StoreWriteWithKey,
} from '@tagcache/core'
import { BoundedRedisStore } from './bounded-store.js'
import { type Commands, ttlArg } from './commands.js'
import { isVerified, readEntry, tagsToRead, unreadable } from './entries.js'
import { DELETE_IF_SCRIPT, TAGS_SCRIPT, UNLOCK_SCRIPT } from './scripts/index.js'
import type { TagHints } from './tag-hints.js'
import { UnlockListener } from './unlock-listener.js'

/** Ends a lock key: `%` followed by `l` is no escape core writes, so no id ends so. */
const LOCK_SUFFIX = '%lock'

/**
 * What the standalone and the cluster store share: the operations that are
 * the same commands on both (one per key on a cluster), and the reads that
 * name every key they touch, in two steps (the entry, then its tags' versions).
 */
export abstract class RedisStoreBase implements Store {
  readonly name: string
  protected readonly commands: Commands
  /** The store's tag hints (off on a cluster). */
  protected abstract readonly hints: TagHints
  readonly #cluster: boolean
  /** Scripts touch only keys given in KEYS (option `declaredKeysOnly`; a cluster reads in two steps anyway). */
  readonly #declaredKeysOnly: boolean
  /** The `tagHints` option (0 on a cluster): each bounded view remembers as many. */
  readonly #tagHints: number

  /** Hears lock releases, when the driver can subscribe. */
  readonly #unlocks: UnlockListener | undefined

  constructor(commands: Commands, declaredKeysOnly = false, tagHints = 0) {
    this.name = commands.driver.name
    this.commands = commands
    this.#cluster = commands.driver.cluster
    this.#declaredKeysOnly = declaredKeysOnly
    this.#tagHints = tagHints
    if (typeof commands.driver.subscribe === 'function') {
      // One channel per store prefix (as Redis sees it): releases of this store's locks only.
      const unlocks = new UnlockListener(commands.driver, `${commands.luaPrefix}%unlocked`)
      const luaPrefix = commands.luaPrefix
      this.#unlocks = unlocks
      this.awaitUnlock = (key, ms) => unlocks.wait(luaPrefix + key + LOCK_SUFFIX, ms)
    }
  }

  /**
   * A view whose entries form one bounded cache, evicted by `policy` in the
   * same Lua call as each read and write (see {@link BoundedRedisStore}).
   * @throws InvalidOptionsError for `tinyLfu` (in-process only) or an id with `{`, `}`.
   */
  bounded(options: BoundOptions): BoundedStore {
    return new BoundedRedisStore(this, this.commands, options, {
      cluster: this.#cluster,
      declaredKeysOnly: this.#declaredKeysOnly,
      tagHints: this.#cluster ? 0 : this.#tagHints,
      scriptedHints: this.commands.driver.hintedReads !== 'mget',
    })
  }

  abstract get(key: string, record?: KeyRecord): Promise<StoredEntry | undefined>
  abstract getMany(keys: readonly string[]): Promise<(StoredEntry | undefined)[]>
  abstract set(key: string, write: StoreWrite): Promise<void>
  abstract expire(key: string, ttl: number): Promise<boolean>
  /**
   * Extends the ttls of existing tag versions to at least `ttl` (never creates one).
   * @internal Also used by the store's bounded views.
   */
  abstract extendTags(tags: readonly string[], ttl: number, operation: string): Promise<unknown>

  /** A read, then a capture of the tags' versions if the read found nothing to serve. */
  async getOrCapture(
    key: string,
    tags: readonly string[],
    candidate: string,
    ttl: number,
  ): Promise<GetOrCaptureResult> {
    return readThenCapture(this, this, key, tags, candidate, ttl)
  }

  async setMany(writes: readonly StoreWriteWithKey[]): Promise<void> {
    // Issued together: pipelined, one round trip on standalone.
    await Promise.all(writes.map((w) => this.set(w.key, w)))
  }

  async delete(key: string): Promise<boolean> {
    this.hints.delete(key)
    const full = this.commands.prefix + key
    return ((await this.commands.call(['DEL', full], full, 'delete')) as number) > 0
  }

  /**
   * Deletes `key`'s entry only if it still holds the bytes `entry` was read
   * from (one script: compare and delete), so that core's lazy removal of an
   * entry it cannot serve never removes another process's newer write. An
   * entry read without its bytes (a script's bare "not servable") is left
   * to expire.
   */
  async deleteIfUnchanged(key: string, entry: StoredEntry): Promise<boolean> {
    const raw = (entry as { raw?: unknown }).raw
    if (!Buffer.isBuffer(raw)) return false
    this.hints.delete(key)
    const full = this.commands.prefix + key
    return (await this.commands.script(DELETE_IF_SCRIPT, [full], [raw], 'delete')) === 1
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0
    const full = keys.map((k) => this.commands.prefix + k)
    for (const k of keys) this.hints.delete(k)
    if (!this.#cluster) {
      return (await this.commands.call(['DEL', ...full], full[0], 'deleteMany')) as number
    }
    const counts = await Promise.all(
      full.map((k) => this.commands.call(['DEL', k], k, 'deleteMany') as Promise<number>),
    )
    return counts.reduce((a, b) => a + b, 0)
  }

  async tagVersions(tags: readonly string[], candidate: string, ttl: number): Promise<string[]> {
    if (tags.length === 0) return []
    const args = ['ensure', candidate, ttlArg(ttl)]
    const prefix = this.commands.prefix
    const run = async (group: readonly string[]) =>
      (
        (await this.commands.script(
          TAGS_SCRIPT,
          group.map((t) => prefix + t),
          args,
          'tagVersions',
        )) as Buffer[]
      ).map((b) => b.toString('latin1'))
    if (!this.#cluster) return run(tags)
    return (await Promise.all(tags.map((t) => run([t])))).flat()
  }

  /**
   * Soft invalidation: each tag's version becomes the soft version of
   * `version` (the TAGS script's `soften`), atomically per tag; one script
   * (one per tag on a cluster), O(1) per tag.
   */
  async expireTags(tags: readonly string[], version: string, ttl: number): Promise<void> {
    if (tags.length === 0) return
    const args = ['soften', version, ttlArg(ttl)]
    const prefix = this.commands.prefix
    const run = (group: readonly string[]) =>
      this.commands.script(
        TAGS_SCRIPT,
        group.map((t) => prefix + t),
        args,
        'expireTags',
      )
    if (!this.#cluster) await run(tags)
    else await Promise.all(tags.map((t) => run([t])))
  }

  async invalidate(tags: readonly string[], version: string, ttl: number): Promise<void> {
    // One SET per tag, all sent together: O(1) per tag, nothing scanned.
    await Promise.all(
      tags.map((t) => {
        const key = this.commands.prefix + t
        const args = Number.isFinite(ttl)
          ? ['SET', key, version, 'PX', ttlArg(ttl)]
          : ['SET', key, version]
        return this.commands.call(args, key, 'invalidate')
      }),
    )
  }

  /**
   * `SET <prefix><key>%lock owner NX PX ttl`. Ids never end in `%lock` (core
   * escapes `%` as `%25`), so the lock key collides with no entry, tag or
   * index key. It is a key of its own, sent to its own slot on a cluster.
   */
  async lock(key: string, owner: string, ttl: number): Promise<boolean> {
    const full = this.commands.prefix + key + LOCK_SUFFIX
    const reply = await this.commands.call(
      ['SET', full, owner, 'NX', 'PX', ttlArg(ttl)],
      full,
      'lock',
    )
    return reply !== null
  }

  /**
   * Deletes the lock key only if it holds `owner` (one script: compare and
   * delete), and then publishes the release for waiters (see {@link awaitUnlock}).
   */
  async unlock(key: string, owner: string): Promise<void> {
    const full = this.commands.prefix + key + LOCK_SUFFIX
    const channel = this.#unlocks?.channel ?? ''
    await this.commands.script(UNLOCK_SCRIPT, [full], [owner, channel], 'unlock')
  }

  /**
   * Present when the driver can subscribe: resolves `true` when the lock of
   * `key` is released (the holder's `unlock` publishes it), `false` after
   * `ms`. The first call opens the store's own subscribed connection
   * (closed by `close()`).
   */
  readonly awaitUnlock?: (key: string, ms: number) => Promise<boolean>

  /** Closes what the store opened itself: the connection that hears lock releases, if any. */
  async close(): Promise<void> {
    await this.#unlocks?.close()
  }

  async ttl(key: string): Promise<number | undefined> {
    const full = this.commands.prefix + key
    const ms = (await this.commands.call(['PTTL', full], full, 'ttl')) as number
    if (ms === -2) return undefined
    return ms === -1 ? Number.POSITIVE_INFINITY : ms
  }

  /**
   * Reads entries, then the versions of the tags they name, each step one
   * `MGET` (one per key on a cluster): two round trips, and no command
   * touches a key it does not name. Not atomic, and need not be: versions are
   * never reused, so a version read after the entry that equals the stored
   * one was current when the entry was read, too.
   *
   * @param fetch - Reads the entries (`keys` are as given, unprefixed); a
   *   bounded view's keeps its index in step. Default: one `MGET`.
   * @internal Also used by the store's bounded views.
   */
  async readInTwoSteps(
    keys: readonly string[],
    fetch?: (keys: readonly string[]) => Promise<(Buffer | null)[]>,
  ): Promise<(StoredEntry | undefined)[]> {
    const { prefix, luaPrefix } = this.commands
    const raws = await (fetch === undefined
      ? this.commands.mget(
          keys.map((k) => prefix + k),
          'get',
        )
      : fetch(keys))
    const reads = raws.map((raw) => (raw === null ? undefined : tagsToRead(raw, luaPrefix)))
    const tagKeys: string[] = []
    for (const read of reads)
      if (read !== undefined) for (const t of read.tags) tagKeys.push(prefix + t)
    const current = await this.commands.mget(tagKeys, 'get')
    let at = 0
    return raws.map((raw, i) => {
      if (raw === null) return undefined
      const read = reads[i]
      if (read === undefined) return unreadable(raw)
      const k = read.tags.length
      const entry = readEntry(raw, luaPrefix, current, at, k, read.versionsAt)
      at += k
      return entry
    })
  }

  /** `expire` in two steps: read the entry's tag keys, then extend them and the entry. */
  protected async expireInTwoSteps(key: string, ttl: number): Promise<boolean> {
    const full = this.commands.prefix + key
    const [raw] = await this.commands.mget([full], 'expire')
    if (raw == null) return false
    const read = tagsToRead(raw, this.commands.luaPrefix)
    const extended = read === undefined ? undefined : this.extendTags(read.tags, ttl, 'expire')
    // Tags first (rule 1: a tag version outlives its entries). Standalone runs
    // commands in the order sent; a cluster spreads them over nodes, so wait.
    if (this.#cluster) await extended
    const expired = Number.isFinite(ttl)
      ? this.commands.call(['PEXPIRE', full, ttlArg(ttl)], full, 'expire')
      : this.commands.call(['PERSIST', full], full, 'expire').then(() => 1)
    const [, reply] = await Promise.all([extended, expired])
    return reply === 1
  }
}

/**
 * `getOrCapture` in two steps: `reader`'s read of `key`, then, when it found
 * nothing servable, `tags`' versions captured from `store`.
 */
export async function readThenCapture(
  reader: Pick<Store, 'get'>,
  store: Pick<Store, 'tagVersions'>,
  key: string,
  tags: readonly string[],
  candidate: string,
  ttl: number,
): Promise<GetOrCaptureResult> {
  const entry = await reader.get(key)
  if (isVerified(entry)) return { entry }
  return { entry, captured: await store.tagVersions(tags, candidate, ttl) }
}
