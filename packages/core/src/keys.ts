// Key and tag encoding. No user key or tag may collide with an internal id,
// reach another namespace's data, or change a key's Redis Cluster hash slot,
// whatever characters it holds: every component is escaped.
//
// Ids have the shape `<ns>:e:<key>`, `<ns>:t:<tag>` and `<ns>:n`. The
// namespace is encoded without `:`, so the first `:` always ends it and the
// key or tag, being last, may contain `:` freely. In every component `{` and
// `}` are escaped (they would change Redis Cluster hash-slot placement), `%`
// is escaped (so escapes are unambiguous), NUL is escaped (the Redis entry
// format separates tag ids with it), and lone UTF-16 surrogates are escaped
// (UTF-8 would turn them all into U+FFFD and make keys collide).

import type { KeyRecord } from './store.js'

const PERCENT = 0x25
const COLON = 0x3a
const OPEN = 0x7b
const CLOSE = 0x7d

function needsEscape(c: number, escapeColon: boolean): boolean {
  return (
    c === PERCENT ||
    c === OPEN ||
    c === CLOSE ||
    c === 0 ||
    (escapeColon && c === COLON) ||
    (c >= 0xd800 && c <= 0xdfff)
  )
}

function encode(input: string, escapeColon: boolean): string {
  // Hot path: most keys need nothing; scan once without allocating.
  let i = 0
  for (; i < input.length; i++) if (needsEscape(input.charCodeAt(i), escapeColon)) break
  if (i === input.length) return input
  let out = input.slice(0, i)
  for (; i < input.length; i++) {
    const c = input.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < input.length) {
      const next = input.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A valid surrogate pair: kept as is.
        out += input[i] as string
        out += input[i + 1] as string
        i++
        continue
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) out += `%u${c.toString(16)}`
    else if (needsEscape(c, escapeColon)) out += `%${c.toString(16).toUpperCase().padStart(2, '0')}`
    else out += input[i] as string
  }
  return out
}

/**
 * @internal Encodes a key or tag, the last component of an id: escapes `%`,
 * `{`, `}` and lone surrogates.
 */
export function encodeComponent(input: string): string {
  return encode(input, false)
}

/** @internal Reverses {@link encodeComponent}. */
export function decodeComponent(input: string): string {
  if (!input.includes('%')) return input
  let out = ''
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string
    if (c !== '%') out += c
    else if (input[i + 1] === 'u') {
      out += String.fromCharCode(Number.parseInt(input.slice(i + 2, i + 6), 16))
      i += 5
    } else {
      out += String.fromCharCode(Number.parseInt(input.slice(i + 1, i + 3), 16))
      i += 2
    }
  }
  return out
}

/** @internal Encodes a namespace: like keys, and `:` as well. */
export function encodeNamespace(input: string): string {
  return encode(input, true)
}

/**
 * @internal The ids core hands to a store for one namespace:
 * - entry:   `<ns>:e:<key>`
 * - tag:     `<ns>:t:<tag>`
 * - the namespace's own version (every entry carries it): `<ns>:n`
 */
export interface KeySpace {
  readonly namespaceTag: string
  entry(key: string): string
  /** The key's record: its id, and the store's per-key state (see KeyRecord). */
  record(key: string): KeyRecord
  tag(tag: string): string
  /** The key of an entry id of this namespace; `undefined` for any other id. */
  keyOf(id: string): string | undefined
}

const MEMO_SIZE = 16_384

/**
 * @internal `memo` keeps a record per recently used key: its id (built once,
 * hash already computed, so stores that map ids find it fast) and the
 * store's per-key state, which lets a read of a known key cost this one
 * lookup (see {@link KeyRecord}).
 */
export function createKeySpace(namespace: string, memo = true): KeySpace {
  const ns = encodeNamespace(namespace)
  const entryPrefix = `${ns}:e:`
  const tagPrefix = `${ns}:t:`
  const build = (key: string): KeyRecord => ({
    id: entryPrefix + encodeComponent(key),
    state: undefined,
  })
  let record = build
  if (memo) {
    let records = new Map<string, KeyRecord>()
    record = (key) => {
      let r = records.get(key)
      if (r === undefined) {
        r = build(key)
        // Generational reset: bounded memory, no per-hit bookkeeping.
        if (records.size >= MEMO_SIZE) records = new Map()
        records.set(key, r)
      }
      return r
    }
  }
  return {
    namespaceTag: `${ns}:n`,
    entry: (key) => record(key).id,
    record,
    tag: (tag) => tagPrefix + encodeComponent(tag),
    keyOf: (id) =>
      id.startsWith(entryPrefix) ? decodeComponent(id.slice(entryPrefix.length)) : undefined,
  }
}
