import type { LossyConversions } from './types.js'

/** What a lossy conversion returns for a value that does not come back at all. */
export const dropped = Symbol('dropped')

/**
 * `lossy: 'json'`: what `JSON.stringify` then `JSON.parse` make of each value
 * JSON cannot represent but does not refuse.
 */
export const JSON_LOSSY: LossyConversions = {
  negativeZero: () => 0,
  nan: () => null,
  infinity: () => null,
  date: (date) => date.toISOString(),
  map: () => ({}),
  set: () => ({}),
  undefinedInObject: (_, { position }) => (position === 'element' ? null : dropped),
  regexp: () => ({}),
  binary: (bytes) => Object.fromEntries(Array.from(bytes, (byte, i) => [String(i), byte])),
}

/** Removes what a lossy conversion marked {@link dropped}: object properties and array elements. */
export function withoutDropped(value: unknown, seen = new Set<unknown>()): unknown {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value
  seen.add(value)
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto === Array.prototype) {
    return (value as unknown[]).filter((v) => v !== dropped).map((v) => withoutDropped(v, seen))
  }
  if (proto !== Object.prototype && proto !== null) return value
  for (const [key, v] of Object.entries(value)) {
    if (v === dropped) delete (value as Record<string, unknown>)[key]
    else (value as Record<string, unknown>)[key] = withoutDropped(v, seen)
  }
  return value
}
