import { isUtf8 } from 'node:buffer'
import * as zlib from 'node:zlib'
import { DeserializationError, SerializationError } from './errors.js'

/**
 * Turns values into bytes and back. Swappable per cache; the id is recorded in
 * every payload so that reading another serializer's payload is a miss, not garbage.
 */
export interface Serializer {
  /**
   * Stable identifier written into each payload, e.g. `'json'`. ASCII, 1-255
   * bytes. Change it when the wire format changes incompatibly.
   */
  readonly id: string
  /** Encodes a value; throw for values that cannot be represented. */
  encode(value: unknown): Uint8Array | string
  /** Decodes bytes produced by `encode` of a serializer with the same id. */
  decode(bytes: Uint8Array): unknown
}

const decoder = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

/** Serializers made by {@link jsonSerializer}, whose payloads core can decode in one step. */
const coreJson = new WeakSet<Serializer>()

/**
 * The default serializer: JSON, UTF-8. Rejects values JSON would silently
 * change (BigInt, functions, symbols, cycles) instead of storing something else.
 *
 * @example
 * ```ts
 * const cache = createCache({ store: memoryStore(), serializer: jsonSerializer() })
 * ```
 */
export function jsonSerializer(): Serializer {
  const serializer: Serializer = {
    id: 'json',
    encode(value) {
      const type = typeof value
      if (type === 'function' || type === 'symbol' || type === 'bigint') {
        throw new TypeError(`JSON cannot represent a top-level ${type}`)
      }
      return JSON.stringify(value, rejectLossy)
    },
    decode(bytes) {
      // isUtf8 (SIMD) + Buffer#toString is several times cheaper than a fatal
      // TextDecoder, and still refuses corrupted bytes instead of parsing U+FFFD.
      if (!isUtf8(bytes)) throw new TypeError('payload is not valid UTF-8')
      const buffer = Buffer.isBuffer(bytes)
        ? bytes
        : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      return JSON.parse(buffer.toString('utf8'))
    },
  }
  // Frozen: core decodes intact payloads of this very object without calling decode().
  coreJson.add(Object.freeze(serializer))
  return serializer
}

function rejectLossy(this: unknown, key: string, value: unknown): unknown {
  const type = typeof value
  if (type === 'bigint' || type === 'function' || type === 'symbol') {
    throw new TypeError(`JSON cannot represent a ${type} at property ${JSON.stringify(key)}`)
  }
  return value
}

// Envelope: [MAGIC, FORMAT_VERSION, idLength, ...id, crc32 (4 bytes BE), ...payload]
// The CRC32 of the payload turns corruption (a flipped bit, a truncated
// value) into a miss, even where the serializer would decode it to some other
// valid value.
//
// A timed envelope (written by `wrap` with `grace` or `refreshAhead`) has
// format TIMED_FORMAT and two float64 (big-endian) between the CRC and the
// payload: when the value stops being fresh (ms since the epoch) and its
// ttl (ms); the CRC then covers them too.
//   [MAGIC, TIMED_FORMAT, idLength, ...id, crc32, freshUntil, ttl, ...payload]
const MAGIC = 0x74 // 't'
const FORMAT_VERSION = 2
/** @internal Byte 1 of a timed envelope. */
export const TIMED_FORMAT = 3
const CRC_BYTES = 4
const TIMES_BYTES = 16

const crc32: (data: Uint8Array) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (data) => (zlib as unknown as { crc32(d: Uint8Array): number }).crc32(data)
    : jsCrc32

