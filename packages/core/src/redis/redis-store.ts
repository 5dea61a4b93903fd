import { z } from 'zod'
import { StoreError } from '../errors.js'
import { validateOptions } from '../options.js'
import type {
  GetOrCaptureResult,
  Store,
  StoredEntry,
  StoreWrite,
  StoreWriteWithKey,
} from '../store.js'
import { decodeEntry, encodeEntry } from './entry-format.js'
import {
  EXPIRE_SCRIPT,
  GET_OR_CAPTURE_SCRIPT,
  GET_SCRIPT,
  HINTED_GET_SCRIPT,
  type LuaScript,
  SET_SCRIPT,
  TAGS_SCRIPT,
} from './scripts.js'

/** An argument of a Redis command: binary data always arrives as a `Buffer`. */
export type RedisArg = string | Buffer

/**
 * The little a Redis client must offer to back a tagcache Store. Adapters
 * (`@tagcache/ioredis`, `@tagcache/node-redis`) implement it over their driver.
 *
 * @experimental
 */
export interface RedisDriver {
  /** Name used in errors, e.g. `'ioredis'`. */
  readonly name: string
  /** True for a Redis Cluster client: multi-key work is then split per key. */
  readonly cluster: boolean
  /**
   * A prefix the driver itself adds to every key it sends (ioredis
   * `keyPrefix`), so that keys built inside Lua can add it too. `''` if none.
   */
  readonly driverPrefix: string
  /**
   * How to read an entry whose tag keys the store remembers (see
   * {@link RedisStoreOptions.tagHints}); both are one round trip, atomic, and
   * far cheaper for Redis than the full Lua read. `'mget'`: one plain `MGET`
   * of the entry and its tag versions, compared in JavaScript. `'script'`: a
   * short script does that `MGET` and the comparison in Redis and replies with
   * one bulk string, for clients that pay much per reply element. Measured in
   * apps/bench: node-redis is fastest with `'mget'`, ioredis with `'script'`.
   * @default 'script'
   */
  readonly hintedReads?: 'mget' | 'script'
  /**
   * Sends one command. Bulk strings must come back as `Buffer`s (binary safe),
   * arrays as arrays, nil as `null`. `key` is the first key of the command,
   * for cluster routing. Commands issued without awaiting each other must be
   * pipelined (sent without waiting for replies).
   */
  call(args: readonly RedisArg[], key?: string): Promise<unknown>
}

/** Options of a Redis-backed store. */
export interface RedisStoreOptions {
  /**
   * Prefix of every key the store writes. Keep it free of `{`/`}` unless
   * you mean to pin every key to one cluster slot.
   * @default 'tagcache:'
   */
  prefix?: string
  /**
   * How many entries' tag keys the store remembers, on standalone Redis. An
   * entry whose tag keys are known (from its last read or write) is read
   * with one `MGET` of the entry and its tag versions (plain with
   * node-redis, inside a short script with ioredis), which costs Redis a
   * fraction of the full Lua read that parses the tag keys out of the entry.
   * A remembered guess is always checked against the entry's own tag keys.
   * `0` always uses the full Lua read. About 300 bytes each.
   * @default 20_000
   */
  tagHints?: number
}

const optionsSchema = z.strictObject({
  prefix: z.string().optional(),
  tagHints: z.number().int().min(0).optional(),
})

/**
 * A map bounded to about `max` entries without per-read bookkeeping: writes
 * go to a young generation; when it is full the old one is dropped and the
 * young one becomes old. Reads that hit the old generation promote the entry,
 * so entries in use survive (an approximation of LRU).
 */
class TwoGenerations<V> {
  #young = new Map<string, V>()
  #old = new Map<string, V>()
  readonly #half: number

  constructor(max: number) {
    this.#half = Math.max(1, Math.ceil(max / 2))
  }

  get(key: string): V | undefined {
    const young = this.#young.get(key)
    if (young !== undefined) return young
    const old = this.#old.get(key)
    if (old !== undefined) this.set(key, old)
    return old
  }

  set(key: string, value: V): void {
    if (this.#young.size >= this.#half) {
      this.#old = this.#young
      this.#young = new Map()
    }
    this.#young.set(key, value)
  }

  delete(key: string): void {
    this.#young.delete(key)
    this.#old.delete(key)
  }
}

