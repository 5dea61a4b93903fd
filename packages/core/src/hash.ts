import { createHash } from 'node:crypto'

/**
 * @internal A stable, short hash of arguments: plain-object keys are sorted,
 * so `{a,b}` and `{b,a}` hash alike; Dates, BigInts, Maps, Sets, undefined and
 * NaN are tagged so they do not collide with look-alike strings.
 */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonical(value, new Set())).digest('base64url').slice(0, 22)
}

function canonical(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      return Number.isFinite(value) ? String(value) : `#n:${String(value)}`
    case 'boolean':
      return String(value)
    case 'undefined':
      return '#u'
    case 'bigint':
      return `#b:${value}`
    case 'symbol':
      return `#s:${value.description ?? ''}`
    case 'function':
      return `#f:${value.name}`
  }
  if (value === null) return 'null'
  const object = value as object
  if (seen.has(object)) throw new TypeError('cannot hash a cyclic argument')
  seen.add(object)
  try {
    if (Array.isArray(object)) return `[${object.map((v) => canonical(v, seen)).join(',')}]`
    if (object instanceof Date) return `#d:${object.getTime()}`
    if (object instanceof Map) {
      const items = [...object].map(([k, v]) => `${canonical(k, seen)}=>${canonical(v, seen)}`)
      return `#m{${items.sort().join(',')}}`
    }
    if (object instanceof Set) {
      return `#set[${[...object]
        .map((v) => canonical(v, seen))
        .sort()
        .join(',')}]`
    }
    if (ArrayBuffer.isView(object)) {
      return `#bin:${Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString('base64')}`
    }
    const keys = Object.keys(object).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((object as Record<string, unknown>)[k], seen)}`).join(',')}}`
  } finally {
    seen.delete(object)
  }
}
