import { crc32 as zlibCrc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  createCache,
  isTagCacheError,
  jsonSerializer,
  type Serializer,
  type Store,
} from '../src/index.js'
import { createEnvelope, jsCrc32, open, seal } from '../src/serializer.js'
import { testStore } from './support/test-store.js'

/** What `fn` throws; `undefined` when it returns. */
function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}

describe('payload envelope', () => {
  const json = createEnvelope(jsonSerializer())

  it('round-trips through the json serializer', () => {
    for (const value of [null, 0, 'x', [1, { a: 'é🐎' }], { nested: { deep: true } }]) {
      expect(open(json, 'k', seal(json, 'k', value))).toEqual(value)
    }
  })

  it("records the serializer id, so another serializer's payload is refused", () => {
    const other: Serializer = {
      id: 'other',
      encode: (v) => JSON.stringify(v),
      decode: (b) => JSON.parse(Buffer.from(b).toString()),
    }
    const bytes = seal(createEnvelope(other), 'k', { a: 1 })
    expect(() => open(json, 'k', bytes)).toThrow(/serializer "other"; expected serializer "json"/)
  })

  it('refuses truncated and foreign bytes with E_DESERIALIZE', () => {
    const bytes = seal(json, 'k', { a: 1 })
    for (const bad of [
      bytes.subarray(0, 2),
      bytes.subarray(0, bytes.length - 2),
      new Uint8Array([1, 2, 3]),
    ]) {
      const error = thrown(() => open(json, 'k', bad))
      expect(isTagCacheError(error, 'E_DESERIALIZE')).toBe(true)
    }
  })

  it('rejects what JSON would silently change, with E_SERIALIZE naming the key', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const value of [10n, { a: 10n }, () => 1, Symbol('s'), cyclic, { f: () => 1 }]) {
      const error = thrown(() => seal(json, 'the-key', value))
      expect(isTagCacheError(error, 'E_SERIALIZE')).toBe(true)
      expect((error as Error).message).toContain('"the-key"')
    }
  })

  it('a flipped bit that still decodes to a valid value is refused by the checksum', () => {
    const bytes = seal(json, 'k', { a: 1 })
    const flipped = bytes.slice()
    const at = flipped.lastIndexOf('1'.charCodeAt(0))
    flipped[at] = '3'.charCodeAt(0) // {"a":3}: valid JSON, wrong value
    const error = thrown(() => open(json, 'k', flipped))
    expect(isTagCacheError(error, 'E_DESERIALIZE')).toBe(true)
    expect((error as Error).message).toContain('checksum')
  })

  it('a store declaring intactPayloads skips the checksum; any other store keeps it', async () => {
    // The same flipped bit under two stores: only the in-process one (whose
    // bytes cannot be corrupted in transit) is trusted without the CRC.
    const read = async (capabilities: Store['capabilities']) => {
      const store = testStore()
      const cache = createCache({ store: Object.assign(store, { capabilities }) })
      await cache.set('k', { a: 1 })
      const bytes = store.writes[0]?.value as Uint8Array
      bytes[bytes.lastIndexOf('1'.charCodeAt(0))] = '3'.charCodeAt(0)
      return cache.get('k')
    }
    expect(await read({ intactPayloads: true })).toEqual({ a: 3 })
    expect(await read(undefined)).toBeUndefined()
    expect(await read({ intactPayloads: false })).toBeUndefined()
  })

  it('decodes an intact Buffer payload of core JSON in place, and still refuses bad JSON', () => {
    const bytes = Buffer.from(seal(json, 'k', { a: [1, 'é🐎'] }))
    expect(open(json, 'k', bytes, false)).toEqual({ a: [1, 'é🐎'] })
    bytes[bytes.length - 1] = '!'.charCodeAt(0) // no longer JSON
    const error = thrown(() => open(json, 'k', bytes, false))
    expect(isTagCacheError(error, 'E_DESERIALIZE')).toBe(true)
    expect((error as Error).message).toContain('corrupted')
    // The serializer whose payloads take this path cannot be changed under it.
    expect(Object.isFrozen(jsonSerializer())).toBe(true)
  })

  it('the JavaScript CRC32 fallback agrees with zlib', () => {
    for (const size of [0, 1, 7, 200, 65_537]) {
      const data = new Uint8Array(size).map((_, i) => (i * 131 + size) & 0xff)
      expect(jsCrc32(data)).toBe(zlibCrc32(data))
    }
  })
})