/** Tag keys an entry was last seen with: as sent by the driver, and as stored in the entry. */
interface TagHint {
  /** `MGET <entry key> <tag keys...>`, or the hinted script's `EVALSHA`, ready to send. */
  readonly command: readonly string[]
  /** The entry key and its tag keys, as sent. */
  readonly keys: readonly string[]
  /** The tag keys as the entry stores them, to check the guess byte for byte. */
  readonly section: Buffer
}

/** The GET script's reply: per key `null` (absent), `0` (not servable) or the entry. */
type ScriptReply = (Buffer | number | null)[]

/**
 * What a read returns for an entry the script found not servable: a version
 * that is not current, so core counts a miss and removes the entry.
 */
const STALE: StoredEntry = Object.freeze({
  value: new Uint8Array(0),
  tags: Object.freeze(['']),
  versions: Object.freeze(['']),
  current: Object.freeze([null]),
})
const NO_ARGS: readonly RedisArg[] = []

/**
 * A {@link Store} over any Redis client, given a {@link RedisDriver}.
 * Standalone: every operation is one round trip (Lua via EVALSHA, reloaded
 * on NOSCRIPT, or commands pipelined together). Cluster: keys stay
 * single-slot; a tagged read or write takes at most two round trips, with
 * the per-key commands of each step sent in parallel.
 *
 * @experimental
 */
export function createRedisStore(driver: RedisDriver, options: RedisStoreOptions = {}): Store {
  const o = validateOptions(driver.name, optionsSchema, options)
  const hints = driver.cluster ? 0 : (o.tagHints ?? 20_000)
  return new RedisStore(driver, o.prefix ?? 'tagcache:', hints, driver.hintedReads !== 'mget')
}

class RedisStore implements Store {
  readonly name: string
  readonly capabilities = { distributed: true } as const
  readonly #driver: RedisDriver
  readonly #prefix: string
  /** Prefix of keys built inside Lua, which the driver cannot prefix. */
  readonly #luaPrefix: string

  /**
   * Entry key -> the tag keys its entry was last seen with. A hint is only a
   * guess: a read checks it against the entry's own tag keys, byte for byte.
   */
  readonly #hints: TwoGenerations<TagHint>
  readonly #maxHints: number
  /** Hinted reads run {@link HINTED_GET_SCRIPT} rather than a plain MGET. */
  readonly #scriptedHints: boolean

  constructor(driver: RedisDriver, prefix: string, maxHints: number, scriptedHints: boolean) {
    this.#maxHints = maxHints
    this.#scriptedHints = scriptedHints
    this.#hints = new TwoGenerations(maxHints)
    this.name = driver.name
    this.#driver = driver
    this.#prefix = prefix
    this.#luaPrefix = driver.driverPrefix + prefix
  }