// For Node 22.0/22.1, which lack zlib.crc32.
let table: Uint32Array | undefined
/** @internal Exported for tests. */
export function jsCrc32(data: Uint8Array): number {
  if (table === undefined) {
    table = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c >>> 0
    }
  }
  let crc = 0xffffffff
  for (let i = 0; i < data.length; i++)
    crc = (table[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** @internal Precomputed envelope header for one serializer. */
export interface Envelope {
  readonly serializer: Serializer
  readonly header: Uint8Array
  /** The serializer is core's own {@link jsonSerializer}: see {@link open}'s fast path. */
  readonly json: boolean
  /**
   * Names what a payload decodes to (see `EntryMemo.decodedBy`): one key for
   * every core JSON serializer, else the serializer itself.
   */
  readonly decodes: object
}

/**
 * @internal Where a value `JSON.parse` returned (plain objects, arrays,
 * strings, numbers, booleans, null) holds objects or arrays, for
 * {@link copyByPlan}: pairs of a key (an index in an array) and the plan of
 * the container found there; empty when it holds none. A master that many
 * reads copy gets its plan once.
 */
export type CopyPlan = readonly (string | number | CopyPlan)[]

const FLAT: CopyPlan = Object.freeze([])

/**
 * @internal The {@link CopyPlan} of a value `JSON.parse` returned. Throws
 * `RangeError` on a value nested deeper than the stack allows.
 */
export function copyPlanOf(value: object): CopyPlan {
  const plan: (string | number | CopyPlan)[] = []
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i]
      if (typeof v === 'object' && v !== null) plan.push(i, copyPlanOf(v))
    }
  } else {
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key]
      if (typeof v === 'object' && v !== null) plan.push(key, copyPlanOf(v))
    }
  }
  return plan.length === 0 ? FLAT : plan
}

/**
 * @internal A deep copy of `value` (its plan: `plan`), equal to what parsing
 * its text again would give, own `__proto__` keys included, sharing no
 * object with it. A spread copies every own property of a parsed object in
 * one step (V8 clones the object's shape rather than adding keys one by one,
 * twice as fast as a loop over `Object.keys`), and defines an own
 * `__proto__` key as data, as `JSON.parse` does; an array's `slice` copies
 * its elements alike. Then only the containers the plan names are replaced by
 * copies: no string or number is looked at (each a load of memory the copy
 * otherwise never touches), and no key is listed. Measured on a 200-byte
 * object: a spread copy ~0.12 us, against ~0.3 us for a loop over
 * `Object.keys` and ~1.2 us for a parse; following a plan took another
 * 15-20% off a copying near-cache hit, where those strings are cold in
 * memory. Throws `RangeError` on a value nested deeper than the stack allows.
 */
export function copyByPlan(value: object, plan: CopyPlan): unknown {
  const out: Record<string | number, unknown> = Array.isArray(value)
    ? (value.slice() as unknown as Record<number, unknown>)
    : { ...value }
  for (let i = 0; i < plan.length; i += 2) {
    const at = plan[i] as string | number
    out[at] = copyByPlan(out[at] as object, plan[i + 1] as CopyPlan)
  }
  return out
}

/** {@link Envelope.decodes} of core's JSON serializers: they all decode alike. */
const CORE_JSON: object = Object.freeze({ serializer: 'json' })

/** @internal */
export function createEnvelope(serializer: Serializer): Envelope {
  const id = encoder.encode(serializer.id)
  if (id.length === 0 || id.length > 255) {
    throw new TypeError(
      `[tagcache] [core] serializer id ${JSON.stringify(serializer.id)} has ${id.length} bytes; expected 1 to 255`,
    )
  }
  const header = new Uint8Array(3 + id.length)
  header[0] = MAGIC
  header[1] = FORMAT_VERSION
  header[2] = id.length
  header.set(id, 3)
  const json = coreJson.has(serializer)
  return { serializer, header, json, decodes: json ? CORE_JSON : serializer }
}

/**
 * @internal When a value of a timed envelope stops being fresh, and its ttl:
 * see {@link sealTimed}.
 */
export interface Freshness {
  /** Ms since the epoch (the writer's clock) after which the value is stale. */
  readonly freshUntil: number
  /** The entry's ttl in ms, without its grace. */
  readonly ttl: number
}

