import * as zlib from 'node:zlib'
import { jsonSerializer } from '@tagcache/core'
import { msgpackSerializer } from '@tagcache/serializer-msgpack'
import { serializerContractSuite } from '@tagcache/testing'
import { it } from 'vitest'
import { type CompressionAlgorithm, compressed } from '../src/index.js'

// Compression changes no value: each wrapped serializer keeps its own fidelity table.
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
  if (algorithm === 'zstd' && typeof zlib.zstdCompressSync !== 'function') {
    it.skip(`zstd contracts: zstd is not available in Node.js ${process.version}`, () => {})
    continue
  }
  // threshold 0: every value goes through the compressor (or is stored when that does not shrink it)
  serializerContractSuite(`${algorithm}:json (threshold 0)`, {
    create: () => compressed(jsonSerializer(), { algorithm, threshold: 0 }),
    lossy: 'json',
  })
  serializerContractSuite(`${algorithm}:msgpack+records (threshold 0)`, {
    create: () => compressed(msgpackSerializer({ records: true }), { algorithm, threshold: 0 }),
    supports: msgpackSupports,
  })
}

serializerContractSuite('gzip:json (defaults)', {
  create: () => compressed(jsonSerializer()),
  lossy: 'json',
})
