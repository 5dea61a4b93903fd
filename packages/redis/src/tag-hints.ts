// Tag hints: the tag keys an entry was last seen with, so that the next read
// names them in KEYS (one MGET of the entry and its tag versions) instead of
// a script finding them inside the entry. A hint is only a guess: a read
// checks the entry against it (checkHinted) before trusting what it read.
//
// Where a hint lives: in core's record of the key (KeyRecord.state), so that
// a read of a known key costs core's one lookup and nothing more; and in a
// bounded map by id, for calls that come without a record (a write, wrap's
// read, direct Store use) and to hand a hint to a record that has none yet.
import type { KeyRecord, StoredEntry } from '@tagcache/core'
import { hintedEntry, readEntry, STALE } from './entries.js'
import { checkHinted, hintHead, NOT_CURRENT } from './entry-format.js'
import { HINTED_GET_SCRIPT } from './scripts/index.js'

/**
 * A map bounded to about `max` entries without per-read bookkeeping: writes
 * go to a young generation; when it is full the old one is dropped and the
 * young one becomes old. Reads that hit the old generation promote the entry,
 * so entries in use survive (an approximation of LRU).
 */
export class TwoGenerations<V> {
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

  /** {@link TwoGenerations.get} without promoting. */
  peek(key: string): V | undefined {
    return this.#young.get(key) ?? this.#old.get(key)
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

/**
 * The tag keys an entry was last seen with, with what a read of it needs
 * built ahead: the command, and the bytes the entry must start with.
 * Immutable but for {@link TagHint.retired}.
 */
export class TagHint {
  /**
   * Set once the hint is known to be outdated (the entry was rewritten with
   * other tags, deleted, or found gone): a record holding it looks again.
   */
  retired = false
  /** Number of tags (the entry's tag keys after the header). */
  readonly k: number
  /** The entry key, as sent: the command's first key. */
  readonly entryKey: string

  constructor(
    /** The hints this one belongs to: a record may be handed to another store. */
    readonly owner: TagHints,
    /** The entry's id, as core gave it. */
    readonly id: string,
    /** Its tag ids, as core gave them. */
    readonly tags: readonly string[],
    /**
     * `MGET <entry key> <tag keys...>` (keys as sent), or the hinted
     * script's `EVALSHA` of the same keys, ready to send.
     */
    readonly command: readonly string[],
    /** The entry's bytes up to its versions (see `hintHead`). */
    readonly head: Uint8Array,
  ) {
    this.k = tags.length
    this.entryKey = command[command.length - tags.length - 1] as string
  }

  /** The entry key and its tag keys, as sent (built when asked: rarely). */
  get keys(): string[] {
    return this.command.slice(this.command.length - this.k - 1)
  }
}

/**
 * The store's tag hints: per key in core's {@link KeyRecord}, and entry id ->
 * {@link TagHint} in a bounded map (keyed by core's id rather than the
 * prefixed key: core hands the same memoized string for a key, its hash
 * already computed).
 */
export class TagHints {
  /** False when hints are off (`tagHints: 0`, or a cluster). */
  readonly enabled: boolean
  readonly #hints: TwoGenerations<TagHint>
  readonly #prefix: string
  readonly #luaPrefix: string
  readonly #scripted: boolean

  /**
   * @param max - How many entries to remember in the map; `0`: none, anywhere.
   * @param prefix - The store's key prefix (as the driver sends keys).
   * @param luaPrefix - Driver prefix + store prefix (as entries store tag keys).
   * @param scripted - Hinted reads run the hinted script rather than a plain `MGET`.
   */
  constructor(max: number, prefix: string, luaPrefix: string, scripted: boolean) {
    this.enabled = max > 0
    this.#hints = new TwoGenerations(max)
    this.#prefix = prefix
    this.#luaPrefix = luaPrefix
    this.#scripted = scripted
  }

  /**
   * The hint for `key`: the one its record holds if it is this store's and
   * current, else the map's (then kept in the record for its next read).
   */
  get(key: string, record?: KeyRecord): TagHint | undefined {
    if (record === undefined) return this.enabled ? this.#hints.get(key) : undefined
    const state = record.state
    if (state instanceof TagHint && state.owner === this && !state.retired) return state
    if (!this.enabled) return undefined
    const hint = this.#hints.get(key)
    record.state = hint
    return hint
  }

  /**
   * Remembers the tag ids an entry was read or written with (none: nothing
   * to remember), in the map and in `record`. A hint with the same tags is
   * kept as it is; one with other tags is retired.
   */
  remember(key: string, tags: readonly string[], record?: KeyRecord): void {
    if (!this.enabled || tags.length === 0) return
    const known = this.#hints.peek(key)
    let hint = known
    if (known === undefined || known.retired || !sameTags(known.tags, tags)) {
      if (known !== undefined) known.retired = true
      hint = this.#create(key, tags)
      this.#hints.set(key, hint)
    }
    if (record !== undefined) record.state = hint
  }

  /** Forgets `key`'s hint: its entry is gone. */
  delete(key: string): void {
    if (!this.enabled) return
    const known = this.#hints.peek(key)
    if (known === undefined) return
    known.retired = true
    this.#hints.delete(key)
  }

  /** Retires `hint`, and forgets it if the map still holds it (not a newer one). */
  retire(hint: TagHint): void {
    hint.retired = true
    if (this.#hints.peek(hint.id) === hint) this.#hints.delete(hint.id)
  }

  #create(key: string, tags: readonly string[]): TagHint {
    const prefix = this.#prefix
    const keys = [prefix + key]
    for (const t of tags) keys.push(prefix + t)
    return new TagHint(
      this,
      key,
      Object.freeze(tags.slice()),
      this.#scripted
        ? ['EVALSHA', HINTED_GET_SCRIPT.sha, String(keys.length), ...keys]
        : ['MGET', ...keys],
      hintHead(tags.map((t) => this.#luaPrefix + t)),
    )
  }
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** {@link settleHinted}: the entry was rewritten with other tags; read it without the hint. */
export const REREAD: unique symbol = Symbol('reread')

/**
 * The reply of a hinted read (`hint.command`), or {@link REREAD} when the
 * entry's own tag keys differ from the hint's (rewritten with other tags):
 * the versions compared were not its own. A reply saying the entry is gone
 * retires the hint.
 *
 * - `MGET` (`scripted` false): the entry, then its tag versions, compared here.
 * - The hinted script: Redis compared the versions of the guessed tag keys;
 *   the entry comes back bare (all current) or in an array (not servable),
 *   and either way is checked against the guess here.
 */
export function settleHinted(
  hints: TagHints,
  hint: TagHint,
  reply: unknown,
  scripted: boolean,
  luaPrefix: string,
): StoredEntry | undefined | typeof REREAD {
  if (!scripted) {
    const values = reply as (Buffer | null)[]
    const raw = values[0]
    if (raw == null) {
      hints.retire(hint)
      return undefined
    }
    const start = checkHinted(raw, hint.head, hint.k, values, 1)
    if (start >= 0) return hintedEntry(raw, start, hint)
    if (start === NOT_CURRENT) {
      // A version changed (or is gone): core needs both lists to refuse the entry.
      return readEntry(raw, luaPrefix, values, 1, hint.k, hint.head.length)
    }
    hints.retire(hint)
    return REREAD
  }
  const current = Buffer.isBuffer(reply)
  const raw = current ? reply : Array.isArray(reply) ? (reply[0] as unknown) : null
  if (!Buffer.isBuffer(raw)) {
    hints.retire(hint)
    return undefined
  }
  const start = checkHinted(raw, hint.head, hint.k, undefined, 0)
  if (start < 0) {
    hints.retire(hint)
    return REREAD
  }
  if (current) return hintedEntry(raw, start, hint)
  // A version changed: with the current versions (all present), core compares
  // (one may be stale by a soft expiry); a missing one is never servable.
  const values = reply as unknown[]
  if (values.length !== hint.k + 1) return STALE
  return readEntry(raw, luaPrefix, values, 1, hint.k, hint.head.length)
}
