import { execFileSync } from 'node:child_process'
import { createCache, type ErrorEvent, isTagCacheError } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { describe, expect, it } from 'vitest'
import { msgpackSerializer } from '../src/index.js'

const roundTrip = (value: unknown, records = false) => {
  const serializer = msgpackSerializer({ records })
  return serializer.decode(serializer.encode(value) as Uint8Array)
}

describe('msgpackSerializer', () => {
  it("has id 'msgpack', or 'msgpack+records' with records on", () => {
    expect(msgpackSerializer().id).toBe('msgpack')
    expect(msgpackSerializer({ records: false }).id).toBe('msgpack')
    expect(msgpackSerializer({ records: true }).id).toBe('msgpack+records')
  })

  it('encodes to bytes', () => {
    expect(msgpackSerializer().encode({ a: 1 })).toBeInstanceOf(Uint8Array)
  })

  describe.each([false, true])('records: %s', (records) => {
    it('a Buffer comes back as a Buffer, a Uint8Array as a Uint8Array (copies)', () => {
      const serializer = msgpackSerializer({ records })
      const value = { buf: Buffer.from('héllo'), u8: Uint8Array.of(1, 2, 3) }
      const payload = serializer.encode(value) as Uint8Array
      for (const input of [payload, new Uint8Array(payload), Buffer.from(payload)]) {
        const decoded = serializer.decode(input) as typeof value
        expect(Buffer.isBuffer(decoded.buf)).toBe(true)
        expect(decoded.buf.toString()).toBe('héllo')
        expect(Buffer.isBuffer(decoded.u8)).toBe(false)
        expect(decoded.u8).toBeInstanceOf(Uint8Array)
        expect([...decoded.u8]).toEqual([1, 2, 3])
      }
      const copy = new Uint8Array(payload)
      const decoded = serializer.decode(copy) as typeof value
      copy.fill(0)
      expect(decoded.buf.toString()).toBe('héllo')
    })

    it('other typed arrays, ArrayBuffer and DataView keep their types', () => {
      const value = {
        f64: Float64Array.of(1.5, Number.NaN, -0, Number.POSITIVE_INFINITY),
        i32: Int32Array.of(-1, 2 ** 31 - 1),
        big: BigInt64Array.of(-(2n ** 63n)),
        ubig: BigUint64Array.of(2n ** 64n - 1n),
        clamped: Uint8ClampedArray.of(255),
        ab: Uint8Array.of(7, 8).buffer,
        dv: new DataView(Uint8Array.of(9).buffer),
      }
      const decoded = roundTrip(value, records) as typeof value
      expect(decoded.f64).toBeInstanceOf(Float64Array)
      expect(Object.is(decoded.f64[2], -0)).toBe(true)
      expect(Number.isNaN(decoded.f64[1])).toBe(true)
      expect(decoded.i32).toEqual(value.i32)
      expect(decoded.big).toEqual(value.big)
      expect(decoded.ubig).toEqual(value.ubig)
      expect(decoded.clamped).toBeInstanceOf(Uint8ClampedArray)
      expect(decoded.ab).toBeInstanceOf(ArrayBuffer)
      expect([...new Uint8Array(decoded.ab)]).toEqual([7, 8])
      expect(decoded.dv).toBeInstanceOf(DataView)
      expect(decoded.dv.getUint8(0)).toBe(9)
    })

    it('shared references are written per occurrence and read back as equal copies', () => {
      const shared = { n: 1 }
      const decoded = roundTrip({ a: shared, b: [shared] }, records) as { a: object; b: object[] }
      expect(decoded.b[0]).toEqual(decoded.a)
      expect(decoded.b[0]).not.toBe(decoded.a)
    })

    it.each([
      [
        '-0',
        { price: [1, -0] },
        /-0 \(MessagePack integers have no sign for zero\) at \["price"\]\[1\]/,
      ],
      ['a function', { a: { f: () => 1 } }, /a function at \["a"\]\["f"\]/],
      ['a symbol', [Symbol('s')], /a symbol \(Symbol\(s\)\) at \[0\]/],
      ['an unpaired surrogate', { s: 'a\ud800' }, /unpaired UTF-16 surrogate at \["s"\]/],
      [
        'an unpaired surrogate in a key',
        { 'k\udc00': 1 },
        /a key with an unpaired UTF-16 surrogate/,
      ],
      ['a __proto__ key', JSON.parse('{"__proto__":1}'), /"__proto__" key/],
      ['an Error', { e: new RangeError('x') }, /an Error \(RangeError\)/],
      ['a class instance', { when: new (class Temporal {})() }, /an instance of Temporal/],
      ['a Set subclass', new (class Tags extends Set {})(), /an instance of Tags/],
      ['a boxed string', Object('x'), /an instance of String/],
      ['a SharedArrayBuffer', new SharedArrayBuffer(1), /an instance of SharedArrayBuffer/],
    ])('refuses %s, naming where it is', (_, value, message) => {
      expect(() => msgpackSerializer({ records }).encode(value)).toThrow(message)
    })

    it('refuses cycles through objects, arrays, sets and maps', () => {
      const object: Record<string, unknown> = {}
      object.self = object
      const array: unknown[] = []
      array.push([array])
      const set = new Set<unknown>()
      set.add({ set })
      const serializer = msgpackSerializer({ records })
      for (const value of [object, array, set]) {
        expect(() => serializer.encode(value)).toThrow(/a cyclic reference/)
      }
      if (records) {
        const map = new Map<string, unknown>()
        map.set('me', map)
        expect(() => serializer.encode(map)).toThrow(/a cyclic reference at \[0\]\[1\]/)
      }
    })

    it('decode throws on trailing bytes and on an empty payload', () => {
      const serializer = msgpackSerializer({ records })
      const payload = serializer.encode({ a: 1 }) as Uint8Array
      expect(() => serializer.decode(Buffer.concat([payload, Uint8Array.of(0)]))).toThrow(
        /end of buffer not reached/,
      )
      expect(() => serializer.decode(new Uint8Array(0))).toThrow()
    })
  })

  it('refuses a Map without records, and says to turn records on', () => {
    expect(() => msgpackSerializer().encode({ m: new Map() })).toThrow(
      /a Map .*use msgpackSerializer\(\{ records: true \}\)\) at \["m"\]/,
    )
    const map = new Map<unknown, unknown>([[{ k: 1 }, new Map([[1, 'one']])]])
    expect(roundTrip(map, true)).toEqual(map)
  })

  it('records make repeated shapes smaller', () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({
      id: i,
      name: `n${i}`,
      active: true,
      score: i / 2,
    }))
    const plain = msgpackSerializer().encode(rows) as Uint8Array
    const records = msgpackSerializer({ records: true }).encode(rows) as Uint8Array
    expect(records.length).toBeLessThan(plain.length * 0.6)
  })

  it('a records payload decodes in another process, with no shared structures', () => {
    const shapes = Array.from({ length: 100 }, (_, i) => ({
      [`field${i % 80}`]: i,
      at: new Date(i),
    }))
    const value = { shapes, again: shapes.slice(0, 5), map: new Map([['k', { v: 1 }]]) }
    const payload = msgpackSerializer({ records: true }).encode(value) as Uint8Array
    const script = `
      import { msgpackSerializer } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)}
      const payload = Buffer.from(process.argv[1], 'base64')
      const value = msgpackSerializer({ records: true }).decode(payload)
      process.stdout.write(JSON.stringify(value, (k, v) => v instanceof Map ? { map: [...v] } : v))`
    const out = execFileSync(
      process.execPath,
      [
        '--no-warnings',
        '--experimental-strip-types',
        '--input-type=module',
        '-e',
        script,
        Buffer.from(payload).toString('base64'),
      ],
      { cwd: new URL('..', import.meta.url), encoding: 'utf8' },
    )
    expect(JSON.parse(out)).toEqual({
      shapes: shapes.map((s) => ({ ...s, at: s.at.toISOString() })),
      again: shapes.slice(0, 5).map((s) => ({ ...s, at: s.at.toISOString() })),
      map: { map: [['k', { v: 1 }]] },
    })
  })

  it('validates its options', () => {
    const bad = (options: unknown) => () => msgpackSerializer(options as never)
    expect(bad({ records: 'yes' })).toThrow(
      /\[tagcache\] \[msgpack\] invalid options:\n {2}- records: Invalid input: expected boolean, received string/,
    )
    expect(bad({ structures: [] })).toThrow(/structures: unknown option; expected one of records/)
    expect(bad(null)).toThrow(/expected object, received null/)
    const error = (() => {
      try {
        bad({ records: 1 })()
      } catch (e) {
        return e
      }
    })()
    expect(isTagCacheError(error, 'E_INVALID_OPTIONS')).toBe(true)
  })

  it('works behind createCache; switching records is a miss, never garbage', async () => {
    const store = memoryStore()
    const errors: ErrorEvent[] = []
    const plain = createCache({ store, serializer: msgpackSerializer() })
    const records = createCache({
      store,
      serializer: msgpackSerializer({ records: true }),
      hooks: [{ error: (e) => void errors.push(e) }],
    })
    const value = { id: 1n, at: new Date(0), tags: new Set(['a']), bytes: Uint8Array.of(1, 2) }
    await plain.set('k', value)
    expect(await plain.get('k')).toEqual(value)
    expect(await records.get('k')).toBeUndefined()
    expect(isTagCacheError(errors[0]?.error, 'E_DESERIALIZE')).toBe(true)
    const error = await plain.set('bad', { m: new Map() }).catch((e: unknown) => e)
    expect(isTagCacheError(error, 'E_SERIALIZE')).toBe(true)
    expect((error as Error).message).toContain('"bad"')
  })
})
