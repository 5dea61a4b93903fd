import type { Serializer } from '@tagcache/core'
import { describe } from 'vitest'
import { corruptionTests } from './corruption.js'
import { fidelityTests } from './fidelity.js'
import { serializerSuiteContext } from './options.js'
import { refusalTests } from './refusals.js'
import type { FidelityCase, SerializerContractOptions } from './types.js'
import { valueTests } from './values.js'

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
  const ctx = serializerSuiteContext(options)
  describe(`Serializer contract: ${name}`, () => {
    fidelityTests(ctx)
    valueTests(ctx)
    corruptionTests(ctx)
    refusalTests(ctx)
  })
}
