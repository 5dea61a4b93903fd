// The Redis entry format, shared by every Redis adapter so that they read
// each other's entries. See scripts.ts for the layout.

const FORMAT = 1
const textDecoder = new TextDecoder()

/** Metadata and payload of a stored entry. */
export interface DecodedEntry {
  readonly tags: string[]
  readonly versions: string[]
  readonly value: Uint8Array
}

/** Builds the stored bytes of an entry (used where Lua cannot, e.g. across cluster slots). */
export function encodeEntry(
  tags: readonly string[],
  versions: readonly string[],
  value: Uint8Array,
): Buffer {
  const parts: string[] = []
  for (let i = 0; i < tags.length; i++) parts.push(tags[i] as string, versions[i] as string)
  const meta = Buffer.from(parts.join('\0'), 'utf8')
  const out = Buffer.allocUnsafe(5 + meta.length + value.byteLength)
  out[0] = FORMAT
  out.writeUInt32BE(meta.length, 1)
  meta.copy(out, 5)
  out.set(value, 5 + meta.length)
  return out
}

/** Parses stored bytes; `undefined` when they are not in this format. */
export function decodeEntry(bytes: Uint8Array): DecodedEntry | undefined {
  if (bytes.length < 5 || bytes[0] !== FORMAT) return undefined
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const n = view.readUInt32BE(1)
  if (5 + n > view.length) return undefined
  const tags: string[] = []
  const versions: string[] = []
  if (n > 0) {
    const parts = textDecoder.decode(view.subarray(5, 5 + n)).split('\0')
    if (parts.length % 2 !== 0) return undefined
    for (let i = 0; i < parts.length; i += 2) {
      tags.push(parts[i] as string)
      versions.push(parts[i + 1] as string)
    }
  }
  return { tags, versions, value: view.subarray(5 + n) }
}
