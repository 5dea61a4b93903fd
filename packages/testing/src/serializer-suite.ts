import { InvalidOptionsError, type Serializer } from '@tagcache/core'
import { describe, expect, it } from 'vitest'

/**
 * A named value kind of the {@link serializerContractSuite} fidelity table.
 * For each, a serializer either round-trips it exactly (`supports`), gives
 * back something else that it declares (`lossy`), or refuses it in `encode`.
 *
 * | case                | values                                                              |
 * | ------------------- | ------------------------------------------------------------------- |
 * | `string`            | ASCII strings, the empty string                                     |
 * | `unicode`           | accents, emoji, CJK, combining marks, NUL, U+2028                   |
 * | `loneSurrogate`     | strings with unpaired UTF-16 surrogates (`'\ud800'`)                |
 * | `number`            | integers, fractions, ±MAX_SAFE_INTEGER, MIN_VALUE, MAX_VALUE        |
 * | `negativeZero`      | `-0`, top level and nested                                          |
 * | `nan`               | `NaN`                                                               |
 * | `infinity`          | `Infinity`, `-Infinity`                                             |
 * | `boolean`           | `true`, `false`                                                     |
 * | `null`              | `null`, top level and nested                                        |
 * | `nestedObject`      | objects nested four deep, odd keys (`''`, spaces, unicode)          |
 * | `array`             | mixed and nested arrays                                             |
 * | `emptyContainers`   | `{}` and `[]`, nested                                               |
 * | `date`              | `Date`s before and after 1970, with milliseconds                    |
 * | `map`               | `Map` with string, number and object keys, nested                   |
 * | `set`               | `Set` of primitives and objects                                     |
 * | `bigint`            | `BigInt`s from 0 to beyond 64 bits, negative                        |
 * | `undefinedInObject` | `undefined` as an object property and an array element              |
 * | `regexp`            | `RegExp` with flags                                                 |
 * | `binary`            | `Uint8Array`, including a view at an offset into a larger buffer    |
 * | `cyclic`            | objects that reference themselves (identity must be restored)      |
 */
export type FidelityCase =
  | 'string'
  | 'unicode'
  | 'loneSurrogate'
  | 'number'
  | 'negativeZero'
  | 'nan'
  | 'infinity'
  | 'boolean'
  | 'null'
  | 'nestedObject'
  | 'array'
  | 'emptyContainers'
  | 'date'
  | 'map'
  | 'set'
  | 'bigint'
  | 'undefinedInObject'
  | 'regexp'
  | 'binary'
  | 'cyclic'

/**
 * Where a value of a {@link FidelityCase} sits in the suite's test values:
 * the value itself, a property of a plain object, or an array element.
 */
export type FidelityPosition = 'root' | 'property' | 'element'

/**
 * The type of the values a {@link FidelityCase} is about, as handed to a
 * {@link LossyConversions} function.
 */
export interface FidelityValue {
  string: string
  unicode: string
  loneSurrogate: string
  number: number
  negativeZero: number
  nan: number
  infinity: number
  boolean: boolean
  null: null
  nestedObject: Record<string, unknown>
  array: unknown[]
  emptyContainers: object
  date: Date
  map: Map<unknown, unknown>
  set: Set<unknown>
  bigint: bigint
  undefinedInObject: undefined
  regexp: RegExp
  binary: Uint8Array
  cyclic: Record<string, unknown>
}

/** Where a {@link LossyConversions} function is called from. */
export interface LossyContext {
  /** Where the value sits. */
  readonly position: FidelityPosition
  /**
   * Return it for a value that does not come back at all: the property is
   * missing from the decoded object (JSON drops `undefined` properties), or
   * the element from the decoded array.
   */
  readonly dropped: symbol
}

/**
 * What a serializer gives back, per {@link FidelityCase}, for a value it
 * stores lossily: `date: (d) => d.toISOString()` says a `Date` comes back as
 * its ISO string, wherever it sits. The function receives each value of the
 * case (a `Map`, a `Date`... top level or nested) and returns what decoding
 * gives in its place.
 */
export type LossyConversions = {
  [K in FidelityCase]?: (value: FidelityValue[K], context: LossyContext) => unknown
}

const dropped = Symbol('dropped')

/**
 * `lossy: 'json'`: what `JSON.stringify` then `JSON.parse` make of each value
 * JSON cannot represent but does not refuse.
 */
