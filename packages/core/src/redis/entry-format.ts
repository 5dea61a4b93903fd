// The Redis entry format, shared by every Redis adapter so that they read
// each other's entries. See scripts.ts for the layout.

const FORMAT = 2
const MAX_TAGS = 0xffff

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
  if (tagKeys.length > MAX_TAGS) {
    throw new RangeError(
      `[tagcache] [redis] ${tagKeys.length} tags on one entry; expected at most ${MAX_TAGS}`,
    )
  }
  const body = tagKeys.length === 0 ? '' : `${tagKeys.join('\0')}\0${versions.join('\0')}\0`
  const meta = Buffer.from(body, 'utf8')
  const out = Buffer.allocUnsafe(3 + meta.length + value.byteLength)
  out[0] = FORMAT
  out.writeUInt16BE(tagKeys.length, 1)
  meta.copy(out, 3)
  out.set(value, 3 + meta.length)
  return out
}

/** Parses stored bytes; `undefined` when they are not in this format. */
export function decodeEntry(bytes: Uint8Array): DecodedEntry | undefined {
  if (bytes.length < 3 || bytes[0] !== FORMAT) return undefined
  const view = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const k = view.readUInt16BE(1)
  const tagKeys: string[] = new Array(k)
  const versions: string[] = new Array(k)
  let pos = 3
  for (let i = 0; i < 2 * k; i++) {
    const z = view.indexOf(0, pos)
    if (z === -1) return undefined
    // Versions are ASCII: latin1 is the cheapest exact decoding.
    if (i < k) tagKeys[i] = view.toString('utf8', pos, z)
    else versions[i - k] = view.toString('latin1', pos, z)
    pos = z + 1
  }
  return { tagKeys, versions, value: view.subarray(pos) }
}
