// The StoredEntry objects a read returns, built from entry bytes as Redis
// sent them. Versions are compared as bytes where they are read; an entry
// whose versions all matched is marked `verified` (core then trusts it), and
// the store's own "is this servable?" is that flag and nothing else: the
// rule itself (every stored version equal to a current, non-null one) lives
// in core and, for atomic reads, in the Lua scripts.
import type { GetOrCaptureResult, StoredEntry } from '@tagcache/core'
import { decodeEntry, payloadStart, readTagKeys } from './entry-format.js'
import type { TagHint } from './tag-hints.js'

/**
 * What a read returns for an entry found not servable: a version that is not
 * current, so core counts a miss and removes the entry.
 */
export const STALE: StoredEntry = Object.freeze({
  value: new Uint8Array(0),
  tags: Object.freeze(['']),
  versions: Object.freeze(['']),
  current: Object.freeze([null]),
})

/** Bytes not in the entry format: without versions, which core refuses (a miss, never garbage). */
export function unreadable(raw: Buffer): StoredEntry {
  // `raw`: the bytes as read, for deleteIfUnchanged.
  return { value: raw, raw, tags: [], versions: [], current: [] } as StoredEntry
}

/** Tag ids of entry bytes, the store's prefix removed; decoded only when asked for. */
function tagIdsOf(raw: Buffer, prefix: string): string[] {
  const keys = readTagKeys(raw)?.tagKeys ?? []
  return keys.map((key) => (key.startsWith(prefix) ? key.slice(prefix.length) : key))
}

/**
 * A read entry with a version that changed. Core needs only versions and
 * payload on the read path, so the tag ids are decoded on first access.
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
 * An entry whose versions were compared with the current ones, atomically
 * with the read, and all found equal. Its versions (which are also the
 * current ones) and tag ids are decoded on first access: core does not need
 * them to serve a verified entry.
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

/**
 * An entry read with a tag hint and found servable (`checkHinted`):
 * its tag ids are the hint's, its versions (also the current ones) are
 * decoded from the bytes on first access. Two objects per hit, this and the
 * payload's view.
 */
class HintedEntry implements StoredEntry {
  readonly verified = true
  #versions: string[] | undefined
  constructor(
    readonly value: Uint8Array,
    readonly raw: Buffer,
    readonly hint: TagHint,
  ) {}

  get versions(): readonly string[] {
    if (this.#versions === undefined) {
      const { k, head } = this.hint
      const versions: string[] = new Array(k)
      let pos = head.length
      for (let i = 0; i < k; i++) {
        const z = this.raw.indexOf(0, pos)
        versions[i] = this.raw.toString('latin1', pos, z)
        pos = z + 1
      }
      this.#versions = versions
    }
    return this.#versions
  }

  get current(): readonly (string | null)[] {
    return this.versions
  }

  get tags(): readonly string[] {
    return this.hint.tags
  }
}

/** A servable entry read with `hint`, its payload at `start` (as `checkHinted` found it). */
export function hintedEntry(raw: Buffer, start: number, hint: TagHint): StoredEntry {
  return new HintedEntry(raw.subarray(start), raw, hint)
}

/** Whether a read entry was found servable where it was read. */
export function isVerified(entry: StoredEntry | undefined): entry is StoredEntry {
  return entry?.verified === true
}

/** An entry a script verified (the GET script's entries); {@link STALE} if malformed. */
export function verifiedEntry(raw: Buffer, prefix: string): StoredEntry {
  const start = payloadStart(raw)
  return start === -1 ? STALE : new VerifiedEntry(raw.subarray(start), raw, prefix)
}

/**
 * Versions and payload of entry bytes whose header and k tag keys the caller
 * has checked; the versions start at `versionsAt`, the current ones at
 * `current[at]` (as Redis replied: a `Buffer`, or nil for a missing version).
 */
