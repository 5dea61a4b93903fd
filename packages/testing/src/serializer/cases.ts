import { expect } from 'vitest'
import type { FidelityCase, FidelityPosition } from './types.js'

/**
 * Stands for each value of a case inside its test values: the identity when
 * building the originals, a {@link LossyConversions} function when building
 * what a lossy serializer gives back.
 */
export type Leaf = (value: unknown, position: FidelityPosition) => unknown

export const keep: Leaf = (value) => value

/** One row of the fidelity table: how to build a case's test values and check what comes back. */
export interface Fidelity {
  readonly label: string
  /**
   * The case's test values, each value of the case passed through `leaf`; a
   * fresh set per call so no test sees another's mutation.
   */
  readonly values: (leaf: Leaf) => unknown[]
  /** Checks `toEqual` cannot express (identity, -0, own undefined properties, exact types). */
  readonly check?: (decoded: unknown, original: unknown) => void
}

const roots = (leaf: Leaf, values: unknown[]): unknown[] => values.map((v) => leaf(v, 'root'))

/** The fidelity table: test values for each {@link FidelityCase}. */
export const FIDELITY: Record<FidelityCase, Fidelity> = {
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
