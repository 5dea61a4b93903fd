import type { GetOrCaptureResult, StoredEntry, StoreWrite } from '@tagcache/core'
import { RedisStoreBase } from './base-store.js'
import { asBuffer, type Commands, ttlArg } from './commands.js'
import type { RedisArg } from './driver.js'
import { isVerified, readEntry, STALE, verifiedEntry } from './entries.js'
import { carriesTagKeys, ENTRY_HEADER_BYTES } from './entry-format.js'
import {
  EXPIRE_SCRIPT,
  GET_OR_CAPTURE_SCRIPT,
  GET_SCRIPT,
  HINTED_GET_SCRIPT,
  SET_SCRIPT,
  TAGS_SCRIPT,
} from './scripts/index.js'
import type { TagHint, TagHints } from './tag-hints.js'

/** The GET script's reply: per key `null` (absent), `0` (not servable) or the entry. */
type ScriptReply = (Buffer | number | null)[]

const NO_ARGS: readonly RedisArg[] = []

/**
 * The store on standalone Redis (or Sentinel): every operation is one round
 * trip (Lua via EVALSHA, or commands pipelined together), except, with
 * `declaredKeysOnly`, reads of entries it has no tag hint for and `expire`.
 */
export class StandaloneStore extends RedisStoreBase {
  /** Hinted reads run {@link HINTED_GET_SCRIPT} rather than a plain MGET. */
  readonly #scriptedHints: boolean
  /** Never send a script that reads keys named inside an entry. */
  readonly #declaredKeysOnly: boolean

  constructor(
    commands: Commands,
    hints: TagHints,
    scriptedHints: boolean,
    declaredKeysOnly: boolean,
  ) {
    super(commands, hints)
    this.#scriptedHints = scriptedHints
    this.#declaredKeysOnly = declaredKeysOnly
  }

  get(key: string): Promise<StoredEntry | undefined> {
    const hint = this.hints.get(key)
    if (hint !== undefined) return this.#hintedGet(key, hint)
    return this.#unhintedGet(key)
  }

  /** A read of an entry whose tag keys the store does not know (or guessed wrong). */
  #unhintedGet(key: string): Promise<StoredEntry | undefined> {
    if (this.#declaredKeysOnly) {
      return this.readInTwoSteps([key]).then((entries) => this.#remembered(key, entries[0]))
    }
    return this.commands
      .script(GET_SCRIPT, [this.commands.prefix + key], NO_ARGS, 'get')
      .then((reply) => this.#remembered(key, this.#parse(reply as ScriptReply, 1)[0]))
  }

  /** `entry`, its tag keys remembered for the next read. */
  #remembered(key: string, entry: StoredEntry | undefined): StoredEntry | undefined {
    // Checked first: a verified entry decodes its tags only when asked.
    if (entry !== undefined && this.hints.enabled) this.hints.remember(key, entry.tags)
    return entry
  }

  /**
   * One `MGET` of the entry and the tag keys it had last time: one plain
   * command, atomic like the script. If the entry's own tag keys differ from
   * the hint (rewritten with other tags), the versions read are not its
   * versions: read it as an entry without a hint.
   */
  #hintedGet(key: string, hint: TagHint): Promise<StoredEntry | undefined> {
    if (this.#scriptedHints) return this.#scriptedHintedGet(key, hint)
    return this.commands.driver.call(hint.command, hint.keys[0]).then(
      (reply) => {
        const values = reply as (Buffer | null)[]
        const raw = values[0] ?? null
        if (raw === null) {
          this.hints.delete(key)
          return undefined
        }
        const k = hint.keys.length - 1
        if (!carriesTagKeys(raw, k, hint.section)) {
          this.hints.delete(key)
          return this.#unhintedGet(key)
        }
        const versionsAt = ENTRY_HEADER_BYTES + hint.section.length
        return readEntry(raw, this.commands.luaPrefix, values, 1, k, versionsAt)
      },
      (error: unknown) => {
        throw this.commands.wrap(error, 'get')
      },
    )
  }

