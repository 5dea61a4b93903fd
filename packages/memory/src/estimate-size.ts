// What an entry kept by reference (`serialize: false`) costs against `maxBytes`.

/** Rough heap size of a value kept by reference, walked to a bounded depth. */
export function estimateSize(value: unknown, depth = 0): number {
  switch (typeof value) {
    case 'string':
      return 16 + value.length * 2
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
    case 'symbol':
      return 8
    case 'function':
      return 64
  }
  if (value === null) return 8
  if (depth > 8) return 64
  if (ArrayBuffer.isView(value)) return 64 + value.byteLength
  if (value instanceof ArrayBuffer) return 32 + value.byteLength
  let size = 32
  if (Array.isArray(value)) {
    for (const item of value) size += 8 + estimateSize(item, depth + 1)
    return size
  }
  if (value instanceof Map) {
    for (const [k, v] of value) size += 16 + estimateSize(k, depth + 1) + estimateSize(v, depth + 1)
    return size
  }
  if (value instanceof Set) {
    for (const v of value) size += 16 + estimateSize(v, depth + 1)
    return size
  }
  for (const k in value as object) {
    size += 16 + k.length * 2 + estimateSize((value as Record<string, unknown>)[k], depth + 1)
  }
  return size
}
