import { isUtf8 } from 'node:buffer'
import { type Serializer, validateOptions } from '@tagcache/core'
import { SuperJSON, type SuperJSONResult } from 'superjson'
import { z } from 'zod'

/** Options of {@link superjsonSerializer}. */
export interface SuperjsonSerializerOptions {
  /**
   * Registers classes, symbols and custom types on the serializer's own
   * SuperJSON instance (never the global one), once, at construction:
   * `(sj) => { sj.registerClass(Money); sj.registerCustom(decimal, 'decimal') }`.
   * Every process that reads the cache must register the same types under the
   * same names; an entry holding a type a reader does not know is a miss there.
   * @default no registrations
   */
  configure?: (superjson: SuperJSON) => void
}

const optionsSchema = z.strictObject({
  configure: z
    .custom<(superjson: SuperJSON) => void>((v) => typeof v === 'function', {
      message: 'expected a function (superjson) => void',
    })
    .optional(),
})

// Exact prototypes only: an instance of a subclass (class Money extends Map)
// would come back as its base class.
const PLAIN_CONTAINERS = new Set<unknown>([
  Object.prototype,
  null,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  RegExp.prototype,
  URL.prototype,
])
// superjson rebuilds typed arrays from a JSON array of numbers, by constructor name.
const INTEGER_ARRAYS = new Set<unknown>(
  [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array].map(
    (ctor) => ctor.prototype,
  ),
)
const FLOAT_ARRAYS = new Set<unknown>([Float32Array.prototype, Float64Array.prototype])
const GUARD = 'tagcache:unrepresentable'
// superjson's own typed-array rule writes one JSON number per byte (about 3.6
// bytes per byte, and a walk over every element); these write base64 (4/3).
// Payloads from before them (['typed-array', 'Uint8Array']) still decode.
const BYTES = 'tagcache:bytes'
const BUFFER = 'tagcache:buffer'

const toBase64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')

/** Strict base64 (padded, no other characters): Buffer alone skips what it cannot read. */
function fromBase64(text: unknown): Buffer {
  if (typeof text === 'string' && text.length % 4 === 0) {
    const bytes = Buffer.from(text, 'base64')
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
    if (bytes.length === (text.length / 4) * 3 - padding) return bytes
  }
  throw new TypeError('payload holds a binary value that is not base64 text')
}

/** A Uint8Array that owns its memory: small Buffers are slices of a shared pool. */
function ownBytes(bytes: Buffer): Uint8Array {
  return bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length
    ? new Uint8Array(bytes.buffer)
    : new Uint8Array(bytes)
}

const isExactly = (value: unknown, ctor: typeof Uint8Array | typeof Buffer): boolean =>
  value instanceof Uint8Array && Object.getPrototypeOf(value) === ctor.prototype

/**
 * Why superjson cannot store `value` faithfully, or `undefined` if it can.
 * Runs inside superjson's own walk (as the last custom transformer), so it
 * sees every value once and costs no extra traversal. Values that superjson
 * handles before custom transformers (registered classes and symbols) and
 * transformers registered by `configure` never reach it.
 */
function unrepresentable(value: unknown): string | undefined {
  switch (typeof value) {
    case 'function':
      return 'a function'
    case 'symbol':
      return `a symbol (${String(value)}); register it with configure: (sj) => sj.registerSymbol(symbol, 'name')`
    case 'object': {
      if (value === null) return undefined
      const proto: unknown = Object.getPrototypeOf(value)
      if (PLAIN_CONTAINERS.has(proto)) return undefined
      if (proto === Date.prototype) {
        return Number.isNaN((value as Date).getTime()) ? 'an invalid Date' : undefined
      }
      if (INTEGER_ARRAYS.has(proto)) return undefined
      if (FLOAT_ARRAYS.has(proto)) {
        // Written as JSON numbers: NaN and ±Infinity would become null, -0 would become 0.
        for (const n of value as Float64Array) {
          if (!Number.isFinite(n) || Object.is(n, -0)) {
            return `a ${(value as Float64Array).constructor.name} holding ${Object.is(n, -0) ? '-0' : n}`
          }
        }
        return undefined
      }
      if (value instanceof Error) {
        return `an Error (${value.name}): superjson keeps its message but not its class or stack`
      }
      const name = (value as { constructor?: { name?: unknown } }).constructor?.name
      return `an instance of ${typeof name === 'string' && name ? name : 'an unknown class'}; register it with configure: (sj) => sj.registerClass(...) or sj.registerCustom(...)`
    }
    default:
      return undefined
  }
}

