import * as zlib from 'node:zlib'
import { type Serializer, validateOptions } from '@tagcache/core'
import { z } from 'zod'

/** A compression algorithm of `node:zlib`. */
export type CompressionAlgorithm = 'gzip' | 'brotli' | 'zstd'

/** Options of {@link compressed}. */
export interface CompressedOptions {
  /**
   * `'gzip'` (everywhere, CRC-checked), `'brotli'` (smallest output for text;
   * no checksum of its own) or `'zstd'` (fastest at a gzip-like or better
   * ratio; needs Node.js >= 22.15 or >= 23.8, written with a frame checksum).
   * Part of the serializer id: switching it turns existing entries into misses.
   * @default 'gzip'
   */
  algorithm?: CompressionAlgorithm
  /**
   * Inner encodings shorter than this many bytes are stored uncompressed (one
   * marker byte of overhead): compressing small values costs CPU and rarely
   * saves bytes. `0` compresses everything.
   * @default 1024
   */
  threshold?: number
  /**
   * Compression level: gzip 0-9 (default 6, zlib's), brotli quality 0-11
   * (default 4: brotli's own default, 11, is some 100x slower, fine for
   * static assets but not for a cache write path), zstd 1-22 (default 3, zstd's).
   * @default 6 for gzip, 4 for brotli, 3 for zstd
   */
  level?: number
  /**
   * Largest decompressed size accepted, in bytes. A payload that would
   * inflate beyond it (a corrupted or hostile entry) fails to decode: a miss,
   * never an out-of-memory. The default is Redis' own largest string.
   * @default 536_870_912 (512 MiB)
   */
  maxSize?: number
}

interface Codec {
  readonly compress: (bytes: Uint8Array) => Uint8Array
  readonly decompress: (bytes: Uint8Array) => Uint8Array
}

const ALGORITHMS: Record<
  CompressionAlgorithm,
  { readonly min: number; readonly max: number; readonly default: number }
> = {
  gzip: { min: 0, max: 9, default: 6 },
  brotli: { min: 0, max: 11, default: 4 },
  zstd: { min: 1, max: 22, default: 3 },
}

const got = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value) : String(value)

/** A whole number of bytes >= `min`; the message names what was given. */
const bytes = (min: number) => {
  const error = (issue: { input?: unknown }) =>
    `expected an integer >= ${min} (bytes), got ${got(issue.input)}`
  return z.int({ error }).min(min, { error }).optional()
}

