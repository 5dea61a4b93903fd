// The Redis entry format, shared by every Redis adapter so that they read
// each other's entries. This file owns the layout: the Lua scripts are built
// from the constants below (scripts/lua-library.ts), and the store parses
// entries only through the functions here.
//
// An entry is a Redis string, laid out so that a script extracts the tag
// keys with one string.find each and creates no other Lua strings:
//   byte 0      format version (ENTRY_FORMAT_VERSION)
//   bytes 1..2  number of tags k, unsigned 16-bit big-endian
//   k times     tag key (as Lua sees it: driver prefix + store prefix + tag id) NUL
//   k times     version NUL
//   rest        payload, byte for byte
// Core guarantees tag ids contain no NUL; versions (1 to 64 characters of
// [A-Za-z0-9_-]) never do.

/** Byte 0 of every entry. Bump it when the layout changes: older entries then read as misses. */
export const ENTRY_FORMAT_VERSION = 2
/** Bytes before the first tag key: the version byte and the 16-bit tag count. */
export const ENTRY_HEADER_BYTES = 3
/** Most tags one entry can carry (the count is 16 bits). */
export const MAX_ENTRY_TAGS = 0xffff

/** Metadata and payload of a stored entry. */
export interface DecodedEntry {
  /** Tag keys as stored (full keys, as Lua sees them). */
  readonly tagKeys: string[]
  readonly versions: string[]
  readonly value: Uint8Array
}

/** Builds the stored bytes of an entry (used where Lua cannot, e.g. across cluster slots). */
export function encodeEntry(
  tagKeys: readonly string[],
  versions: readonly string[],
  value: Uint8Array,
): Buffer {
  if (tagKeys.length > MAX_ENTRY_TAGS) {
    throw new RangeError(
      `[tagcache] [redis] ${tagKeys.length} tags on one entry; expected at most ${MAX_ENTRY_TAGS}`,
    )
  }
  if (versions.length !== tagKeys.length) {
    throw new RangeError(
      `[tagcache] [redis] ${versions.length} versions for ${tagKeys.length} tag keys; expected one per tag key`,
    )
  }
  const body = tagKeys.length === 0 ? '' : `${tagKeys.join('\0')}\0${versions.join('\0')}\0`
  const meta = Buffer.from(body, 'utf8')
  const out = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + meta.length + value.byteLength)
  out[0] = ENTRY_FORMAT_VERSION
  out.writeUInt16BE(tagKeys.length, 1)
  meta.copy(out, ENTRY_HEADER_BYTES)
  out.set(value, ENTRY_HEADER_BYTES + meta.length)
  return out
}

/** Parses stored bytes; `undefined` when they are not in this format. */
export function decodeEntry(bytes: Uint8Array): DecodedEntry | undefined {
  const view = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const head = readTagKeys(view)
  if (head === undefined) return undefined
  const k = head.tagKeys.length
  const versions: string[] = new Array(k)
  let pos = head.versionsAt
  for (let i = 0; i < k; i++) {
    const z = view.indexOf(0, pos)
    if (z === -1) return undefined
    // Versions are ASCII: latin1 is the cheapest exact decoding.
    versions[i] = view.toString('latin1', pos, z)
    pos = z + 1
  }
  return { tagKeys: head.tagKeys, versions, value: view.subarray(pos) }
}

/**
 * Number of tags an entry declares in its header; `-1` when the bytes do not
 * start like an entry of this format.
 */
export function entryTagCount(raw: Buffer): number {
  if (raw.length < ENTRY_HEADER_BYTES || raw[0] !== ENTRY_FORMAT_VERSION) return -1
  return raw.readUInt16BE(1)
}

/**
 * Position just past `count` NUL-terminated fields starting at `from`; `-1`
 * when the bytes end first.
 */
export function skipFields(raw: Buffer, from: number, count: number): number {
  let pos = from
  for (let i = 0; i < count; i++) {
    const z = raw.indexOf(0, pos)
    if (z === -1) return -1
    pos = z + 1
  }
  return pos
}

