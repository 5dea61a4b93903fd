import { jsonSerializer } from '@tagcache/core'
import { expect, it, vi } from 'vitest'
import { compressed } from '../src/index.js'

// Node.js before 22.15 / 23.8: node:zlib has no zstd functions.
vi.mock('node:zlib', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:zlib')>()
  // Present but undefined: vitest throws on reading an export a mock leaves out.
  const without = { ...actual, zstdCompressSync: undefined, zstdDecompressSync: undefined }
  return { ...without, default: without }
})

it('zstd throws a TypeError at construction naming the Node.js version', () => {
  const make = () => compressed(jsonSerializer(), { algorithm: 'zstd' })
  expect(make).toThrow(TypeError)
  expect(make).toThrow(
    `[tagcache] [compress] algorithm "zstd" is not available in Node.js ${process.version} (no zlib.zstdCompressSync); expected Node.js >= 22.15 (22.x) or >= 23.8, or algorithm "gzip" or "brotli"`,
  )
})

it('gzip and brotli still work', () => {
  for (const algorithm of ['gzip', 'brotli'] as const) {
    const serializer = compressed(jsonSerializer(), { algorithm, threshold: 0 })
    const value = { text: 'abc'.repeat(1000) }
    expect(serializer.decode(serializer.encode(value) as Uint8Array)).toEqual(value)
  }
})