const JSON_LOSSY: LossyConversions = {
  negativeZero: () => 0,
  nan: () => null,
  infinity: () => null,
  date: (date) => date.toISOString(),
  map: () => ({}),
  set: () => ({}),
  undefinedInObject: (_, { position }) => (position === 'element' ? null : dropped),
  regexp: () => ({}),
  binary: (bytes) => Object.fromEntries(Array.from(bytes, (byte, i) => [String(i), byte])),
}

/** Options of {@link serializerContractSuite}. */
export interface SerializerContractOptions {
  /** Creates the serializer under test. Called once per test. */
  create: () => Serializer
  /**
   * Which {@link FidelityCase}s the serializer round-trips exactly. A supported
   * case must round-trip. A case neither supported nor declared in `lossy`
   * must be refused: `encode` must throw for each of its values, and the test
   * fails, naming what came back, if it does not. An unsupported `cyclic`
   * must throw: a serializer may never loop or overflow the stack silently.
   * @default the JSON cases (`string`, `unicode`, `loneSurrogate`, `number`,
   * `boolean`, `null`, `nestedObject`, `array`, `emptyContainers`) supported,
   * every other case not
   */
  supports?: Partial<Record<FidelityCase, boolean>>
  /**
   * The cases the serializer stores without refusing them but gives back as
   * something else, and what it gives back: each value of the case must
   * decode to exactly (`toStrictEqual`) what its function returns. A case
   * cannot be both supported and lossy.
   *
   * `'json'` declares what JSON does, for serializers built on `JSON.stringify`:
   * `-0` comes back as `0`; `NaN` and `±Infinity` as `null`; a `Date` as its
   * ISO string; a `Map`, `Set` or `RegExp` as `{}`; a `Uint8Array` as an
   * object of its bytes by index (`{ "0": 137, ... }`); `undefined` is dropped
   * from objects and becomes `null` in arrays (`BigInt` and cycles are refused).
   * @default none: every unsupported case must be refused
   */
  lossy?: LossyConversions | 'json'
}

const JSON_CASES: readonly FidelityCase[] = [
  'string',
  'unicode',
  'loneSurrogate',
  'number',
  'boolean',
  'null',
  'nestedObject',
  'array',
  'emptyContainers',
]

/**
 * Stands for each value of a case inside its test values: the identity when
 * building the originals, a {@link LossyConversions} function when building
 * what a lossy serializer gives back.
 */
type Leaf = (value: unknown, position: FidelityPosition) => unknown

const keep: Leaf = (value) => value

interface Fidelity {
  readonly label: string
  /**
   * The case's test values, each value of the case passed through `leaf`; a
   * fresh set per call so no test sees another's mutation.
   */
  readonly values: (leaf: Leaf) => unknown[]
  /** Checks `toEqual` cannot express (identity, -0, own undefined properties, exact types). */
  readonly check?: (decoded: unknown, original: unknown) => void
}

const MIB = 1024 * 1024

/** Deterministic bytes (a linear congruential generator): the same garbage on every run. */
function pseudoRandomBytes(length: number, seed = 0x2545f491): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0
    out[i] = x >>> 24
  }
  return out
}

const roots = (leaf: Leaf, values: unknown[]): unknown[] => values.map((v) => leaf(v, 'root'))

