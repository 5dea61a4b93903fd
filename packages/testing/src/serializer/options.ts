import { InvalidOptionsError, type Serializer } from '@tagcache/core'
import { FIDELITY } from './cases.js'
import { JSON_LOSSY } from './lossy.js'
import type { FidelityCase, LossyConversions, SerializerContractOptions } from './types.js'

/**
 * What every concern of the Serializer suite reads: the options, checked and
 * with their defaults applied, once, when the suite is registered.
 */
export interface SerializerSuiteContext {
  /** Creates the serializer under test (option `create`). */
  readonly create: () => Serializer
  /** Whether the serializer round-trips `kase` exactly (option `supports`, or its default). */
  supports(kase: FidelityCase): boolean
  /** What each lossy case comes back as (option `lossy`, the `'json'` preset resolved). */
  readonly lossy: LossyConversions
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

/** The suite's context for `options`; throws an `InvalidOptionsError` listing every option mistake. */
export function serializerSuiteContext(options: SerializerContractOptions): SerializerSuiteContext {
  const lossy = lossyTable(options)
  return {
    create: options.create,
    supports: (kase) => options.supports?.[kase] ?? JSON_CASES.includes(kase),
    lossy,
  }
}
