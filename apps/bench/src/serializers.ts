import { jsonSerializer, type Serializer } from '@tagcache/core'
import { compressed } from '@tagcache/serializer-compress'
import { msgpackSerializer } from '@tagcache/serializer-msgpack'
import { superjsonSerializer } from '@tagcache/serializer-superjson'
import { Packr, Unpackr } from 'msgpackr'
import { type CaseResult, compare, ratio, sampleValue } from './measure.ts'

/**
 * Encode + decode throughput and stored bytes, per serializer, for a ~200-byte
 * object and a ~50 KiB object. Targets (issue 4): msgpack faster than JSON on
 * both; compressed stores the 50 KiB object in under 30% of its raw size.
 */
function rawMsgpackr(): Serializer {
  const options = { useRecords: false, mapsAsObjects: true, moreTypes: true, copyBuffers: true }
  const packr = new Packr(options)
  const unpackr = new Unpackr(options)
  return {
    id: 'msgpackr-raw',
    encode: (value) => packr.pack(value),
    decode: (bytes) =>
      unpackr.unpack(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
  }
}

export async function serializerBench(): Promise<void> {
  const small = sampleValue(7)
  const large = { users: Array.from({ length: 250 }, (_, i) => sampleValue(i)) }
  const serializers: [string, Serializer][] = [
    ['json', jsonSerializer()],
    ['superjson', superjsonSerializer()],
    ['msgpack', msgpackSerializer()],
    ['msgpack (records)', msgpackSerializer({ records: true })],
    // The ceiling for "msgpack faster than json": msgpackr itself, without the
    // checks that refuse lossy values, with the serializer's options.
    ['msgpackr alone, no checks', rawMsgpackr()],
    ['compressed(gzip, json)', compressed(jsonSerializer(), { algorithm: 'gzip' })],
    ['compressed(brotli, json)', compressed(jsonSerializer(), { algorithm: 'brotli' })],
  ]
  const size = (s: Serializer, v: unknown) => {
    const out = s.encode(v)
    return typeof out === 'string' ? Buffer.byteLength(out) : out.byteLength
  }
  const bytes = (out: Uint8Array | string) => (typeof out === 'string' ? Buffer.from(out) : out)

  for (const [label, value] of [
    ['~200-byte object', small],
    ['~50 KiB object', large],
  ] as const) {
    const raw = Buffer.byteLength(JSON.stringify(value))
    const results = await compare(
      serializers.map(([name, s]) => ({ name, run: () => s.decode(bytes(s.encode(value))) })),
      { rounds: 5, ms: 300, warmupMs: 200 },
    )
    const json = results[0] as CaseResult
    console.log(
      `\nserializers: encode + decode of a ${label} (JSON text: ${raw.toLocaleString('en-US')} bytes)`,
    )
    console.log(
      `${'serializer'.padEnd(28)} ${'ops/s'.padStart(10)} ${'vs json'.padStart(8)} ${'stored bytes'.padStart(13)} ${'of raw'.padStart(7)}`,
    )
    for (const [i, r] of results.entries()) {
      const stored = size(serializers[i]?.[1] as Serializer, value)
      console.log(
        `${r.name.padEnd(28)} ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(10)} ${ratio(r, json).toFixed(2).padStart(7)}x ${stored.toLocaleString('en-US').padStart(13)} ${((100 * stored) / raw).toFixed(1).padStart(6)}%`,
      )
    }
    const msgpack = ratio(results.find((r) => r.name === 'msgpack') as CaseResult, json)
    console.log(
      `  msgpack faster than json: ${msgpack > 1 ? 'met' : 'NOT MET'} (${msgpack.toFixed(2)}x)`,
    )
    if (label === '~50 KiB object') {
      for (const [name, s] of serializers.filter(([n]) => n.startsWith('compressed'))) {
        const ratio = size(s, value) / raw
        console.log(
          `  ${name} under 30% of raw: ${ratio < 0.3 ? 'met' : 'NOT MET'} (${(ratio * 100).toFixed(1)}%)`,
        )
      }
    }
  }
}