const FIDELITY: Record<FidelityCase, Fidelity> = {
  string: {
    label: 'ASCII strings',
    values: (leaf) =>
      roots(leaf, ['hello, world', '', ' ', 'with "quotes", \\backslashes\\ and \n\t\r controls']),
  },
  unicode: {
    label: 'unicode strings',
    values: (leaf) =>
      roots(leaf, [
        'žluťoučký kůň 🐎',
        '日本語のテキスト',
        'e\u0301 (combining) \u200d\u2028\u2029',
        'NUL \u0000 inside',
        '👩‍👩‍👧‍👦 🇨🇿 \uffff',
      ]),
  },
  loneSurrogate: {
    label: 'strings with unpaired UTF-16 surrogates',
    values: (leaf) => roots(leaf, ['a\ud800b', '\udfff', `${'x'.repeat(100)}\ud83d`]),
  },
  number: {
    label: 'numbers',
    values: (leaf) => [
      ...roots(leaf, [
        0,
        1,
        -1,
        42.5,
        0.1 + 0.2,
        255,
        256,
        65_536,
        2 ** 31,
        -(2 ** 31) - 1,
        2 ** 32 + 1,
        Number.MAX_SAFE_INTEGER,
        Number.MIN_SAFE_INTEGER,
        2 ** 53 + 2,
        Number.MIN_VALUE,
        Number.MAX_VALUE,
        -Number.MAX_VALUE,
      ]),
      { price: leaf(9.99, 'property'), count: leaf(3, 'property') },
    ],
  },
  negativeZero: {
    label: '-0',
    values: (leaf) => [leaf(-0, 'root'), [leaf(-0, 'element')], { v: leaf(-0, 'property') }],
    check: (decoded, original) => {
      const pick = (v: unknown) =>
        Array.isArray(v) ? v[0] : typeof v === 'object' && v !== null ? (v as { v: number }).v : v
      expect(Object.is(pick(decoded), -0), 'negative zero kept its sign').toBe(
        Object.is(pick(original), -0),
      )
    },
  },
  nan: {
    label: 'NaN',
    values: (leaf) => [
      leaf(Number.NaN, 'root'),
      [leaf(Number.NaN, 'element')],
      { v: leaf(Number.NaN, 'property') },
    ],
  },
  infinity: {
    label: 'Infinity and -Infinity',
    values: (leaf) => [
      ...roots(leaf, [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]),
      {
        max: leaf(Number.POSITIVE_INFINITY, 'property'),
        min: leaf(Number.NEGATIVE_INFINITY, 'property'),
      },
    ],
  },
  boolean: {
    label: 'booleans',
    values: (leaf) => [
      ...roots(leaf, [true, false]),
      [leaf(true, 'element'), leaf(false, 'element')],
    ],
  },
  null: {
    label: 'null',
    values: (leaf) => [leaf(null, 'root'), { a: leaf(null, 'property') }, [leaf(null, 'element')]],
  },
  nestedObject: {
    label: 'nested objects',
    values: (leaf) =>
      roots(leaf, [
        {
          a: { b: { c: { d: [1, { e: 'f' }] } } },
          'key with spaces': 1,
          '': 'empty key',
          ünïcödé: true,
          '0': 'numeric-looking key',
          nested: { list: [{ id: 1 }, { id: 2, extra: 'x' }] },
        },
      ]),
  },
  array: {
    label: 'arrays',
    values: (leaf) =>
      roots(leaf, [
        [1, 'two', null, true, [3, [4, [5]]], { six: 6 }],
        Array.from({ length: 100 }, (_, i) => i),
      ]),
  },
  emptyContainers: {
    label: 'empty objects and arrays',
    values: (leaf) => roots(leaf, [{}, [], { o: {}, a: [] }, [[], [{}]]]),
  },
  date: {
    label: 'Date',
    values: (leaf) => [
      ...roots(leaf, [
        new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789)),
        new Date(-1_000_000_000_123),
        new Date(0),
      ]),
      {
        at: leaf(new Date(Date.UTC(2030, 0, 1)), 'property'),
        list: [leaf(new Date(1), 'element')],
      },
    ],
    check: (decoded, original) => {
      if (original instanceof Date) {
        expect(decoded).toBeInstanceOf(Date)
        expect((decoded as Date).getTime()).toBe(original.getTime())
      } else {
        expect((decoded as { at: unknown }).at).toBeInstanceOf(Date)
      }
    },
  },
  map: {
    label: 'Map',
    values: (leaf) => [
      leaf(
        new Map<unknown, unknown>([
          ['a', 1],
          [2, 'two'],
          [{ k: 1 }, [3]],
          ['nested', new Map([['x', new Map()]])],
        ]),
        'root',
      ),
      { m: leaf(new Map([['k', 'v']]), 'property') },
      leaf(new Map(), 'root'),
    ],
    check: (decoded, original) => {
      if (original instanceof Map) {
        expect(decoded).toBeInstanceOf(Map)
        expect((decoded as Map<unknown, unknown>).size).toBe(original.size)
        if (original.has('nested')) {
          expect((decoded as Map<unknown, unknown>).get('nested')).toBeInstanceOf(Map)
        }
      } else {
        expect((decoded as { m: unknown }).m).toBeInstanceOf(Map)
      }
    },
  },
  set: {
    label: 'Set',
    values: (leaf) => [
      leaf(new Set<unknown>([1, 'a', { b: 2 }, [3]]), 'root'),
      { s: leaf(new Set(['x']), 'property') },
      leaf(new Set(), 'root'),
    ],
    check: (decoded, original) => {
      if (original instanceof Set) {
        expect(decoded).toBeInstanceOf(Set)
        expect((decoded as Set<unknown>).size).toBe(original.size)
      } else {
        expect((decoded as { s: unknown }).s).toBeInstanceOf(Set)
      }
    },
  },
  bigint: {
    label: 'BigInt',
    values: (leaf) => [
      ...roots(leaf, [
        0n,
        1n,
        -1n,
        2n ** 63n - 1n,
        -(2n ** 63n),
        2n ** 64n - 1n,
        2n ** 64n,
        2n ** 200n + 1n,
        -(2n ** 200n) - 7n,
      ]),
      { id: leaf(123n, 'property'), list: [leaf(1n, 'element'), leaf(2n ** 70n, 'element')] },
    ],
    check: (decoded, original) => {
      if (typeof original === 'bigint') {
        expect(typeof decoded).toBe('bigint')
        expect(decoded === original).toBe(true)
      } else {
        expect(typeof (decoded as { id: unknown }).id).toBe('bigint')
      }
    },
  },
  undefinedInObject: {
    label: 'undefined in objects and arrays',
    values: (leaf) => [
      { a: leaf(undefined, 'property'), b: 1 },
      [leaf(undefined, 'element'), 1, leaf(undefined, 'element')],
    ],
    check: (decoded, original) => {
      if (Array.isArray(original)) {
        expect(Array.isArray(decoded)).toBe(true)
        expect((decoded as unknown[]).length).toBe(original.length)
        expect(0 in (decoded as unknown[])).toBe(true)
      } else {
        expect(Object.hasOwn(decoded as object, 'a'), 'the undefined property is kept').toBe(true)
      }
    },
  },
  regexp: {
    label: 'RegExp',
    values: (leaf) => [
      ...roots(leaf, [/^a[b-z]+\/c$/giu, /x/]),
      { r: leaf(/\d+(?<n>\w)?/ms, 'property') },
    ],
    check: (decoded, original) => {
      if (original instanceof RegExp) {
        expect(decoded).toBeInstanceOf(RegExp)
        expect((decoded as RegExp).source).toBe(original.source)
        expect((decoded as RegExp).flags).toBe(original.flags)
      } else {
        expect((decoded as { r: unknown }).r).toBeInstanceOf(RegExp)
      }
    },
  },
  binary: {
    label: 'Uint8Array',
    values: (leaf) => {
      const backing = new Uint8Array(64).map((_, i) => 200 - i)
      return [
        ...roots(leaf, [
          new Uint8Array(256).map((_, i) => i),
          new Uint8Array(0),
          // a view: the serializer must write these 10 bytes, not the whole backing buffer
          new Uint8Array(backing.buffer, 7, 10),
        ]),
        { file: leaf(Uint8Array.of(0xff, 0xfe, 0x00, 0xc3, 0x28), 'property') },
      ]
    },
    check: (decoded, original) => {
      if (original instanceof Uint8Array) {
        expect(decoded).toBeInstanceOf(Uint8Array)
        expect([...(decoded as Uint8Array)]).toEqual([...original])
      } else {
        expect((decoded as { file: unknown }).file).toBeInstanceOf(Uint8Array)
      }
    },
  },
  cyclic: {
    label: 'cyclic objects',
    values: (leaf) => {
      const node: Record<string, unknown> = { name: 'root' }
      node.self = node
      node.children = [{ parent: node }]
      return [leaf(node, 'root')]
    },
    check: (decoded) => {
      const root = decoded as { self: unknown; children: { parent: unknown }[] }
      expect(root.self).toBe(root)
      expect(root.children[0]?.parent).toBe(root)
    },
  },
}

