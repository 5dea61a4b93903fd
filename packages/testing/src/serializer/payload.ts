import type { Serializer } from '@tagcache/core'
import { expect } from 'vitest'

/** One mebibyte, in bytes. */
export const MIB = 1024 * 1024

/** Deterministic bytes (a linear congruential generator): the same garbage on every run. */
export function pseudoRandomBytes(length: number, seed = 0x2545f491): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0
    out[i] = x >>> 24
  }
  return out
}

const utf8 = new TextEncoder()

/**
 * Turns `encode` output into bytes exactly as core does (strings as UTF-8),
 * and places them at an offset inside a larger buffer, as core hands
 * `decode` a view just past its envelope header.
 */
export function toPayload(encoded: Uint8Array | string): Uint8Array {
  const bytes = typeof encoded === 'string' ? utf8.encode(encoded) : encoded
  const backing = new Uint8Array(bytes.length + 5).fill(0xaa)
  backing.set(bytes, 3)
  return backing.subarray(3, 3 + bytes.length)
}

/** Encodes `value`, checks `encode` gave a string or bytes, and decodes the payload as core would. */
export function roundTrip(serializer: Serializer, value: unknown): unknown {
  const encoded = serializer.encode(value)
  expect(
    typeof encoded === 'string' || encoded instanceof Uint8Array,
    'encode returns a string or a Uint8Array',
  ).toBe(true)
  return serializer.decode(toPayload(encoded))
}

/** A short description of `value` for a failure message (never the whole of a large value). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} chars`
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value)
  if (value instanceof Date) return `Date(${value.getTime()})`
  if (value instanceof Map || value instanceof Set)
    return `${value.constructor.name}(${value.size})`
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`
  try {
    return (
      JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))?.slice(
        0,
        60,
      ) ?? String(value)
    )
  } catch {
    return Object.prototype.toString.call(value)
  }
}
