import { serializerContractSuite } from '@tagcache/testing'
import { superjsonSerializer } from '../src/index.js'

serializerContractSuite('superjson', {
  create: () => superjsonSerializer(),
  supports: {
    negativeZero: true,
    nan: true,
    infinity: true,
    date: true,
    map: true,
    set: true,
    bigint: true,
    undefinedInObject: true,
    regexp: true,
    binary: true,
    cyclic: true,
  },
})
