// Tag hints: the tag keys an entry was last seen with, so that the next read
// names them in KEYS (one MGET of the entry and its tag versions) instead of
// a script finding them inside the entry. A hint is only a guess: a read
// checks it against the entry's own tag keys (carriesTagKeys).
import { tagKeySection } from './entry-format.js'
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
export interface TagHint {
  /** `MGET <entry key> <tag keys...>`, or the hinted script's `EVALSHA`, ready to send. */
  readonly command: readonly string[]
  /** The entry key and its tag keys, as sent. */
  readonly keys: readonly string[]
  /** The tag keys as the entry stores them, to check the guess byte for byte. */
  readonly section: Buffer
}

/**
 * Entry id -> {@link TagHint}, keyed by core's id rather than the prefixed
 * key: core hands the same (memoized) string for a key, whose hash is
 * already computed.
 */
export class TagHints {
  /** False when hints are off (`tagHints: 0`, or a cluster). */
  readonly enabled: boolean
  readonly #hints: TwoGenerations<TagHint>
  readonly #prefix: string
  readonly #luaPrefix: string
  readonly #scripted: boolean

  /**
   * @param max - How many entries to remember; `0`: none.
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

  get(key: string): TagHint | undefined {
    return this.enabled ? this.#hints.get(key) : undefined
  }

  /** Remembers the tag ids an entry was read or written with (none: nothing to remember). */
  remember(key: string, tags: readonly string[]): void {
    if (!this.enabled || tags.length === 0) return
    const keys = [this.#prefix + key, ...tags.map((t) => this.#prefix + t)]
    this.#hints.set(key, {
      command: this.#scripted
        ? ['EVALSHA', HINTED_GET_SCRIPT.sha, String(keys.length), ...keys]
        : ['MGET', ...keys],
      keys,
      section: tagKeySection(tags.map((t) => this.#luaPrefix + t)),
    })
  }

  delete(key: string): void {
    this.#hints.delete(key)
  }
}