const utf8 = new TextEncoder()

/**
 * Turns `encode` output into bytes exactly as core does (strings as UTF-8),
 * and places them at an offset inside a larger buffer, as core hands
 * `decode` a view just past its envelope header.
 */
function toPayload(encoded: Uint8Array | string): Uint8Array {
  const bytes = typeof encoded === 'string' ? utf8.encode(encoded) : encoded
  const backing = new Uint8Array(bytes.length + 5).fill(0xaa)
  backing.set(bytes, 3)
  return backing.subarray(3, 3 + bytes.length)
}

function roundTrip(serializer: Serializer, value: unknown): unknown {
  const encoded = serializer.encode(value)
  expect(
    typeof encoded === 'string' || encoded instanceof Uint8Array,
    'encode returns a string or a Uint8Array',
  ).toBe(true)
  return serializer.decode(toPayload(encoded))
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} chars`
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value)
  if (value instanceof Date) return `Date(${value.getTime()})`
  if (value instanceof Map || value instanceof Set)
    return `${value.constructor.name}(${value.size})`
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`
  try {
    return (
      JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))?.slice(
        0,
        60,
      ) ?? String(value)
    )
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/** Removes what a lossy conversion marked {@link dropped}: object properties and array elements. */
function withoutDropped(value: unknown, seen = new Set<unknown>()): unknown {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value
  seen.add(value)
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto === Array.prototype) {
    return (value as unknown[]).filter((v) => v !== dropped).map((v) => withoutDropped(v, seen))
  }
  if (proto !== Object.prototype && proto !== null) return value
  for (const [key, v] of Object.entries(value)) {
    if (v === dropped) delete (value as Record<string, unknown>)[key]
    else (value as Record<string, unknown>)[key] = withoutDropped(v, seen)
  }
  return value
}