/** Position of an entry's payload (past its header, tag keys and versions); `-1` if malformed. */
export function payloadStart(raw: Buffer): number {
  const k = entryTagCount(raw)
  return k === -1 ? -1 : skipFields(raw, ENTRY_HEADER_BYTES, 2 * k)
}

/**
 * The tag keys of an entry and where its versions start, without decoding
 * the versions or copying the payload; `undefined` when malformed.
 */
export function readTagKeys(raw: Buffer): { tagKeys: string[]; versionsAt: number } | undefined {
  const k = entryTagCount(raw)
  if (k === -1) return undefined
  const tagKeys: string[] = new Array(k)
  let pos = ENTRY_HEADER_BYTES
  for (let i = 0; i < k; i++) {
    const z = raw.indexOf(0, pos)
    if (z === -1) return undefined
    tagKeys[i] = raw.toString('utf8', pos, z)
    pos = z + 1
  }
  return { tagKeys, versionsAt: pos }
}

/**
 * The bytes every entry carrying exactly `tagKeys` starts with: the header
 * (format version, tag count) and the tag keys, each NUL-terminated; its
 * versions follow. A tag hint keeps it, and {@link checkHinted} compares
 * entries with it.
 */
export function hintHead(tagKeys: readonly string[]): Uint8Array {
  let text = ''
  for (const key of tagKeys) text += `${key}\0`
  const section = Buffer.from(text, 'utf8')
  // A plain Uint8Array, not a pooled Buffer: its bytes are its own.
  const head = new Uint8Array(ENTRY_HEADER_BYTES + section.length)
  head[0] = ENTRY_FORMAT_VERSION
  head[1] = (tagKeys.length >> 8) & 0xff
  head[2] = tagKeys.length & 0xff
  head.set(section, ENTRY_HEADER_BYTES)
  return head
}

/** {@link checkHinted}: the entry carries the hinted tag keys, but a version is not current. */
export const NOT_CURRENT = -1
/**
 * {@link checkHinted}: the bytes do not start with the hint's head (the entry
 * was rewritten with other tag keys, or is not an entry of this format), or
 * end before their versions do. The versions read say nothing about it.
 */
export const NOT_HINTED = -2

/**
 * Checks entry bytes read with a tag hint, in one pass over the bytes and
 * without a native call: that they start with `head` (built by
 * {@link hintHead} for `k` tag keys) and, when `current` is given, that each
 * of the `k` stored versions equals `current[at + i]` (the versions Redis
 * replied, `Buffer`s, `null` for a missing one) byte for byte, NUL included.
 * Without `current` (a script compared the versions already) the versions
 * are only skipped.
 *
 * @returns Where the payload starts when all holds; {@link NOT_CURRENT}
 *   when the head matches but a version does not (or is missing);
 *   {@link NOT_HINTED} when the head does not match or the bytes end first.
 */
export function checkHinted(
  raw: Uint8Array,
  head: Uint8Array,
  k: number,
  current: readonly unknown[] | undefined,
  at: number,
): number {
  const end = raw.length
  let pos = head.length
  if (end < pos) return NOT_HINTED
  for (let i = 0; i < pos; i++) if (raw[i] !== head[i]) return NOT_HINTED
  if (current === undefined) {
    for (let j = 0; j < k; j++) {
      while (pos < end && raw[pos] !== 0) pos++
      if (pos === end) return NOT_HINTED
      pos++
    }
    return pos
  }
  for (let j = 0; j < k; j++) {
    const now = current[at + j]
    if (!(now instanceof Uint8Array)) return NOT_CURRENT
    const n = now.length
    if (pos + n >= end) return NOT_CURRENT
    for (let i = 0; i < n; i++) if (raw[pos + i] !== now[i]) return NOT_CURRENT
    pos += n
    if (raw[pos] !== 0) return NOT_CURRENT
    pos++
  }
  return pos
}
