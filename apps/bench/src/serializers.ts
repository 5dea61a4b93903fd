import { jsonSerializer, type Serializer } from '@tagcache/core'
import { compressed } from '@tagcache/serializer-compress'
import { msgpackSerializer } from '@tagcache/serializer-msgpack'
import { superjsonSerializer } from '@tagcache/serializer-superjson'
import { Packr, Unpackr } from 'msgpackr'
import { measureProcess, sampleValue } from './measure.ts'
import { type BenchOptions, type ChildTask, printTable, runProcesses } from './runner.ts'
import { summarize } from './stats.ts'

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

const serializers = (): [string, Serializer][] => [
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

const values = {
  small: { label: '~200-byte object', value: () => sampleValue(7) },
  large: {
    label: '~50 KiB object',
    value: () => ({ users: Array.from({ length: 250 }, (_, i) => sampleValue(i)) }),
  },
}
type Size = keyof typeof values

const bytes = (out: Uint8Array | string) => (typeof out === 'string' ? Buffer.from(out) : out)
const stored = (s: Serializer, v: unknown) => {
  const out = s.encode(v)
  return typeof out === 'string' ? Buffer.byteLength(out) : out.byteLength
}

export const tasks: Record<string, ChildTask> = {
  roundTrip: ({ size }) => {
    const value = values[size as Size].value()
    return measureProcess(
      serializers().map(([name, s]) => ({ name, run: () => s.decode(bytes(s.encode(value))) })),
      { rounds: 5, ms: 150, warmupMs: 150 },
    )
  },
}

export async function serializerBench({ runs }: BenchOptions): Promise<void> {
  const list = serializers()
  for (const size of Object.keys(values) as Size[]) {
    const { label, value: make } = values[size]
    const value = make()
    const raw = Buffer.byteLength(JSON.stringify(value))
    const processes = await runProcesses('serializers', 'roundTrip', runs, { size })
    // Stored sizes are deterministic: computed once, here.
    const storedBytes = new Map(list.map(([name, s]) => [name, stored(s, value)]))
    printTable(
      `serializers: encode + decode of a ${label} (JSON text: ${raw.toLocaleString('en-US')} bytes), vs json; ${runs} processes`,
      list.map(([name]) =>
        summarize(processes, name, 'json', name === 'msgpack' ? 1.0 : undefined),
      ),
      [
        {
          header: 'stored bytes',
          width: 12,
          cell: (name) => (storedBytes.get(name) ?? 0).toLocaleString('en-US'),
        },
        {
          header: 'of raw',
          width: 7,
          cell: (name) => `${((100 * (storedBytes.get(name) ?? 0)) / raw).toFixed(1)}%`,
        },
      ],
    )
    if (size === 'large') {
      for (const [name, s] of list.filter(([n]) => n.startsWith('compressed'))) {
        const share = stored(s, value) / raw
        console.log(
          `  ${name} under 30% of raw: ${share < 0.3 ? 'met' : 'NOT MET'} (${(share * 100).toFixed(1)}%; bytes are deterministic, counted once)`,
        )
      }
    }
  }
}