/** The `lossy` table the options declare, or the option mistakes that stop the suite. */
function lossyTable(options: SerializerContractOptions): LossyConversions {
  const issues: string[] = []
  const { create, supports = {}, lossy = {} } = options
  if (typeof create !== 'function') issues.push('create: expected a function () => Serializer')
  let table = lossy === 'json' ? JSON_LOSSY : lossy
  if (typeof table !== 'object' || table === null) {
    issues.push(`lossy: invalid value ${String(lossy)}; expected 'json' or an object of functions`)
    table = {}
  }
  const known = Object.keys(FIDELITY).join(', ')
  for (const key of Object.keys(supports)) {
    if (!Object.hasOwn(FIDELITY, key))
      issues.push(`supports.${key}: unknown case; expected one of ${known}`)
  }
  for (const [key, convert] of Object.entries(table)) {
    if (!Object.hasOwn(FIDELITY, key))
      issues.push(`lossy.${key}: unknown case; expected one of ${known}`)
    else if (typeof convert !== 'function') {
      issues.push(
        `lossy.${key}: invalid value; expected a function (value, context) => what comes back`,
      )
    } else if (supports[key as FidelityCase] === true) {
      issues.push(`${key}: both supported and lossy; expected one of the two`)
    }
  }
  if (issues.length > 0) throw new InvalidOptionsError('testing', issues)
  return table
}

/**
 * The Serializer contract suite: registers vitest tests that check a
 * {@link Serializer} keeps the promises core relies on. Values of every
 * supported {@link FidelityCase} round-trip exactly; lossy ones
 * decode to what `lossy` declares; every other case is refused by `encode`;
 * the `id` is stable ASCII;
 * falsy and empty values and 10 MiB values round-trip; `decode` of garbage or
 * of any truncation of a payload throws instead of returning a value; and
 * functions and symbols are refused.
 *
 * Payloads are handed to `decode` as core does: strings encoded as UTF-8, the
 * bytes a view at an offset into a larger buffer.
 *
 * @experimental
 * @example
 * ```ts
 * // test/contract.test.ts
 * import { serializerContractSuite } from '@tagcache/testing'
 * import { superjsonSerializer } from '@tagcache/serializer-superjson'
 *
 * serializerContractSuite('superjson', {
 *   create: () => superjsonSerializer(),
 *   supports: {
 *     negativeZero: true, nan: true, infinity: true, date: true, map: true, set: true,
 *     bigint: true, undefinedInObject: true, regexp: true, binary: true, cyclic: true,
 *   },
 * })
 *
 * // a serializer built on JSON
 * serializerContractSuite('json', { create: () => jsonSerializer(), lossy: 'json' })
 * ```
 */
