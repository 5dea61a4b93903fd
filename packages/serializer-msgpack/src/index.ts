import { type Serializer, validateOptions } from '@tagcache/core'
import { type Options, Packr, Unpackr } from 'msgpackr'
import { z } from 'zod'

/** Options of {@link msgpackSerializer}. */
export interface MsgpackSerializerOptions {
  /**
   * Write plain objects as msgpackr records: each object shape's keys are
   * written once per payload and later objects of that shape carry only their
   * values, so arrays of same-shaped objects get much smaller. Records also
   * tell a `Map` apart from a plain object, so **`Map`s are supported only
   * with records on**.
   *
   * Record definitions are embedded in every payload (msgpackr `useRecords`
   * without a shared `structures` array, `maxSharedStructures: 0`): any
   * process decodes any payload on its own, with no structures to share or
   * keep in sync. The wire format differs, so the serializer id becomes
   * `'msgpack+records'` and switching this option turns existing entries into
   * misses rather than garbage.
   * @default false
   */
  records?: boolean
}

// Exact prototypes msgpackr writes with a type tag and reads back as the same
// type (moreTypes). Buffer is written as MessagePack bin and read back as a Buffer.
const TYPED = new Set<unknown>(
  [
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
    Buffer,
    ArrayBuffer,
    DataView,
  ].map((ctor) => ctor.prototype),
)

const optionsSchema = z.strictObject({ records: z.boolean().optional() })

type Path = (string | number)[]

const isWellFormed = (s: string): boolean =>
  (s as string & { isWellFormed(): boolean }).isWellFormed()

/**
 * What msgpackr would silently store as something else: -0 (written as the
 * integer 0), strings with unpaired surrogates (written as U+FFFD), class
 * instances (written as plain objects), a `Map` without records (read back as
 * an object), functions (written as undefined), cycles (a stack overflow).
 * Returns the reason, with `path` left pointing at the value, or `undefined`.
 *
 * One walk before msgpackr packs: it allocates nothing for a valid value.
 * `path` and `ancestors` are stacks, restored on the way out.
 */
function unrepresentable(
  value: unknown,
  maps: boolean,
  path: Path,
  ancestors: object[],
): string | undefined {
  switch (typeof value) {
    case 'string':
      return isWellFormed(value) ? undefined : 'a string with an unpaired UTF-16 surrogate'
    case 'number':
      return value === 0 && 1 / value < 0
        ? '-0 (MessagePack integers have no sign for zero)'
        : undefined
    case 'function':
      return 'a function'
    case 'symbol':
      return `a symbol (${String(value)})`
    case 'object':
      break
    default:
      return undefined // boolean, undefined, bigint (exact at any size: int64, uint64 or the BigInt extension)
  }
  if (value === null) return undefined
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto === Object.prototype || proto === null) {
    if (ancestors.includes(value)) return 'a cyclic reference'
    ancestors.push(value)
    // The keys msgpackr writes: enumerable string keys, own ones.
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue
      path.push(key)
      if (key === '__proto__') return 'a "__proto__" key (msgpackr reads it back as "__proto_")'
      if (!isWellFormed(key)) return 'a key with an unpaired UTF-16 surrogate'
      const reason = unrepresentable((value as Record<string, unknown>)[key], maps, path, ancestors)
      if (reason !== undefined) return reason
      path.pop()
    }
    ancestors.pop()
    return undefined
  }
  if (proto === Array.prototype) {
    if (ancestors.includes(value)) return 'a cyclic reference'
    ancestors.push(value)
    const array = value as unknown[]
    for (let i = 0; i < array.length; i++) {
      path.push(i)
      const reason = unrepresentable(array[i], maps, path, ancestors)
      if (reason !== undefined) return reason
      path.pop()
    }
    ancestors.pop()
    return undefined
  }
  if (proto === Date.prototype || proto === RegExp.prototype || TYPED.has(proto)) return undefined
  if (proto === Set.prototype || proto === Map.prototype) {
    if (proto === Map.prototype && !maps) {
      return 'a Map (without records a Map and an object are the same MessagePack map; use msgpackSerializer({ records: true }))'
    }
    if (ancestors.includes(value)) return 'a cyclic reference'
    ancestors.push(value)
    let i = 0
    for (const entry of value as Set<unknown> | Map<unknown, unknown>) {
      path.push(i++)
      const reason = unrepresentable(entry, maps, path, ancestors)
      if (reason !== undefined) return reason
      path.pop()
    }
    ancestors.pop()
    return undefined
  }
  if (value instanceof Error) {
    return `an Error (${value.name}); its stack and own properties would be lost`
  }
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name
  return `an instance of ${typeof name === 'string' && name ? name : 'an unknown class'} (it would be read back as a plain object)`
}

