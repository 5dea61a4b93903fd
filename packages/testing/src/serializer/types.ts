import type { Serializer } from '@tagcache/core'

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
