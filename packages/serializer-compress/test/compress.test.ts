import { gunzipSync } from 'node:zlib'
import {
  createCache,
  type ErrorEvent,
  isTagCacheError,
  jsonSerializer,
  type Serializer,
} from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { msgpackSerializer } from '@tagcache/serializer-msgpack'
import { describe, expect, it } from 'vitest'
import { type CompressionAlgorithm, compressed } from '../src/index.js'

const ALGORITHMS: CompressionAlgorithm[] = ['gzip', 'brotli', 'zstd']
const utf8 = (encoded: Uint8Array | string) =>
  typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded

/** A JSON-like object of about `bytes` bytes of JSON, as an API response would look. */
function rows(bytes: number) {
  const out: unknown[] = []
  for (let i = 0; JSON.stringify(out).length < bytes; i++) {
    out.push({
      id: i,
      name: `user ${i}`,
      email: `user${i}@example.com`,
      active: i % 3 === 0,
      score: ((i * 7919) % 1000) / 10,
      roles: i % 4 ? ['reader'] : ['reader', 'editor'],
      createdAt: new Date(1.7e12 + i * 86_400_123).toISOString(),
    })
  }
  return out
}

describe('compressed', () => {
  it('id is the algorithm, a colon and the inner id; gzip by default', () => {
    expect(compressed(jsonSerializer()).id).toBe('gzip:json')
    expect(compressed(jsonSerializer(), { algorithm: 'brotli' }).id).toBe('brotli:json')
    expect(compressed(msgpackSerializer({ records: true }), { algorithm: 'zstd' }).id).toBe(
      'zstd:msgpack+records',
    )
  })

  describe.each(ALGORITHMS)('%s', (algorithm) => {
    it('stores a value below the threshold with marker 0, exactly 1 byte more', () => {
      const inner = jsonSerializer()
      const serializer = compressed(inner, { algorithm })
      const value = { id: 1, name: 'x'.repeat(900) } // compressible, but under 1024 bytes
      const plain = utf8(inner.encode(value))
      expect(plain.length).toBeLessThan(1024)
      const payload = serializer.encode(value) as Uint8Array
      expect(payload[0]).toBe(0)
      expect(payload.length).toBe(plain.length + 1)
      expect(Buffer.from(payload.subarray(1)).equals(Buffer.from(plain))).toBe(true)
      expect(serializer.decode(payload)).toEqual(value)
    })

    it('compresses a value at or above the threshold with marker 1, smaller than its input', () => {
      const inner = jsonSerializer()
      const value = { text: 'abc '.repeat(256) }
      const plain = utf8(inner.encode(value))
      const serializer = compressed(inner, { algorithm, threshold: plain.length })
      const payload = serializer.encode(value) as Uint8Array
      expect(payload[0]).toBe(1)
      expect(payload.length).toBeLessThan(plain.length / 4)
      expect(serializer.decode(payload)).toEqual(value)
      expect(
        compressed(inner, { algorithm, threshold: plain.length + 1 }).encode(value),
      ).toHaveLength(plain.length + 1)
    })

    it('stores incompressible bytes as is (marker 0) even above the threshold', () => {
      const serializer = compressed(msgpackSerializer(), { algorithm, threshold: 0 })
      const noise = new Uint8Array(4096).map(() => Math.floor(Math.random() * 256))
      const payload = serializer.encode(noise) as Uint8Array
      expect(payload[0]).toBe(0)
      expect(serializer.decode(payload)).toEqual(noise)
    })

    it('round-trips at every allowed level, and higher levels are not larger in practice', () => {
      const value = rows(20_000)
      const levels =
        algorithm === 'gzip' ? [0, 1, 9] : algorithm === 'brotli' ? [0, 4, 11] : [1, 3, 19]
      const sizes = levels.map((level) => {
        const serializer = compressed(jsonSerializer(), { algorithm, level })
        const payload = serializer.encode(value) as Uint8Array
        expect(serializer.decode(payload)).toEqual(value)
        return payload.length
      })
      expect(sizes[2]).toBeLessThanOrEqual(sizes[0]!)
    })

    it('decode throws on an unknown marker, a corrupted body and a truncated body', () => {
      const serializer = compressed(jsonSerializer(), { algorithm, threshold: 0 })
      const payload = serializer.encode(rows(4000)) as Uint8Array
      expect(payload[0]).toBe(1)
      expect(() => serializer.decode(Uint8Array.of(2, ...payload.subarray(1)))).toThrow(
        /starts with 2; expected marker 0 \(stored\) or 1/,
      )
      expect(() => serializer.decode(new Uint8Array(0))).toThrow(/empty/)
      expect(() => serializer.decode(payload.subarray(0, payload.length - 3))).toThrow()
      expect(() => serializer.decode(Uint8Array.of(1, 0, 1, 2, 3, 4, 5))).toThrow()
    })
  })

  it.each([
    ['gzip', 0.3],
    ['brotli', 0.3],
    ['zstd', 0.3],
  ] as const)('a 50 KiB JSON-like object compresses under 30%% with %s', (algorithm, ratio) => {
    const value = rows(50 * 1024)
    const plain = utf8(jsonSerializer().encode(value))
    expect(plain.length).toBeGreaterThanOrEqual(50 * 1024)
    const payload = compressed(jsonSerializer(), { algorithm }).encode(value) as Uint8Array
    expect(payload[0]).toBe(1)
    expect(payload.length / plain.length).toBeLessThan(ratio)
  })

  it('a gzip payload is marker 1 followed by a standard gzip member', () => {
    const value = rows(5000)
    const payload = compressed(jsonSerializer()).encode(value) as Uint8Array
    expect(JSON.parse(gunzipSync(payload.subarray(1)).toString('utf8'))).toEqual(value)
  })

  it('converts a string from the inner serializer to UTF-8, and refuses unpaired surrogates', () => {
    const inner: Serializer = {
      id: 'raw-string',
      encode: (value) => value as string,
      decode: (bytes) => Buffer.from(bytes).toString('utf8'),
    }
    const serializer = compressed(inner, { threshold: 0 })
    expect(serializer.decode(serializer.encode('žluťoučký 🐎'.repeat(100)) as Uint8Array)).toBe(
      'žluťoučký 🐎'.repeat(100),
    )
    expect(serializer.decode(serializer.encode('ž') as Uint8Array)).toBe('ž')
    expect(() => serializer.encode('a\ud800')).toThrow(/unpaired UTF-16 surrogate/)
    const odd = { ...inner, encode: () => 42 as unknown as string }
    expect(() => compressed(odd).encode(1)).toThrow(
      /returned number; expected a Uint8Array or a string/,
    )
  })

  it('passes inner encode errors through, and inner decode errors', () => {
    const serializer = compressed(jsonSerializer(), { threshold: 0 })
    expect(() => serializer.encode({ n: 1n })).toThrow(/JSON cannot represent a bigint/)
    expect(() => serializer.decode(Uint8Array.of(0, 0x7b))).toThrow()
  })

  describe('options', () => {
    const error = (fn: () => unknown) => {
      try {
        fn()
      } catch (e) {
        return e as Error
      }
      throw new Error('expected a throw')
    }

    it.each([
      [{ algorithm: 'lz4' }, 'algorithm: expected "gzip", "brotli" or "zstd", got "lz4"'],
      [{ algorithm: 'toString' }, 'algorithm: expected "gzip", "brotli" or "zstd", got "toString"'],
      [{ threshold: -1 }, 'threshold: expected an integer >= 0 (bytes), got -1'],
      [{ threshold: 1.5 }, 'threshold: expected an integer >= 0 (bytes), got 1.5'],
      [{ threshold: '1024' }, 'threshold: expected an integer >= 0 (bytes), got "1024"'],
      [
        { threshold: 2 ** 60 },
        'threshold: expected an integer >= 0 (bytes), got 1152921504606847000',
      ],
      [{ level: 10 }, 'level: expected an integer from 0 to 9 for gzip, got 10'],
      [
        { algorithm: 'brotli', level: 12 },
        'level: expected an integer from 0 to 11 for brotli, got 12',
      ],
      [{ algorithm: 'zstd', level: 0 }, 'level: expected an integer from 1 to 22 for zstd, got 0'],
      [
        { algorithm: 'zstd', level: 23 },
        'level: expected an integer from 1 to 22 for zstd, got 23',
      ],
      [{ level: 2.5 }, 'level: expected an integer from 0 to 9 for gzip, got 2.5'],
      [{ level: '3' }, 'level: expected an integer from 0 to 9 for gzip, got "3"'],
      [{ maxSize: 0 }, 'maxSize: expected an integer >= 1 (bytes), got 0'],
      [
        { lvl: 3 },
        '(options): unknown option "lvl"; expected algorithm, threshold, level or maxSize',
      ],
      [null, '(options): expected an object, got null'],
      ['fast', '(options): expected an object, got string'],
    ])('%o is refused, the error naming the path: %s', (options, issue) => {
      const e = error(() => compressed(jsonSerializer(), options as never))
      expect(isTagCacheError(e, 'E_INVALID_OPTIONS')).toBe(true)
      expect(e.message).toBe(`[tagcache] [compress] invalid options:\n  - ${issue}`)
      expect((e as unknown as { issues: string[] }).issues).toEqual([issue])
    })

    it('lists every bad option in one error', () => {
      const e = error(() =>
        compressed(jsonSerializer(), { algorithm: 'brotli', threshold: -5, level: 99 }),
      )
      expect((e as unknown as { issues: string[] }).issues).toEqual([
        'threshold: expected an integer >= 0 (bytes), got -5',
        'level: expected an integer from 0 to 11 for brotli, got 99',
      ])
    })

    it('refuses something that is not a serializer', () => {
      for (const inner of [null, {}, { id: '', encode() {}, decode() {} }, jsonSerializer]) {
        expect(() => compressed(inner as never)).toThrow(
          /^\[tagcache\] \[compress\] invalid inner serializer .*; expected a Serializer \{ id, encode, decode \}/,
        )
      }
    })

    it('accepts the boundaries', () => {
      expect(() => compressed(jsonSerializer(), { threshold: 0, level: 0 })).not.toThrow()
      expect(() => compressed(jsonSerializer(), { algorithm: 'brotli', level: 11 })).not.toThrow()
      expect(() => compressed(jsonSerializer(), { algorithm: 'zstd', level: 22 })).not.toThrow()
    })
  })

  it('works behind createCache; switching algorithm is a miss, never garbage', async () => {
    const store = memoryStore()
    const errors: ErrorEvent[] = []
    const gzip = createCache({ store, serializer: compressed(jsonSerializer()) })
    const zstd = createCache({
      store,
      serializer: compressed(jsonSerializer(), { algorithm: 'zstd' }),
      hooks: [{ error: (e) => void errors.push(e) }],
    })
    const value = rows(10_000)
    await gzip.set('report', value, { tags: ['reports'] })
    expect(await gzip.get('report')).toEqual(value)
    expect(await zstd.get('report')).toBeUndefined()
    expect(isTagCacheError(errors[0]?.error, 'E_DESERIALIZE')).toBe(true)
    expect(String((errors[0]?.error as Error | undefined)?.message)).toContain('gzip:json')
  })
})

describe('maxSize', () => {
  it.each(['gzip', 'brotli', 'zstd'] as const)(
    '%s: a payload that inflates beyond maxSize fails to decode instead of exhausting memory',
    (algorithm) => {
      const big = 'x'.repeat(1 << 20) // 1 MiB of one letter: compresses to almost nothing
      const bytes = compressed(jsonSerializer(), { algorithm }).encode(big) as Uint8Array
      expect(() =>
        compressed(jsonSerializer(), { algorithm, maxSize: 64 * 1024 }).decode(bytes),
      ).toThrow()
      expect(compressed(jsonSerializer(), { algorithm }).decode(bytes)).toBe(big)
    },
  )

  it('rejects a bad maxSize', () => {
    expect(() => compressed(jsonSerializer(), { maxSize: 0 })).toThrow(
      'maxSize: expected an integer >= 1 (bytes), got 0',
    )
  })
})
