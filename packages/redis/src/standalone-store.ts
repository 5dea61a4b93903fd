import type { GetOrCaptureResult, KeyRecord, StoredEntry, StoreWrite } from '@tagcache/core'
import { RedisStoreBase } from './base-store.js'
import { asBuffer, type Commands, checkedCaptured, ttlArg } from './commands.js'
import type { RedisArg } from './driver.js'
import {
  capturedReply,
  isVerified,
  parseGetReply,
  type ScriptReply,
  STALE,
  verifiedEntry,
} from './entries.js'
import {
  EXPIRE_SCRIPT,
  GET_OR_CAPTURE_SCRIPT,
  GET_SCRIPT,
  HINTED_GET_SCRIPT,
  SET_SCRIPT,
  TAGS_SCRIPT,
} from './scripts/index.js'
import { REREAD, settleHinted, type TagHint, TagHints } from './tag-hints.js'

const NO_ARGS: readonly RedisArg[] = []

/** What a read resolves to, or the promise of it. */
type Read = StoredEntry | undefined | Promise<StoredEntry | undefined>

/**
 * The store on standalone Redis (or Sentinel): every operation is one round
 * trip (Lua via EVALSHA, or commands pipelined together), except, with
 * `declaredKeysOnly`, reads of entries it has no tag hint for and `expire`.
 */
export class StandaloneStore extends RedisStoreBase {
  protected readonly hints: TagHints
  /** Hinted reads run {@link HINTED_GET_SCRIPT} rather than a plain MGET. */
  readonly #scriptedHints: boolean
  /** Never send a script that reads keys named inside an entry. */
  readonly #declaredKeysOnly: boolean

  /**
   * @param tagHints - How many entries' tag keys to remember (`tagHints` option).
   * @param scriptedHints - Hinted reads run the hinted script rather than a plain `MGET`.
   * @param declaredKeysOnly - The `declaredKeysOnly` option.
   */
  constructor(
    commands: Commands,
    tagHints: number,
    scriptedHints: boolean,
    declaredKeysOnly: boolean,
  ) {
    super(commands, declaredKeysOnly, tagHints)
    this.hints = new TagHints(tagHints, commands.prefix, commands.luaPrefix, scriptedHints)
    this.#scriptedHints = scriptedHints
    this.#declaredKeysOnly = declaredKeysOnly
  }

  get(key: string, record?: KeyRecord): Promise<StoredEntry | undefined> {
    const hint = this.hints.get(key, record)
    if (hint !== undefined) return this.#hintedGet(hint)
    return this.#unhintedGet(key, record)
  }

  /** A read of an entry whose tag keys the store does not know (or guessed wrong). */
  #unhintedGet(key: string, record?: KeyRecord): Promise<StoredEntry | undefined> {
    if (this.#declaredKeysOnly) {
      return this.readInTwoSteps([key]).then((entries) => this.#remembered(key, entries[0], record))
    }
    return this.commands
      .script(GET_SCRIPT, [this.commands.prefix + key], NO_ARGS, 'get')
      .then((reply) =>
        this.#remembered(key, parseGetReply(reply, 1, this.commands.luaPrefix)[0], record),
      )
  }

  /** `entry`, its tag keys remembered for the next read. */
  #remembered(
    key: string,
    entry: StoredEntry | undefined,
    record: KeyRecord | undefined,
  ): StoredEntry | undefined {
    // Checked first: a verified entry decodes its tags only when asked.
    if (entry !== undefined && this.hints.enabled) this.hints.remember(key, entry.tags, record)
    return entry
  }

  /**
   * A read of an entry whose tag keys the store remembers, in one command
   * built ahead: a plain `MGET` of the entry and those tag keys (atomic like
   * a script), or the hinted script over the same keys.
   */
  #hintedGet(hint: TagHint): Promise<StoredEntry | undefined> {
    // Callbacks made here, not kept on the hint: two fresh closures cost
    // less than loading a hint's own from memory that has gone cold (apps/bench).
    return this.commands.driver.call(hint.command, hint.entryKey).then(
      (reply) => this.#settle(hint, reply),
      (error: unknown) => this.#recover(hint, error),
    )
  }

  /** The reply of a hinted read (see {@link settleHinted}). */
  #settle(hint: TagHint, reply: unknown): Read {
    const read = settleHinted(this.hints, hint, reply, this.#scriptedHints, this.commands.luaPrefix)
    return read === REREAD ? this.#unhintedGet(hint.id) : read
  }

  /** A hinted read's failure: loads the hinted script on NOSCRIPT; anything else fails the read. */
  #recover(hint: TagHint, error: unknown): Read {
    if (this.#scriptedHints && error instanceof Error && error.message.startsWith('NOSCRIPT')) {
      const { keys } = hint
      return this.commands
        .call(['EVAL', HINTED_GET_SCRIPT.lua, String(keys.length), ...keys], hint.entryKey, 'get')
        .then((reply) => this.#settle(hint, reply))
    }
    throw this.commands.wrap(error, 'get')
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
      const entry = await this.#hintedGet(hint)
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
    return capturedReply(reply, tags.length, luaPrefix)
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
    return parseGetReply(reply, keys.length, this.commands.luaPrefix)
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

  extendTags(tags: readonly string[], ttl: number, operation: string): Promise<unknown> {
    const prefix = this.commands.prefix
    const keys = tags.map((t) => prefix + t)
    return this.commands.script(TAGS_SCRIPT, keys, ['extend', '', ttlArg(ttl)], operation)
  }

  #setArgs(write: StoreWrite): RedisArg[] {
    const captured = checkedCaptured(this.name, write)
    const args: RedisArg[] = [
      ttlArg(write.ttl),
      captured === undefined ? write.candidate : '',
      asBuffer(write.value),
    ]
    if (captured !== undefined) args.push(...captured)
    return args
  }
}
