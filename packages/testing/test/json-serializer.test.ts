import { jsonSerializer } from '@tagcache/core'
import { serializerContractSuite } from '../src/index.js'

// JSON's own limits, as the suite reports them: -0, NaN, Infinity, Date, Map,
// Set, undefined, RegExp and Uint8Array are stored lossily (skipped); BigInt
// and cycles are refused.
serializerContractSuite('json', { create: () => jsonSerializer() })