const optionsSchema = z
  .strictObject(
    {
      algorithm: z
        .enum(['gzip', 'brotli', 'zstd'], {
          error: (issue) => `expected "gzip", "brotli" or "zstd", got ${got(issue.input)}`,
        })
        .optional(),
      threshold: bytes(0),
      // Its range depends on the algorithm: checked below.
      level: z.custom<number>().optional(),
      maxSize: bytes(1),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown option ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; expected algorithm, threshold, level or maxSize`
          : `expected an object, got ${issue.input === null ? 'null' : typeof issue.input}`,
    },
  )
  .superRefine(
    ({ algorithm = 'gzip', level }, ctx) => {
      const range = Object.hasOwn(ALGORITHMS, algorithm) ? ALGORITHMS[algorithm] : undefined
      if (range === undefined || level === undefined) return // a bad algorithm is reported above
      if (Number.isInteger(level) && level >= range.min && level <= range.max) return
      ctx.addIssue({
        code: 'custom',
        path: ['level'],
        message: `expected an integer from ${range.min} to ${range.max} for ${algorithm}, got ${got(level)}`,
      })
    },
    // Also when another option is bad, so that one error lists every problem.
    { when: ({ value }) => typeof value === 'object' && value !== null },
  )

const STORED = 0
const COMPRESSED = 1

const isWellFormed = (s: string): boolean =>
  (s as string & { isWellFormed(): boolean }).isWellFormed()

function codec(algorithm: CompressionAlgorithm, level: number, maxOutputLength: number): Codec {
  switch (algorithm) {
    case 'gzip':
      return {
        compress: (bytes) => zlib.gzipSync(bytes, { level }),
        decompress: (bytes) => zlib.gunzipSync(bytes, { maxOutputLength }),
      }
    case 'brotli':
      return {
        compress: (bytes) =>
          zlib.brotliCompressSync(bytes, {
            params: {
              [zlib.constants.BROTLI_PARAM_QUALITY]: level,
              [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
            },
          }),
        decompress: (bytes) => zlib.brotliDecompressSync(bytes, { maxOutputLength }),
      }
    case 'zstd': {
      // Looked up at run time: a named import would fail to link on Node.js < 22.15.
      if (typeof zlib.zstdCompressSync !== 'function') {
        throw new TypeError(
          `[tagcache] [compress] algorithm "zstd" is not available in Node.js ${process.version} (no zlib.zstdCompressSync); expected Node.js >= 22.15 (22.x) or >= 23.8, or algorithm "gzip" or "brotli"`,
        )
      }
      const params = {
        [zlib.constants.ZSTD_c_compressionLevel]: level,
        // Brotli and zstd carry no checksum by default; a 4-byte one makes
        // zstd refuse corrupted frames instead of returning other bytes.
        [zlib.constants.ZSTD_c_checksumFlag]: 1,
      }
      return {
        compress: (bytes) => zlib.zstdCompressSync(bytes, { params }),
        decompress: (bytes) => zlib.zstdDecompressSync(bytes, { maxOutputLength }),
      }
    }
  }
}

/**
 * Wraps a serializer so that its encodings of `threshold` bytes or more are
 * compressed with `node:zlib` (gzip, brotli or zstd, synchronously). Each
 * payload starts with one marker byte: `0` for stored as is (below the
 * threshold, or when compression would not make it smaller), `1` for
 * compressed. The id is `${algorithm}:${inner.id}`, so changing the algorithm
 * or the inner serializer turns existing entries into misses, never garbage.
 *
 * An inner `encode` returning a string is stored as its UTF-8 bytes. `decode`
 * throws on an unknown marker and when decompression fails (gzip checks a
 * CRC32 and the length, zstd a checksum, brotli only the stream structure;
 * core checks a CRC32 of every payload as well).
 *
 * @experimental
 * @example
 * ```ts
 * import { createCache, jsonSerializer } from '@tagcache/core'
 * import { compressed } from '@tagcache/serializer-compress'
 *
 * const cache = createCache({
 *   store,
 *   serializer: compressed(jsonSerializer(), { algorithm: 'zstd', threshold: 2048 }),
 * })
 * ```
 */
export function compressed(inner: Serializer, options: CompressedOptions = {}): Serializer {
  if (
    typeof inner !== 'object' ||
    inner === null ||
    typeof inner.id !== 'string' ||
    inner.id.length === 0 ||
    typeof inner.encode !== 'function' ||
    typeof inner.decode !== 'function'
  ) {
    throw new TypeError(
      `[tagcache] [compress] invalid inner serializer ${inner === null ? 'null' : typeof inner}; expected a Serializer { id, encode, decode } (e.g. jsonSerializer())`,
    )
  }
  const parsed = validateOptions('compress', optionsSchema, options)
  const algorithm = parsed.algorithm ?? 'gzip'
  const threshold = parsed.threshold ?? 1024
  const level = parsed.level ?? ALGORITHMS[algorithm].default
  const maxSize = parsed.maxSize ?? 512 * 1024 * 1024

  const { compress, decompress } = codec(algorithm, level, maxSize)

  return {
    id: `${algorithm}:${inner.id}`,
    encode(value) {
      const encoded = inner.encode(value)
      let bytes: Uint8Array
      if (typeof encoded === 'string') {
        if (!isWellFormed(encoded)) {
          throw new TypeError(
            `inner serializer ${JSON.stringify(inner.id)} returned a string with an unpaired UTF-16 surrogate, which UTF-8 cannot hold`,
          )
        }
        bytes = Buffer.from(encoded, 'utf8')
      } else if (encoded instanceof Uint8Array) {
        bytes = encoded
      } else {
        throw new TypeError(
          `inner serializer ${JSON.stringify(inner.id)} returned ${typeof encoded}; expected a Uint8Array or a string`,
        )
      }
      if (bytes.length >= threshold) {
        const packed = compress(bytes)
        // Incompressible data (media, encrypted or already compressed bytes) is stored as is.
        if (packed.length < bytes.length) return withMarker(COMPRESSED, packed)
      }
      return withMarker(STORED, bytes)
    },
    decode(bytes) {
      if (bytes.length === 0) throw new TypeError('payload is empty; expected a marker byte')
      const marker = bytes[0]
      const body = bytes.subarray(1)
      if (marker === STORED) return inner.decode(body)
      if (marker === COMPRESSED) return inner.decode(decompress(body))
      throw new TypeError(
        `payload starts with ${marker}; expected marker 0 (stored) or 1 (${algorithm})`,
      )
    },
  }
}

function withMarker(marker: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1)
  out[0] = marker
  out.set(bytes, 1)
  return out
}
