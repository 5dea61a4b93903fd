import { serializerContractSuite } from '@tagcache/testing'
import { msgpackSerializer } from '../src/index.js'

const common = {
  nan: true,
  infinity: true,
  date: true,
  set: true,
  bigint: true,
  undefinedInObject: true,
  regexp: true,
  binary: true,
  // refused by encode: -0, unpaired surrogates and cycles
  negativeZero: false,
  loneSurrogate: false,
  cyclic: false,
} as const

// Without records a Map and an object are the same MessagePack map: encode refuses Maps.
serializerContractSuite('msgpack', {
  create: () => msgpackSerializer(),
  supports: { ...common, map: false },
})

serializerContractSuite('msgpack (records)', {
  create: () => msgpackSerializer({ records: true }),
  supports: { ...common, map: true },
})