/** @internal A live value (in-process store) written with its {@link Freshness}. */
export class TimedValue implements Freshness {
  constructor(
    readonly value: unknown,
    readonly freshUntil: number,
    readonly ttl: number,
  ) {}
}

/**
 * @internal {@link seal} into a timed envelope: the payload is preceded by
 * its freshness, covered by the checksum.
 */
export function sealTimed(
  envelope: Envelope,
  key: string,
  value: unknown,
  times: Freshness,
): Uint8Array {
  const plain = seal(envelope, key, value)
  const at = envelope.header.length + CRC_BYTES
  const out = new Uint8Array(plain.length + TIMES_BYTES)
  out.set(plain.subarray(0, at), 0)
  out.set(plain.subarray(at), at + TIMES_BYTES)
  out[1] = TIMED_FORMAT
  const view = new DataView(out.buffer, out.byteOffset)
  view.setFloat64(at, times.freshUntil)
  view.setFloat64(at + 8, times.ttl)
  view.setUint32(envelope.header.length, crc32(out.subarray(at)))
  return out
}

/**
 * @internal The freshness of a timed envelope (byte 1 is {@link TIMED_FORMAT}),
 * read without decoding the payload; `undefined` when the bytes end first.
 * Not checksummed: {@link open} checks the same bytes when it decodes.
 */
export function freshnessOf(envelope: Envelope, bytes: Uint8Array): Freshness | undefined {
  const at = envelope.header.length + CRC_BYTES
  if (bytes.length < at + TIMES_BYTES) return undefined
  return { freshUntil: readFloat64(bytes, at), ttl: readFloat64(bytes, at + 8) }
}

/** @internal {@link freshnessOf}'s `freshUntil` alone (no object): `NaN` when the bytes end first. */
export function freshUntilOf(envelope: Envelope, bytes: Uint8Array): number {
  const at = envelope.header.length + CRC_BYTES
  if (bytes.length < at + TIMES_BYTES) return Number.NaN
  return readFloat64(bytes, at)
}

function readFloat64(bytes: Uint8Array, at: number): number {
  if (Buffer.isBuffer(bytes)) return bytes.readDoubleBE(at)
  return new DataView(bytes.buffer, bytes.byteOffset).getFloat64(at)
}

/** @internal Encodes a value once, into the envelope the store keeps. */
export function seal(envelope: Envelope, key: string, value: unknown): Uint8Array {
  let encoded: Uint8Array | string
  try {
    encoded = envelope.serializer.encode(value)
  } catch (cause) {
    throw new SerializationError(
      `[tagcache] [core] cannot serialize the value for key ${JSON.stringify(key)} with serializer ${JSON.stringify(envelope.serializer.id)}: ${(cause as Error)?.message ?? String(cause)}; expected a value the serializer supports (nothing was written)`,
      { cause },
    )
  }
  const { header } = envelope
  const start = header.length + CRC_BYTES
  let out: Uint8Array
  if (typeof encoded === 'string') {
    const bytes = Buffer.from(encoded, 'utf8')
    out = new Uint8Array(start + bytes.length)
    out.set(bytes, start)
  } else {
    out = new Uint8Array(start + encoded.length)
    out.set(encoded, start)
  }
  out.set(header, 0)
  new DataView(out.buffer, out.byteOffset).setUint32(header.length, crc32(out.subarray(start)))
  return out
}

/**
 * @internal Decodes a payload, or throws DeserializationError naming why.
 * `checksum: false` skips the CRC, for payloads an in-process store vouches
 * for (`capabilities.intactPayloads`).
 */