export function serializerContractSuite(name: string, options: SerializerContractOptions): void {
  const lossy = lossyTable(options)
  const { create } = options
  const supports = (c: FidelityCase): boolean => options.supports?.[c] ?? JSON_CASES.includes(c)

  describe(`Serializer contract: ${name}`, () => {
    describe('fidelity', () => {
      for (const [kase, fidelity] of Object.entries(FIDELITY) as [FidelityCase, Fidelity][]) {
        const title = `${kase} (${fidelity.label})`
        const conversion = lossy[kase] as
          | ((value: unknown, context: LossyContext) => unknown)
          | undefined
        if (supports(kase)) {
          it(`${title} round-trip exactly`, () => {
            const serializer = create()
            for (const value of fidelity.values(keep)) {
              const decoded = roundTrip(serializer, value)
              if (kase !== 'cyclic') expect(decoded, describeValue(value)).toEqual(value)
              fidelity.check?.(decoded, value)
            }
          })
        } else if (conversion !== undefined) {
          it(`${title}: stored lossily, and come back as declared`, () => {
            const serializer = create()
            const convert: Leaf = (value, position) => conversion(value, { position, dropped })
            const expected = fidelity.values(convert).map((v) => withoutDropped(v))
            for (const [i, value] of fidelity.values(keep).entries()) {
              expect(roundTrip(serializer, value), describeValue(value)).toStrictEqual(expected[i])
            }
          })
        } else {
          it(`${title}: not supported, so encode refuses them`, () => {
            const serializer = create()
            for (const value of fidelity.values(keep)) {
              let encoded: Uint8Array | string
              try {
                encoded = serializer.encode(value)
              } catch {
                continue
              }
              let decoded: string
              try {
                decoded = `it came back as ${describeValue(serializer.decode(toPayload(encoded)))}`
              } catch (error) {
                decoded = `decode then threw ${String(error)}`
              }
              expect.fail(
                `encode accepted ${describeValue(value)} (${decoded}); expected it to throw, since "${kase}" is neither in supports nor in lossy: declare it in one of them, or make encode refuse it`,
              )
            }
          })
        }
      }
    })

    describe('id', () => {
      it('is a non-empty printable ASCII string of at most 255 bytes', () => {
        const { id } = create()
        expect(typeof id).toBe('string')
        expect(id).toMatch(/^[\x20-\x7e]{1,255}$/)
      })

      it('is stable: the same for every instance, and unchanged by use', () => {
        const serializer = create()
        const before = serializer.id
        serializer.decode(toPayload(serializer.encode({ a: [1, 2, 3] })))
        expect(serializer.id).toBe(before)
        expect(create().id).toBe(before)
      })
    })

    describe('values', () => {
      it("falsy and empty values round-trip: '', 0, false, null, [], {}", () => {
        const serializer = create()
        for (const value of ['', 0, false, null, [], {}]) {
          expect(roundTrip(serializer, value)).toEqual(value)
        }
      })

      it('a payload decodes with a fresh instance (no state shared between encoder and decoder)', () => {
        const writer = create()
        const shapes = Array.from({ length: 200 }, (_, i) => ({
          [`k${i % 70}`]: i,
          id: i,
          tags: ['x'],
        }))
        const payloads = [
          writer.encode({ first: 1, list: shapes }),
          writer.encode({ id: 1, tags: ['x'] }),
          writer.encode({ list: shapes.slice(50) }),
        ].map(toPayload)
        const reader = create()
        expect(reader.decode(payloads[2]!)).toEqual({ list: shapes.slice(50) })
        expect(reader.decode(payloads[1]!)).toEqual({ id: 1, tags: ['x'] })
        expect(reader.decode(payloads[0]!)).toEqual({ first: 1, list: shapes })
      })

      it('decodes a Buffer as well as a Uint8Array view', () => {
        const serializer = create()
        const value = { id: 1, name: 'Ada', list: [1, 2, 3] }
        const payload = toPayload(serializer.encode(value))
        expect(serializer.decode(Buffer.from(payload))).toEqual(value)
        expect(serializer.decode(new Uint8Array(payload))).toEqual(value)
      })

      it('encoding the same value twice gives the same payload', () => {
        const serializer = create()
        const value = { id: 7, name: 'Ada', roles: ['admin', 'dev'], nested: { a: [1, 2] } }
        const first = toPayload(serializer.encode(value))
        serializer.encode({ something: 'else', id: 'different shape' })
        expect([...toPayload(serializer.encode(value))]).toEqual([...first])
      })

      it('each decode returns a new object, detached from the payload bytes', () => {
        const serializer = create()
        const payload = toPayload(serializer.encode({ list: [1, 2, 3] }))
        const a = serializer.decode(payload) as { list: number[] }
        const b = serializer.decode(payload) as { list: number[] }
        expect(a).not.toBe(b)
        a.list.push(4)
        expect(b.list).toEqual([1, 2, 3])
        if (supports('binary')) {
          const bytes = toPayload(serializer.encode({ data: Uint8Array.of(1, 2, 3) }))
          const decoded = serializer.decode(bytes) as { data: Uint8Array }
          bytes.fill(0)
          expect([...decoded.data], 'decoded binary does not alias the payload').toEqual([1, 2, 3])
        }
      })

      it('a 10 MiB string round-trips', () => {
        const serializer = create()
        const block = Array.from({ length: 1024 }, (_, i) =>
          String.fromCharCode(32 + ((i * 7) % 95)),
        ).join('')
        const value = `${block.repeat(10 * 1024 - 1)}${'ž🐎'.repeat(256)}`.slice(0, 10 * MIB)
        const decoded = roundTrip(serializer, value)
        expect(typeof decoded).toBe('string')
        expect((decoded as string).length).toBe(value.length)
        expect(decoded === value).toBe(true)
      })

      // Registered only where they apply: a skipped test means "could not run here".
      if (supports('binary')) {
        it('a 10 MiB Uint8Array round-trips', () => {
          const serializer = create()
          const value = pseudoRandomBytes(10 * MIB)
          const decoded = roundTrip(serializer, value)
          expect(decoded).toBeInstanceOf(Uint8Array)
          expect(Buffer.from(decoded as Uint8Array).equals(Buffer.from(value))).toBe(true)
        })
      }
    })

    describe('corrupted payloads throw, never return a value', () => {
      const garbage: [string, Uint8Array][] = [
        ['empty', new Uint8Array(0)],
        ['pseudo-random bytes', pseudoRandomBytes(256)],
        ['invalid UTF-8', Uint8Array.of(0x7b, 0x22, 0xc3, 0x28, 0xa0, 0xa1, 0x22, 0x7d)],
        ['all zero bytes', new Uint8Array(64)],
      ]
      for (const [label, bytes] of garbage) {
        it(`garbage: ${label}`, () => {
          const serializer = create()
          expect(() => serializer.decode(bytes.slice())).toThrow()
        })
      }

      it('every truncation of the payload of a non-trivial object', () => {
        const serializer = create()
        const value = {
          id: 42,
          name: 'Ada Lovelace',
          tags: ['math', 'engines', 'poetry'],
          nested: { deep: { list: [1, 2.5, 'three', null, true] } },
          text: 'x'.repeat(300),
        }
        const payload = toPayload(serializer.encode(value))
        expect(serializer.decode(payload)).toEqual(value)
        const returned: number[] = []
        for (let length = 0; length < payload.length; length++) {
          try {
            serializer.decode(payload.slice(0, length))
            returned.push(length)
          } catch {
            // expected
          }
        }
        expect(returned, 'prefix lengths that decoded to a value').toEqual([])
      })

      if (supports('binary')) {
        it('every truncation of a binary value', () => {
          const serializer = create()
          const payload = toPayload(serializer.encode({ data: pseudoRandomBytes(2048) }))
          const returned: number[] = []
          for (let length = 0; length < payload.length; length += 13) {
            try {
              serializer.decode(payload.slice(0, length))
              returned.push(length)
            } catch {
              // expected
            }
          }
          expect(returned, 'prefix lengths that decoded to a value').toEqual([])
        })
      }
    })

    describe('values that cannot be represented are refused by encode', () => {
      const cases: [string, () => unknown][] = [
        ['a function', () => () => 1],
        ['a symbol', () => Symbol('s')],
        ['a function property', () => ({ ok: 1, f: () => 1 })],
        ['a symbol property', () => ({ ok: 1, s: Symbol('s') })],
        ['a function in an array', () => [1, () => 1]],
        ['a deeply nested function', () => ({ a: { b: [{ c: () => 1 }] } })],
      ]
      for (const [label, make] of cases) {
        it(label, () => {
          const serializer = create()
          expect(() => serializer.encode(make())).toThrow()
        })
      }
    })
  })
}