function isSuperjsonResult(parsed: unknown): parsed is SuperJSONResult {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false
  if (!Object.hasOwn(parsed, 'json')) return false
  for (const key of Object.keys(parsed)) if (key !== 'json' && key !== 'meta') return false
  const { meta } = parsed as { meta?: unknown }
  return meta === undefined || (typeof meta === 'object' && meta !== null && !Array.isArray(meta))
}

/**
 * A serializer on [superjson](https://github.com/flightcontrolhq/superjson):
 * JSON text that also round-trips `Date`, `Map`, `Set`, `BigInt`, `undefined`
 * (in objects and arrays), `RegExp`, `URL`, `NaN`, `±Infinity`, `-0`,
 * `Uint8Array` and `Buffer` (as base64 text), other integer typed arrays,
 * shared references and cycles. Payloads are UTF-8 JSON, so they stay
 * readable in `redis-cli`.
 *
 * Refused by `encode` (core turns the throw into `E_SERIALIZE`; nothing is
 * written), rather than stored as something else: functions, unregistered
 * symbols and class instances, `Error`s, invalid `Date`s, subclasses of
 * `Map`/`Set`/`Array`/`Uint8Array`, float arrays holding `NaN`/`±Infinity`/`-0`,
 * and (superjson's own rule) objects with a `__proto__`, `constructor` or
 * `prototype` key. Register your own classes and types with `configure`.
 *
 * Slower and larger than JSON (see the package README). Binary data costs
 * what base64 costs (4 bytes per 3); msgpack stores it as raw bytes.
 *
 * @experimental
 * @example
 * ```ts
 * import { createCache } from '@tagcache/core'
 * import { superjsonSerializer } from '@tagcache/serializer-superjson'
 *
 * const cache = createCache({ store, serializer: superjsonSerializer() })
 * await cache.set('session', { userId: 1n, expires: new Date(), roles: new Set(['admin']) })
 * ```
 */
export function superjsonSerializer(options: SuperjsonSerializerOptions = {}): Serializer {
  const { configure } = validateOptions('superjson', optionsSchema, options)
  const superjson = new SuperJSON()
  configure?.(superjson)
  // Registered after configure, so user transformers match first.
  superjson.registerCustom<Uint8Array, string>(
    {
      isApplicable: (value): value is Uint8Array => isExactly(value, Uint8Array),
      serialize: toBase64,
      deserialize: (text) => ownBytes(fromBase64(text)),
    },
    BYTES,
  )
  superjson.registerCustom<Buffer, string>(
    {
      isApplicable: (value): value is Buffer => isExactly(value, Buffer),
      serialize: toBase64,
      deserialize: fromBase64,
    },
    BUFFER,
  )
  superjson.registerCustom<unknown, null>(
    {
      isApplicable: (value): value is unknown => unrepresentable(value) !== undefined,
      serialize: (value) => {
        throw new TypeError(`superjson cannot represent ${unrepresentable(value)}`)
      },
      deserialize: () => {
        throw new TypeError(`payload holds a ${GUARD} value, which encode never writes`)
      },
    },
    GUARD,
  )

  return {
    id: 'superjson',
    encode(value) {
      return JSON.stringify(superjson.serialize(value))
    },
    decode(bytes) {
      if (!isUtf8(bytes)) throw new TypeError('payload is not valid UTF-8')
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
      const parsed: unknown = JSON.parse(text)
      if (!isSuperjsonResult(parsed)) {
        throw new TypeError('payload is JSON but not a superjson result { json, meta }')
      }
      // The parsed tree is ours alone: annotate it in place instead of copying it.
      return superjson.deserialize(parsed, { inPlace: true })
    },
  }
}