export function readEntry(
  raw: Buffer,
  prefix: string,
  current: readonly unknown[],
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
    if (z === -1) return unreadable(raw)
    if (same) same = sameBytes(current[at + i], raw, pos, z)
    pos = z + 1
  }
  if (same) return new VerifiedEntry(raw.subarray(pos), raw, prefix)
  // A version changed (or is gone): core needs both lists to refuse the entry.
  const versions: string[] = new Array(k)
  const now: (string | null)[] = new Array(k)
  pos = versionsAt
  for (let i = 0; i < k; i++) {
    const z = raw.indexOf(0, pos)
    versions[i] = raw.toString('latin1', pos, z)
    const v = current[at + i]
    now[i] = Buffer.isBuffer(v) ? v.toString('latin1') : null
    pos = z + 1
  }
  return new ReadEntry(raw.subarray(pos), versions, now, raw, prefix)
}

/**
 * Entry bytes read without their tag versions (first step of a two-step
 * read): the tag ids to read the versions of, and where the versions start.
 * `undefined` for bytes not in the entry format, or with tag keys outside
 * this store's prefix (another program or another prefix wrote the key).
 */
export function tagsToRead(
  raw: Buffer,
  prefix: string,
): { tags: string[]; versionsAt: number } | undefined {
  const head = readTagKeys(raw)
  if (head === undefined || head.tagKeys.length === 0) return undefined
  const tags: string[] = new Array(head.tagKeys.length)
  for (let i = 0; i < tags.length; i++) {
    const key = head.tagKeys[i] as string
    if (!key.startsWith(prefix)) return undefined
    tags[i] = key.slice(prefix.length)
  }
  return { tags, versionsAt: head.versionsAt }
}

// Versions are ~17 bytes: a plain loop beats Buffer#compare's native call.
function sameBytes(now: unknown, raw: Buffer, start: number, end: number): boolean {
  if (!Buffer.isBuffer(now) || now.length !== end - start) return false
  for (let i = 0; i < now.length; i++) if (now[i] !== raw[start + i]) return false
  return true
}

/**
 * An entry a script found stale by a soft expiry, replied as an array: the
 * entry's bytes, then its tags' current versions (compared by core).
 */
export function staleReply(reply: readonly unknown[], prefix: string): StoredEntry {
  const raw = reply[0]
  if (!Buffer.isBuffer(raw)) return STALE
  const head = readTagKeys(raw)
  if (head === undefined) return STALE
  return readEntry(raw, prefix, reply, 1, head.tagKeys.length, head.versionsAt)
}

/**
 * The GET script's reply: per key `null` (absent), `0` (not servable), the
 * entry, or a stale entry with its current versions (see {@link staleReply}).
 */
export type ScriptReply = (Buffer | number | null | unknown[])[]

/** The GET script's reply (or a bounded view's), one element per key. */
export function parseGetReply(
  reply: unknown,
  count: number,
  prefix: string,
): (StoredEntry | undefined)[] {
  const items = reply as ScriptReply
  const out: (StoredEntry | undefined)[] = new Array(count)
  for (let i = 0; i < count; i++) {
    const item = items[i]
    if (item === null || item === undefined) out[i] = undefined
    else if (typeof item === 'number') out[i] = STALE
    else if (Array.isArray(item)) out[i] = staleReply(item, prefix)
    else out[i] = verifiedEntry(item, prefix)
  }
  return out
}

/**
 * A read-and-capture script's reply when the entry was not servable: `{false
 * | 0 | stale, version...}` (see `GET_OR_CAPTURE_SCRIPT`), as core takes it.
 */
export function capturedReply(
  reply: readonly unknown[],
  tagCount: number,
  prefix: string,
): GetOrCaptureResult {
  const captured: string[] = new Array(tagCount)
  for (let i = 0; i < tagCount; i++) captured[i] = (reply[i + 1] as Buffer).toString('latin1')
  const first = reply[0]
  const entry = Array.isArray(first) ? staleReply(first, prefix) : first === 0 ? STALE : undefined
  return { entry, captured }
}
