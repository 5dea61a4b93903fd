import { jsonSerializer } from '@tagcache/core'
import { msgpackSerializer } from '@tagcache/serializer-msgpack'
import { serializerContractSuite } from '@tagcache/testing'
import { type CompressionAlgorithm, compressed } from '../src/index.js'

const msgpackSupports = {
  nan: true,
  infinity: true,
  date: true,
  set: true,
  map: true,
  bigint: true,
  undefinedInObject: true,
  regexp: true,
  binary: true,
  negativeZero: false,
  loneSurrogate: false,
  cyclic: false,
} as const

for (const algorithm of ['gzip', 'brotli', 'zstd'] as CompressionAlgorithm[]) {
  // threshold 0: every value goes through the compressor (or is stored when that does not shrink it)
  serializerContractSuite(`${algorithm}:json (threshold 0)`, {
    create: () => compressed(jsonSerializer(), { algorithm, threshold: 0 }),
  })
  serializerContractSuite(`${algorithm}:msgpack+records (threshold 0)`, {
    create: () => compressed(msgpackSerializer({ records: true }), { algorithm, threshold: 0 }),
    supports: msgpackSupports,
  })
}

serializerContractSuite('gzip:json (defaults)', { create: () => compressed(jsonSerializer()) })
