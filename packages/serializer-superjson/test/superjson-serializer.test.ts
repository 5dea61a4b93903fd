import { createCache, isTagCacheError } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { SuperJSON } from 'superjson'
import { describe, expect, it } from 'vitest'
import { superjsonSerializer } from '../src/index.js'

const decodeText = (serializer: ReturnType<typeof superjsonSerializer>, text: string) =>
  serializer.decode(new TextEncoder().encode(text))

class Money {
  constructor(
    public amount: number,
    public currency: string,
  ) {}
  format() {
    return `${this.amount} ${this.currency}`
  }
}

describe('superjsonSerializer', () => {
  it('writes standard superjson JSON that superjson itself reads', () => {
    const serializer = superjsonSerializer()
    const value = { at: new Date(0), ids: new Set([1n]), m: new Map([['k', undefined]]) }
    const text = serializer.encode(value)
    expect(typeof text).toBe('string')
    expect(SuperJSON.parse(text as string)).toEqual(value)
    expect(decodeText(serializer, SuperJSON.stringify(value))).toEqual(value)
  })

  it('restores shared references as one object', () => {
    const serializer = superjsonSerializer()
    const shared = { n: 1 }
    const decoded = decodeText(serializer, serializer.encode({ a: shared, b: [shared] }) as string)
    const { a, b } = decoded as { a: object; b: object[] }
    expect(b[0]).toBe(a)
  })

  it.each([
    ['a class instance', new Money(1, 'EUR'), /instance of Money; register it/],
    ['an Error', new TypeError('boom'), /an Error \(TypeError\)/],
    ['a Uint8Array subclass', new (class Bytes extends Uint8Array {})(2), /instance of Bytes/],
    ['an invalid Date', new Date(Number.NaN), /an invalid Date/],
    ['a Float64Array holding NaN', Float64Array.of(1, Number.NaN), /Float64Array holding NaN/],
    ['a Float32Array holding -0', Float32Array.of(-0), /Float32Array holding -0/],
    ['a Map subclass', new (class Registry extends Map {})(), /instance of Registry/],
    ['a boxed number', Object(1), /instance of Number/],
    ['a WeakMap', new WeakMap(), /instance of WeakMap/],
    ['a promise', Promise.resolve(1), /instance of Promise/],
    ['an unregistered symbol', Symbol('s'), /a symbol \(Symbol\(s\)\)/],
  ])('refuses %s, top level and nested, naming it', (_, value, message) => {
    const serializer = superjsonSerializer()
    expect(() => serializer.encode(value)).toThrow(message)
    expect(() => serializer.encode({ deep: [new Map([['k', value]])] })).toThrow(message)
  })

  it('refuses keys superjson rejects as prototype pollution', () => {
    const serializer = superjsonSerializer()
    expect(() => serializer.encode({ constructor: 'x' })).toThrow(/constructor/)
  })

  it('keeps finite float arrays and integer typed arrays', () => {
    const serializer = superjsonSerializer()
    const value = {
      f64: Float64Array.of(1.5, -2, 1e300),
      f32: Float32Array.of(0.5),
      i16: Int16Array.of(-1, 2),
      u8c: Uint8ClampedArray.of(255),
      url: new URL('https://example.com/a?b=c'),
    }
    const decoded = decodeText(serializer, serializer.encode(value) as string) as typeof value
    expect(decoded).toEqual(value)
    expect(decoded.f64).toBeInstanceOf(Float64Array)
    expect(decoded.url).toBeInstanceOf(URL)
  })

  it('writes binary as base64 text: about 4/3 of its size, not a JSON number per byte', () => {
    const serializer = superjsonSerializer()
    const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 131) % 256)
    const text = serializer.encode({ bytes, copy: Buffer.from(bytes) }) as string
    expect(text.length).toBeLessThan(2 * 300_000 * 1.34 + 200)
    expect(text).toContain(Buffer.from(bytes).toString('base64'))
    const decoded = decodeText(serializer, text) as { bytes: Uint8Array; copy: Buffer }
    expect(Object.getPrototypeOf(decoded.bytes)).toBe(Uint8Array.prototype)
    expect(Buffer.isBuffer(decoded.copy)).toBe(true)
    expect(Buffer.from(decoded.bytes).equals(Buffer.from(bytes))).toBe(true)
    expect(decoded.copy.equals(Buffer.from(bytes))).toBe(true)
  })

  it('decoded small Uint8Arrays own their memory (never a slice of the Buffer pool)', () => {
    const serializer = superjsonSerializer()
    const decoded = decodeText(serializer, serializer.encode(Uint8Array.of(1, 2, 3)) as string)
    expect((decoded as Uint8Array).buffer.byteLength).toBe(3)
  })

  it('still decodes binary written before base64, as a JSON array of numbers', () => {
    const old =
      '{"json":{"b":[0,1,255]},"meta":{"values":{"b":[["typed-array","Uint8Array"]]},"v":1}}'
    const decoded = decodeText(superjsonSerializer(), old) as { b: Uint8Array }
    expect(decoded.b).toBeInstanceOf(Uint8Array)
    expect([...decoded.b]).toEqual([0, 1, 255])
  })

  it.each([
    ['invalid characters', '"AAEC!!AA"'],
    ['a missing padding', '"AAE"'],
    ['a number', '3'],
  ])('decode refuses a binary value with %s', (_, json) => {
    const text = `{"json":${json},"meta":{"values":[["custom","tagcache:bytes"]],"v":1}}`
    expect(() => decodeText(superjsonSerializer(), text)).toThrow(/not base64 text/)
  })

  it('configure registers classes and custom types on a private instance, ahead of the guard', () => {
    const serializer = superjsonSerializer({
      configure: (sj) => {
        sj.registerClass(Money, 'Money')
        sj.registerCustom<Buffer, string>(
          {
            isApplicable: (v): v is Buffer => Buffer.isBuffer(v),
            serialize: (v) => v.toString('base64'),
            deserialize: (v) => Buffer.from(v, 'base64'),
          },
          'buffer',
        )
      },
    })
    const decoded = decodeText(
      serializer,
      serializer.encode({ price: new Money(9.5, 'EUR'), raw: Buffer.from('hi') }) as string,
    ) as { price: Money; raw: Buffer }
    expect(decoded.price).toBeInstanceOf(Money)
    expect(decoded.price.format()).toBe('9.5 EUR')
    expect(Buffer.isBuffer(decoded.raw)).toBe(true)
    expect(decoded.raw.toString()).toBe('hi')
    // the user's Buffer transformer matched before the built-in one
    expect(serializer.encode(Buffer.from('hi'))).toContain('"buffer"')
    // the registrations stay on this serializer's instance
    expect(() => superjsonSerializer().encode(new Money(1, 'EUR'))).toThrow(/Money/)
    expect(() => SuperJSON.parse(SuperJSON.stringify(new Money(1, 'EUR')))).not.toThrow()
  })

  it.each([
    ['a JSON string', '"abc"'],
    ['a JSON number', '1'],
    ['null', 'null'],
    ['an array', '[1]'],
    ['an object without json', '{"meta":{}}'],
    ['an object with extra keys', '{"json":1,"other":2}'],
    ['a meta that is not an object', '{"json":1,"meta":[1]}'],
    ['an unknown annotation', '{"json":1,"meta":{"values":["bogus"],"v":1}}'],
    [
      'the guard annotation',
      '{"json":null,"meta":{"values":[["custom","tagcache:unrepresentable"]],"v":1}}',
    ],
  ])('decode refuses %s', (_, text) => {
    expect(() => decodeText(superjsonSerializer(), text)).toThrow()
  })

  it('validates its options', () => {
    const bad = (options: unknown) => () => superjsonSerializer(options as never)
    expect(bad({ configure: 'x' })).toThrow(
      /\[tagcache\] \[superjson\] invalid options:\n {2}- configure: expected a function \(superjson\) => void/,
    )
    expect(bad({ dedupe: true })).toThrow(/dedupe: unknown option; expected one of configure/)
    expect(bad(null)).toThrow(/expected object, received null/)
    try {
      bad({ dedupe: true })()
    } catch (error) {
      expect(isTagCacheError(error, 'E_INVALID_OPTIONS')).toBe(true)
    }
  })

  it('works behind createCache, as the README shows', async () => {
    const cache = createCache({
      store: memoryStore(),
      serializer: superjsonSerializer(),
    })
    const session = { userId: 1n, expires: new Date('2030-01-01'), roles: new Set(['admin']) }
    await cache.set('session:1', session, { tags: ['sessions'] })
    const read = await cache.get('session:1')
    expect(read).toEqual(session)
    expect(read).not.toBe(session)
    const error = await cache.set('bad', { f: () => 1 }).catch((e: unknown) => e)
    expect(isTagCacheError(error, 'E_SERIALIZE')).toBe(true)
    expect((error as Error).message).toContain('"bad"')
    expect((error as Error).message).toContain('superjson cannot represent a function')
  })
})