  /**
   * The hinted script: Redis compares the versions of the guessed tag keys;
   * the entry comes back bare (all current) or in an array (not servable),
   * and either way is checked against the guess here.
   */
  #scriptedHintedGet(key: string, hint: TagHint): Promise<StoredEntry | undefined> {
    return this.commands
      .script(HINTED_GET_SCRIPT, hint.keys, NO_ARGS, 'get', hint.command)
      .then((reply) => this.#hintedReply(key, hint, reply))
  }

  #hintedReply(
    key: string,
    hint: TagHint,
    reply: unknown,
  ): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    const current = Buffer.isBuffer(reply)
    const raw = current ? reply : Array.isArray(reply) ? (reply[0] as unknown) : null
    if (!Buffer.isBuffer(raw)) {
      this.hints.delete(key)
      return undefined
    }
    if (!carriesTagKeys(raw, hint.keys.length - 1, hint.section)) {
      // Rewritten with other tags: the versions compared were not its own.
      this.hints.delete(key)
      return this.#unhintedGet(key)
    }
    return current ? verifiedEntry(raw, this.commands.luaPrefix) : STALE
  }

  override async getOrCapture(
    key: string,
    tags: readonly string[],
    candidate: string,
    ttl: number,
  ): Promise<GetOrCaptureResult> {
    // The capture script finds the entry's tag keys inside it: not sent when
    // only declared keys may be touched. Read, then capture (as core would).
    if (this.#declaredKeysOnly) return super.getOrCapture(key, tags, candidate, ttl)
    const { prefix, luaPrefix } = this.commands
    const hint = this.hints.get(key)
    if (hint !== undefined) {
      // A hit through the hinted read needs no capture; anything else goes to the script.
      const entry = await this.#hintedGet(key, hint)
      if (isVerified(entry)) return { entry }
    }
    const reply = (await this.commands.script(
      GET_OR_CAPTURE_SCRIPT,
      [prefix + key, ...tags.map((t) => prefix + t)],
      [candidate, ttlArg(ttl)],
      'get',
    )) as ScriptReply
    const first = reply[0]
    if (Buffer.isBuffer(first)) {
      const entry = verifiedEntry(first, luaPrefix)
      if (entry !== STALE && this.hints.enabled) this.hints.remember(key, entry.tags)
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
    if (this.#declaredKeysOnly) return this.readInTwoSteps(keys)
    const reply = await this.commands.script(
      GET_SCRIPT,
      keys.map((k) => this.commands.prefix + k),
      NO_ARGS,
      'getMany',
    )
    return this.#parse(reply as ScriptReply, keys.length)
  }

  async set(key: string, write: StoreWrite): Promise<void> {
    const prefix = this.commands.prefix
    await this.commands.script(
      SET_SCRIPT,
      [prefix + key, ...write.tags.map((t) => prefix + t)],
      this.#setArgs(write),
      'set',
    )
    this.hints.remember(key, write.tags)
  }

  async expire(key: string, ttl: number): Promise<boolean> {
    if (this.#declaredKeysOnly) return this.expireInTwoSteps(key, ttl)
    const full = this.commands.prefix + key
    return (await this.commands.script(EXPIRE_SCRIPT, [full], [ttlArg(ttl)], 'expire')) === 1
  }

  protected extendTags(tags: readonly string[], ttl: number, operation: string): Promise<unknown> {
    const prefix = this.commands.prefix
    const keys = tags.map((t) => prefix + t)
    return this.commands.script(TAGS_SCRIPT, keys, ['extend', '', ttlArg(ttl)], operation)
  }

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
    const prefix = this.commands.luaPrefix
    for (let i = 0; i < count; i++) {
      const item = reply[i]
      if (item === null || item === undefined) out[i] = undefined
      else if (typeof item === 'number') out[i] = STALE
      else out[i] = verifiedEntry(item, prefix)
    }
    return out
  }
}
