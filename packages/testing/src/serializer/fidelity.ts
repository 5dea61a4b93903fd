import { describe, expect, it } from 'vitest'
import { FIDELITY, type Fidelity, keep, type Leaf } from './cases.js'
import { dropped, withoutDropped } from './lossy.js'
import type { SerializerSuiteContext } from './options.js'
import { describeValue, roundTrip, toPayload } from './payload.js'
import type { FidelityCase, LossyContext } from './types.js'

/**
 * One test per {@link FidelityCase}: a supported case round-trips exactly, a
 * lossy one comes back as declared, any other is refused by `encode`.
 */
export function fidelityTests({ create, supports, lossy }: SerializerSuiteContext): void {
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
}
