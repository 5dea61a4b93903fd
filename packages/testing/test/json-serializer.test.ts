import { jsonSerializer } from '@tagcache/core'
import { serializerContractSuite } from '../src/index.js'

// JSON's own limits: -0, NaN, Infinity, Date, Map, Set, undefined, RegExp and
// Uint8Array come back as something else, as lossy: 'json' spells out; BigInt
// and cycles are refused.
serializerContractSuite('json', { create: () => jsonSerializer(), lossy: 'json' })