export function open(envelope: Envelope, key: string, bytes: Uint8Array, checksum = true): unknown {
  if (bytes[1] === TIMED_FORMAT) return openTimed(envelope, key, bytes, checksum)
  const { header } = envelope
  let matches = bytes.length >= header.length
  for (let i = 0; matches && i < header.length; i++) {
    if (bytes[i] !== header[i]) matches = false
  }
  if (!matches) {
    throw new DeserializationError(
      `[tagcache] [core] entry ${JSON.stringify(key)} was written by ${describeWriter(bytes)}; expected serializer ${JSON.stringify(envelope.serializer.id)} (treated as a miss)`,
    )
  }
  const start = header.length + CRC_BYTES
  if (!checksum && envelope.json && Buffer.isBuffer(bytes)) {
    // An intact payload of core's JSON serializer: the very bytes seal()
    // wrote from JSON.stringify, so valid UTF-8 by construction. Parsed in
    // place: no view, no UTF-8 validation, no checksum.
    try {
      return JSON.parse(bytes.toString('utf8', start))
    } catch (cause) {
      throw corrupted(envelope, key, cause)
    }
  }
  const payload = bytes.subarray(start)
  if (bytes.length < start || (checksum && readUint32BE(bytes, header.length) !== crc32(payload))) {
    throw new DeserializationError(
      `[tagcache] [core] entry ${JSON.stringify(key)} is corrupted: its checksum does not match; expected the bytes serializer ${JSON.stringify(envelope.serializer.id)} wrote (treated as a miss)`,
    )
  }
  try {
    return envelope.serializer.decode(payload)
  } catch (cause) {
    throw corrupted(envelope, key, cause)
  }
}

/** {@link open} of a timed envelope: the header but its format byte, the checksum over times and payload. */
function openTimed(envelope: Envelope, key: string, bytes: Uint8Array, checksum: boolean): unknown {
  const { header } = envelope
  let matches = bytes.length >= header.length + CRC_BYTES + TIMES_BYTES && bytes[0] === header[0]
  for (let i = 2; matches && i < header.length; i++) {
    if (bytes[i] !== header[i]) matches = false
  }
  if (!matches) {
    throw new DeserializationError(
      `[tagcache] [core] entry ${JSON.stringify(key)} was written by ${describeWriter(bytes)}; expected serializer ${JSON.stringify(envelope.serializer.id)} (treated as a miss)`,
    )
  }
  const at = header.length + CRC_BYTES
  if (checksum && readUint32BE(bytes, header.length) !== crc32(bytes.subarray(at))) {
    throw new DeserializationError(
      `[tagcache] [core] entry ${JSON.stringify(key)} is corrupted: its checksum does not match; expected the bytes serializer ${JSON.stringify(envelope.serializer.id)} wrote (treated as a miss)`,
    )
  }
  try {
    // As in open(): an intact payload of core's JSON serializer is parsed in place.
    if (!checksum && envelope.json && Buffer.isBuffer(bytes)) {
      return JSON.parse(bytes.toString('utf8', at + TIMES_BYTES))
    }
    return envelope.serializer.decode(bytes.subarray(at + TIMES_BYTES))
  } catch (cause) {
    throw corrupted(envelope, key, cause)
  }
}

function corrupted(envelope: Envelope, key: string, cause: unknown): DeserializationError {
  return new DeserializationError(
    `[tagcache] [core] entry ${JSON.stringify(key)} is corrupted: ${(cause as Error)?.message ?? String(cause)}; expected a payload serializer ${JSON.stringify(envelope.serializer.id)} can decode (treated as a miss)`,
    { cause },
  )
}

// Byte arithmetic: a DataView per read was an allocation on every get.
function readUint32BE(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] as number) << 24) |
      ((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number)) >>>
    0
  )
}

function describeWriter(bytes: Uint8Array): string {
  if (bytes.length < 3 || bytes[0] !== MAGIC) return 'something other than tagcache'
  if (bytes[1] !== FORMAT_VERSION && bytes[1] !== TIMED_FORMAT)
    return `tagcache payload format ${bytes[1]}`
  const length = bytes[2] as number
  if (bytes.length < 3 + length) return 'a truncated tagcache payload'
  try {
    return `serializer ${JSON.stringify(decoder.decode(bytes.subarray(3, 3 + length)))}`
  } catch {
    return 'an unreadable serializer id'
  }
}