/**
 * The fast pass: true when the value has nothing to refuse. No path, no
 * ancestor list: a depth bound stands in for cycle detection, and anything
 * doubtful (deep or odd) goes to the precise walk, which names the problem.
 */
function plainlyFine(value: unknown, maps: boolean, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      return isWellFormed(value)
    case 'number':
      return value !== 0 || 1 / value > 0
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return true
    case 'object':
      break
    default:
      return false
  }
  if (value === null) return true
  if (depth > 64) return false
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto === Array.prototype) {
    const array = value as unknown[]
    for (let i = 0; i < array.length; i++) if (!plainlyFine(array[i], maps, depth + 1)) return false
    return true
  }
  if (proto === Object.prototype || proto === null) {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue
      if (key === '__proto__' || !isWellFormed(key)) return false
      if (!plainlyFine((value as Record<string, unknown>)[key], maps, depth + 1)) return false
    }
    return true
  }
  if (proto === Date.prototype || proto === RegExp.prototype || TYPED.has(proto)) return true
  if (proto === Set.prototype || (proto === Map.prototype && maps)) {
    for (const entry of value as Set<unknown> | Map<unknown, unknown>) {
      if (!plainlyFine(entry, maps, depth + 1)) return false
    }
    return true
  }
  return false
}

function refuse(value: unknown, maps: boolean): void {
  if (plainlyFine(value, maps, 0)) return
  const path: Path = []
  const reason = unrepresentable(value, maps, path, [])
  if (reason === undefined) return
  const at = path.map((p) => (typeof p === 'number' ? `[${p}]` : `[${JSON.stringify(p)}]`)).join('')
  throw new TypeError(`msgpack cannot represent ${reason}${at ? ` at ${at}` : ''}`)
}

function refuseFunction(): never {
  throw new TypeError('msgpack cannot represent a function')
}

/**
 * A MessagePack serializer on [msgpackr](https://github.com/kriszyp/msgpackr):
 * compact binary, fast to encode and decode, and type-faithful for `Date`,
 * `Set`, `Map` (with `records: true`), `BigInt` of any size (exact; never
 * turned into a float), `undefined`, `NaN`, `±Infinity`, `RegExp` and binary.
 * `Uint8Array`, every other typed array, `ArrayBuffer` and `DataView` come
 * back as their own type; a `Buffer` comes back as a `Buffer`. Decoded
 * binaries are copies, never views into the stored payload.
 *
 * `encode` refuses (core turns the throw into `E_SERIALIZE`; nothing is
 * written) what MessagePack would store as something else: `-0`, strings with
 * unpaired surrogates, functions, symbols, cycles, `Error`s, class instances,
 * subclasses of built-ins, a `__proto__` key, and a `Map` unless `records` is
 * on. Shared references are written once per occurrence (decoded as copies).
 * `decode` throws on truncated payloads and on trailing bytes.
 *
 * @experimental
 * @example
 * ```ts
 * import { createCache } from '@tagcache/core'
 * import { msgpackSerializer } from '@tagcache/serializer-msgpack'
 *
 * const cache = createCache({ store, serializer: msgpackSerializer({ records: true }) })
 * await cache.set('thumb:1', { bytes: new Uint8Array(4096), at: new Date() })
 * ```
 */
export function msgpackSerializer(options: MsgpackSerializerOptions = {}): Serializer {
  const records = validateOptions('msgpack', optionsSchema, options).records === true
  const msgpackrOptions: Options = {
    useRecords: records,
    mapsAsObjects: !records,
    maxSharedStructures: 0,
    moreTypes: true,
    useBigIntExtension: true,
    largeBigIntToFloat: false,
    largeBigIntToString: false,
    int64AsType: 'bigint',
    copyBuffers: true,
    structuredClone: false,
    encodeUndefinedAsNil: false,
    writeFunction: refuseFunction,
  }
  // Separate instances: a Packr's record state must not meet a decode's.
  const packr = new Packr({ ...msgpackrOptions })
  const unpackr = new Unpackr({ ...msgpackrOptions })

  return {
    id: records ? 'msgpack+records' : 'msgpack',
    encode(value) {
      refuse(value, records)
      return packr.pack(value)
    },
    decode(bytes) {
      // A fresh view: msgpackr caches a DataView on the object it reads, and
      // a Buffer source is what makes binaries come back as Buffers.
      return unpackr.unpack(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    },
  }
}