  get(key: string): Promise<StoredEntry | undefined> {
    if (this.#driver.cluster) return this.#clusterGet(key)
    // Hints are keyed by core's id, not the prefixed key: core hands the same
    // (memoized) string for a key, whose hash is already computed.
    const hint = this.#maxHints > 0 ? this.#hints.get(key) : undefined
    if (hint !== undefined) return this.#hintedGet(key, hint)
    return this.#scriptGet(key)
  }

  #scriptGet(key: string): Promise<StoredEntry | undefined> {
    return this.#script(GET_SCRIPT, [this.#prefix + key], NO_ARGS, 'get').then((reply) => {
      const entry = this.#parse(reply as ScriptReply, 1)[0]
      if (entry !== undefined && this.#maxHints > 0) this.#remember(key, entry.tags)
      return entry
    })
  }

  /**
   * One `MGET` of the entry and the tag keys it had last time: one plain
   * command, atomic like the script. If the entry's own tag keys differ from
   * the hint (rewritten with other tags), the versions read are not its
   * versions: fall back to the Lua read.
   */
  #hintedGet(key: string, hint: TagHint): Promise<StoredEntry | undefined> {
    if (this.#scriptedHints) return this.#scriptedHintedGet(key, hint)
    return this.#driver.call(hint.command, hint.keys[0]).then(
      (reply) => {
        const values = reply as (Buffer | null)[]
        const raw = values[0] ?? null
        if (raw === null) {
          this.#hints.delete(key)
          return undefined
        }
        const k = hint.keys.length - 1
        if (!matchesHint(raw, k, hint.section)) {
          this.#hints.delete(key)
          return this.#scriptGet(key)
        }
        return readEntry(raw, this.#luaPrefix, values, 1, k, 3 + hint.section.length)
      },
      (error: unknown) => {
        throw this.#wrap(error, 'get')
      },
    )
  }

  /**
   * The hinted script: Redis compares the versions of the guessed tag keys;
   * the entry comes back bare (all current) or in an array (not servable),
   * and either way is checked against the guess here.
   */
  #scriptedHintedGet(key: string, hint: TagHint): Promise<StoredEntry | undefined> {
    return this.#script(HINTED_GET_SCRIPT, hint.keys, NO_ARGS, 'get', hint.command).then((reply) =>
      this.#hintedReply(key, hint, reply),
    )
  }

  #hintedReply(
    key: string,
    hint: TagHint,
    reply: unknown,
  ): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    const current = Buffer.isBuffer(reply)
    const raw = current ? reply : Array.isArray(reply) ? (reply[0] as unknown) : null
    if (!Buffer.isBuffer(raw)) {
      this.#hints.delete(key)
      return undefined
    }
    if (!matchesHint(raw, hint.keys.length - 1, hint.section)) {
      // Rewritten with other tags: the versions compared were not its own.
      this.#hints.delete(key)
      return this.#scriptGet(key)
    }
    return current ? verifiedEntry(raw, this.#luaPrefix) : STALE
  }

  #remember(key: string, tags: readonly string[]): void {
    if (tags.length === 0) return
    const luaKeys = tags.map((t) => this.#luaPrefix + t)
    const keys = [this.#prefix + key, ...tags.map((t) => this.#prefix + t)]
    this.#hints.set(key, {
      command: this.#scriptedHints
        ? ['EVALSHA', HINTED_GET_SCRIPT.sha, String(keys.length), ...keys]
        : ['MGET', ...keys],
      keys,
      section: Buffer.from(`${luaKeys.join('\0')}\0`, 'utf8'),
    })
  }

  async getOrCapture(
    key: string,
    tags: readonly string[],
    candidate: string,
    ttl: number,
  ): Promise<GetOrCaptureResult> {
    // A cluster spreads the entry and its tags over slots: no one script sees
    // them all, so the capture follows the read (the round trips core would spend).
    if (this.#driver.cluster) {
      const entry = await this.#clusterGet(key)
      if (entry !== undefined && servable(entry)) return { entry }
      return { entry, captured: await this.tagVersions(tags, candidate, ttl) }
    }
    const full = this.#prefix + key
    const hint = this.#maxHints > 0 ? this.#hints.get(key) : undefined
    if (hint !== undefined) {
      // A hit through the hinted read needs no capture; anything else goes to the script.
      const entry = await this.#hintedGet(key, hint)
      if (entry !== undefined && servable(entry)) return { entry }
    }
    const reply = (await this.#script(
      GET_OR_CAPTURE_SCRIPT,
      [full, ...tags.map((t) => this.#prefix + t)],
      [candidate, ttlArg(ttl)],
      'get',
    )) as ScriptReply
    const first = reply[0]
    if (Buffer.isBuffer(first)) {
      const entry = verifiedEntry(first, this.#luaPrefix)
      if (this.#maxHints > 0 && entry !== STALE) this.#remember(key, entry.tags)
      return { entry }
    }
    const captured: string[] = new Array(tags.length)
    for (let i = 0; i < tags.length; i++) {
      captured[i] = (reply[i + 1] as Buffer).toString('latin1')
    }
    return { entry: first === 0 ? STALE : undefined, captured }
  }

  async getMany(keys: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    if (keys.length === 0) return []
    if (this.#driver.cluster) return this.#clusterGetMany(keys)
    const reply = await this.#script(
      GET_SCRIPT,
      keys.map((k) => this.#prefix + k),
      NO_ARGS,
      'getMany',
    )
    return this.#parse(reply as ScriptReply, keys.length)
  }

  async set(key: string, write: StoreWrite): Promise<void> {
    if (this.#driver.cluster) return this.#clusterSet(key, write)
    const full = this.#prefix + key
    await this.#script(
      SET_SCRIPT,
      [full, ...write.tags.map((t) => this.#prefix + t)],
      this.#setArgs(write),
      'set',
    )
    if (this.#maxHints > 0) this.#remember(key, write.tags)
  }

  async setMany(writes: readonly StoreWriteWithKey[]): Promise<void> {
    // Issued together: pipelined, one round trip on standalone.
    await Promise.all(writes.map((w) => this.set(w.key, w)))
  }

  async delete(key: string): Promise<boolean> {
    this.#hints.delete(key)
    return (
      ((await this.#call(['DEL', this.#prefix + key], this.#prefix + key, 'delete')) as number) > 0
    )
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0
    const full = keys.map((k) => this.#prefix + k)
    for (const k of keys) this.#hints.delete(k)
    if (!this.#driver.cluster)
      return (await this.#call(['DEL', ...full], full[0], 'deleteMany')) as number
    const counts = await Promise.all(
      full.map((k) => this.#call(['DEL', k], k, 'deleteMany') as Promise<number>),
    )
    return counts.reduce((a, b) => a + b, 0)
  }

  async tagVersions(tags: readonly string[], candidate: string, ttl: number): Promise<string[]> {
    if (tags.length === 0) return []
    const args = ['ensure', candidate, ttlArg(ttl)]
    const run = async (group: readonly string[]) =>
      (
        (await this.#script(
          TAGS_SCRIPT,
          group.map((t) => this.#prefix + t),
          args,
          'tagVersions',
        )) as Buffer[]
      ).map((b) => b.toString('latin1'))
    if (!this.#driver.cluster) return run(tags)
    return (await Promise.all(tags.map((t) => run([t])))).flat()
  }

  async invalidate(tags: readonly string[], version: string, ttl: number): Promise<void> {
    // One SET per tag, all sent together: O(1) per tag, nothing scanned.
    await Promise.all(
      tags.map((t) => {
        const key = this.#prefix + t
        const args = Number.isFinite(ttl)
          ? ['SET', key, version, 'PX', ttlArg(ttl)]
          : ['SET', key, version]
        return this.#call(args, key, 'invalidate')
      }),
    )
  }

  async ttl(key: string): Promise<number | undefined> {
    const full = this.#prefix + key
    const ms = (await this.#call(['PTTL', full], full, 'ttl')) as number
    if (ms === -2) return undefined
    return ms === -1 ? Number.POSITIVE_INFINITY : ms
  }

  async expire(key: string, ttl: number): Promise<boolean> {
    const full = this.#prefix + key
    if (!this.#driver.cluster) {
      return (await this.#script(EXPIRE_SCRIPT, [full], [ttlArg(ttl)], 'expire')) === 1
    }
    const raw = (await this.#call(['GET', full], full, 'expire')) as Buffer | null
    if (raw === null) return false
    const entry = this.#decode(raw)
    await this.#extendTags(entry.tags, ttl)
    const reply = Number.isFinite(ttl)
      ? await this.#call(['PEXPIRE', full, ttlArg(ttl)], full, 'expire')
      : await this.#call(['PERSIST', full], full, 'expire').then(() => 1)
    return reply === 1
  }

  // ------------------------------------------------------------ cluster

  /** GET the entries, then GET their tags' versions, each step in parallel: two round trips. */
  async #clusterGetMany(keys: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    const raws = await Promise.all(
      keys.map((key) => {
        const full = this.#prefix + key
        return this.#call(['GET', full], full, 'get') as Promise<Buffer | null>
      }),
    )
    const entries = raws.map((raw) => (raw === null ? undefined : this.#decode(raw)))
    return Promise.all(
      entries.map(async (entry) => {
        if (entry === undefined) return undefined
        const current = await Promise.all(
          entry.tags.map(async (t) => {
            const tagKey = this.#prefix + t
            // MGET, not GET: a version key of another type (another program's
            // hash...) reads as missing instead of failing the read.
            const [v] = (await this.#call(['MGET', tagKey], tagKey, 'get')) as (Buffer | null)[]
            return v == null ? null : v.toString('latin1')
          }),
        )
        return { value: entry.value, tags: entry.tags, versions: entry.versions, current }
      }),
    )
  }

  async #clusterGet(key: string): Promise<StoredEntry | undefined> {
    const [entry] = await this.#clusterGetMany([key])
    return entry
  }

  /**
   * Captured versions: write the entry and extend the tags in parallel (one
   * round trip). Otherwise: ensure the tags' versions, then write (two).
   */
  async #clusterSet(key: string, write: StoreWrite): Promise<void> {
    const full = this.#prefix + key
    const setEntry = (versions: readonly string[]) => {
      const tagKeys = write.tags.map((t) => this.#luaPrefix + t)
      const bytes = encodeEntry(tagKeys, versions, write.value)
      const args: RedisArg[] = Number.isFinite(write.ttl)
        ? ['SET', full, bytes, 'PX', ttlArg(write.ttl)]
        : ['SET', full, bytes]
      return this.#call(args, full, 'set')
    }
    if (write.captured !== undefined) {
      await Promise.all([setEntry(write.captured), this.#extendTags(write.tags, write.ttl)])
      return
    }
    const versions = await this.tagVersions(write.tags, write.candidate, write.ttl)
    await setEntry(versions)
  }

  async #extendTags(tags: readonly string[], ttl: number): Promise<void> {
    const args = ['extend', '', ttlArg(ttl)]
    await Promise.all(tags.map((t) => this.#script(TAGS_SCRIPT, [this.#prefix + t], args, 'set')))
  }

  // ------------------------------------------------------------ helpers

  #setArgs(write: StoreWrite): RedisArg[] {
    const args: RedisArg[] = [
      ttlArg(write.ttl),
      write.captured === undefined ? write.candidate : '',
      asBuffer(write.value),
    ]
    if (write.captured !== undefined) {
      if (write.captured.length !== write.tags.length) {
        throw new TypeError(
          `[tagcache] [${this.name}] ${write.captured.length} captured versions for ${write.tags.length} tags; expected one per tag`,
        )
      }
      args.push(...write.captured)
    }
    return args
  }

  /** The GET script's reply, one element per key. */
  #parse(reply: ScriptReply, count: number): (StoredEntry | undefined)[] {
    const out: (StoredEntry | undefined)[] = new Array(count)
    for (let i = 0; i < count; i++) {
      const item = reply[i]
      if (item === null || item === undefined) out[i] = undefined
      else if (typeof item === 'number') out[i] = STALE
      else out[i] = verifiedEntry(item, this.#luaPrefix)
    }
    return out
  }

  /**
   * Entry bytes to tag ids (prefix removed), versions and payload. Bytes not in
   * the entry format, or tag keys outside this store's prefix (another program
   * or another prefix wrote this key), come back without tags, which core
   * refuses: a miss, never garbage.
   */
  #decode(raw: Buffer): { tags: string[]; versions: string[]; value: Uint8Array } {
    const entry = decodeEntry(raw)
    const prefix = this.#luaPrefix
    if (entry === undefined || !entry.tagKeys.every((k) => k.startsWith(prefix))) {
      return { tags: [], versions: [], value: raw }
    }
    return {
      tags: entry.tagKeys.map((k) => k.slice(prefix.length)),
      versions: entry.versions,
      value: entry.value,
    }
  }

  /** `EVALSHA` of `script` (`prebuilt`: that command, built ahead), `EVAL` after NOSCRIPT. */
  #script(
    script: LuaScript,
    keys: readonly string[],
    args: readonly RedisArg[],
    operation: string,
    prebuilt?: readonly RedisArg[],
  ): Promise<unknown> {
    const n = String(keys.length)
    let command = prebuilt
    if (command === undefined) {
      const built: RedisArg[] = ['EVALSHA', script.sha, n]
      for (const key of keys) built.push(key)
      for (const arg of args) built.push(arg)
      command = built
    }
    return this.#driver.call(command, keys[0]).catch((error: unknown) => {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        // First use on this server (or after SCRIPT FLUSH / failover): EVAL loads it.
        return this.#call(['EVAL', script.lua, n, ...keys, ...args], keys[0], operation)
      }
      throw this.#wrap(error, operation)
    })
  }

  #call(args: readonly RedisArg[], key: string | undefined, operation: string): Promise<unknown> {
    return this.#driver.call(args, key).catch((error: unknown) => {
      throw this.#wrap(error, operation)
    })
  }

  #wrap(error: unknown, operation: string): StoreError {
    if (error instanceof StoreError) return error
    const message = error instanceof Error ? error.message : String(error)
    return new StoreError(
      `[tagcache] [${this.name}] ${operation} failed: ${message}; expected Redis to accept the command (is the server reachable and the user allowed on keys ${JSON.stringify(`${this.#prefix}*`)}?)`,
      { cause: error },
    )
  }
}

/** Whether entry bytes carry exactly the k tag keys of a hint's section. */
function matchesHint(raw: Buffer, k: number, section: Buffer): boolean {
  const end = 3 + section.length
  return (
    raw.length >= end &&
    raw[0] === 2 &&
    raw.readUInt16BE(1) === k &&
    raw.compare(section, 0, section.length, 3, end) === 0
  )
}

/** Every stored version still current (what core checks, for a hinted read). */
function servable(entry: StoredEntry): boolean {
  if (entry.verified === true) return true
  const { versions, current } = entry
  if (versions.length === 0 || versions.length !== current.length) return false
  for (let i = 0; i < versions.length; i++) if (current[i] !== versions[i]) return false
  return true
}

/** Tag ids of entry bytes, the store's prefix removed; decoded only when asked for. */
function tagIdsOf(raw: Buffer, prefix: string): string[] {
  const keys = decodeEntry(raw)?.tagKeys ?? []
  return keys.map((key) => (key.startsWith(prefix) ? key.slice(prefix.length) : key))
}

/**
 * A read entry. Core needs only versions and payload on the read path, so the
 * tag ids are decoded on first access.
 */
class ReadEntry implements StoredEntry {
  #tags: string[] | undefined
  constructor(
    readonly value: Uint8Array,
    readonly versions: readonly string[],
    readonly current: readonly (string | null)[],
    readonly raw: Buffer,
    readonly prefix: string,
  ) {}

  get tags(): readonly string[] {
    this.#tags ??= tagIdsOf(this.raw, this.prefix)
    return this.#tags
  }
}

/**
 * An entry the GET script verified against the current versions. Its versions
 * (which are also the current ones) and tag ids are decoded on first access:
 * core does not need them to serve a verified entry.
 */
class VerifiedEntry implements StoredEntry {
  readonly verified = true
  #versions: string[] | undefined
  #tags: string[] | undefined
  constructor(
    readonly value: Uint8Array,
    readonly raw: Buffer,
    readonly prefix: string,
  ) {}

  get versions(): readonly string[] {
    if (this.#versions === undefined) this.#versions = decodeEntry(this.raw)?.versions ?? []
    return this.#versions
  }

  get current(): readonly (string | null)[] {
    return this.versions
  }

  get tags(): readonly string[] {
    this.#tags ??= tagIdsOf(this.raw, this.prefix)
    return this.#tags
  }
}

/** A verified entry's payload starts after 2k NUL-terminated fields. */
function verifiedEntry(raw: Buffer, prefix: string): StoredEntry {
  if (raw.length < 3 || raw[0] !== 2) return STALE
  let pos = 3
  for (let i = 2 * raw.readUInt16BE(1); i > 0; i--) {
    const z = raw.indexOf(0, pos)
    if (z === -1) return STALE
    pos = z + 1
  }
  return new VerifiedEntry(raw.subarray(pos), raw, prefix)
}

/**
 * Versions and payload of entry bytes whose header and k tag keys the caller
 * has checked; the versions start at `versionsAt`, the current ones at
 * `reply[at]`. Bytes cut short come back without versions, which core
 * refuses: a miss, never garbage.
 */
function readEntry(
  raw: Buffer,
  prefix: string,
  reply: readonly (Buffer | number | null | undefined)[],
  at: number,
  k: number,
  versionsAt: number,
): StoredEntry {
  // First pass: compare the current versions with the stored ones as bytes,
  // building nothing. When all are equal (the common case) the read is as
  // verified as the script's, and the entry decodes nothing until asked.
  let pos = versionsAt
  let same = true
  for (let i = 0; i < k; i++) {
    const z = raw.indexOf(0, pos)
    if (z === -1) return { value: raw, tags: [], versions: [], current: [] }
    if (same) same = sameBytes(reply[at + i], raw, pos, z)
    pos = z + 1
  }
  if (same) return new VerifiedEntry(raw.subarray(pos), raw, prefix)
  // A version changed (or is gone): core needs both lists to refuse the entry.
  const versions: string[] = new Array(k)
  const current: (string | null)[] = new Array(k)
  pos = versionsAt
  for (let i = 0; i < k; i++) {
    const z = raw.indexOf(0, pos)
    versions[i] = raw.toString('latin1', pos, z)
    const now = reply[at + i]
    current[i] = Buffer.isBuffer(now) ? now.toString('latin1') : null
    pos = z + 1
  }
  return new ReadEntry(raw.subarray(pos), versions, current, raw, prefix)
}

// Versions are ~17 bytes: a plain loop beats Buffer#compare's native call.
function sameBytes(now: unknown, raw: Buffer, start: number, end: number): boolean {
  if (!Buffer.isBuffer(now) || now.length !== end - start) return false
  for (let i = 0; i < now.length; i++) if (now[i] !== raw[start + i]) return false
  return true
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function ttlArg(ttl: number): string {
  return Number.isFinite(ttl) ? String(Math.max(1, Math.round(ttl))) : '0'
}
