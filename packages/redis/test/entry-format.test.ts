import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { carriesTagKeys, payloadStart, readTagKeys, tagKeySection } from '../src/entry-format.js'
import {
  decodeEntry,
  ENTRY_FORMAT_VERSION,
  ENTRY_HEADER_BYTES,
  EXPIRE_SCRIPT,
  encodeEntry,
  GET_OR_CAPTURE_SCRIPT,
  GET_SCRIPT,
  HINTED_GET_SCRIPT,
  MAX_ENTRY_TAGS,
  SET_SCRIPT,
} from '../src/index.js'

// Tag keys never contain NUL (core encodes tag ids); versions are core's alphabet.
const tagKey = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\0'))
const version = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)
const tagged = fc
  .array(fc.tuple(tagKey, version), { maxLength: 8 })
  .map((pairs) => ({ tagKeys: pairs.map(([k]) => k), versions: pairs.map(([, v]) => v) }))

describe('encodeEntry / decodeEntry', () => {
  it('round-trip any tag keys, versions and payload bytes (payload may contain NUL)', () => {
    fc.assert(
      fc.property(tagged, fc.uint8Array({ maxLength: 64 }), ({ tagKeys, versions }, value) => {
        const bytes = encodeEntry(tagKeys, versions, value)
        expect(bytes[0]).toBe(ENTRY_FORMAT_VERSION)
        expect(bytes.readUInt16BE(1)).toBe(tagKeys.length)
        const decoded = decodeEntry(bytes)
        expect(decoded?.tagKeys).toEqual(tagKeys)
        expect(decoded?.versions).toEqual(versions)
        expect(Buffer.from(decoded?.value ?? [])).toEqual(Buffer.from(value))
        expect(payloadStart(bytes)).toBe(bytes.length - value.length)
        // Decoding a Uint8Array that is not a Buffer gives the same.
        expect(decodeEntry(new Uint8Array(bytes))).toEqual(decoded)
      }),
    )
  })

  it('the header is ENTRY_HEADER_BYTES long, the first tag key right after it', () => {
    const bytes = encodeEntry(['key'], ['v'], new Uint8Array([9]))
    expect(bytes.subarray(ENTRY_HEADER_BYTES, ENTRY_HEADER_BYTES + 4).toString()).toBe('key\0')
    expect(bytes).toEqual(Buffer.from([ENTRY_FORMAT_VERSION, 0, 1, ...Buffer.from('key\0v\0'), 9]))
  })

  it('refuses more tags than the 16-bit count holds, and versions not aligned with tag keys', () => {
    const many = Array.from({ length: MAX_ENTRY_TAGS + 1 }, (_, i) => `t${i}`)
    expect(() => encodeEntry(many, many, new Uint8Array())).toThrow(/expected at most 65535/)
    expect(() => encodeEntry(['a', 'b'], ['v'], new Uint8Array())).toThrow(/one per tag key/)
  })

  it('reads bytes in another format, or cut short, as not an entry', () => {
    const good = encodeEntry(['a', 'b'], ['v1', 'v2'], Buffer.from('payload'))
    const otherVersion = Buffer.from(good)
    otherVersion[0] = ENTRY_FORMAT_VERSION + 1
    for (const bad of [
      Buffer.alloc(0),
      Buffer.from([ENTRY_FORMAT_VERSION, 0]),
      Buffer.from('{"json":"written by another program"}'),
      otherVersion,
      good.subarray(0, ENTRY_HEADER_BYTES + 3), // inside the tag keys
      good.subarray(0, good.indexOf('v2')), // inside the versions
    ]) {
      expect(decodeEntry(bad)).toBeUndefined()
      expect(payloadStart(bad)).toBe(-1)
    }
    expect(readTagKeys(good.subarray(0, ENTRY_HEADER_BYTES + 1))).toBeUndefined()
  })
})

describe('hint matching (carriesTagKeys)', () => {
  const entry = encodeEntry(['p:t:a', 'p:n'], ['v1', 'v2'], Buffer.from('x'))

  it('holds for exactly the tag keys the entry carries, in order', () => {
    expect(carriesTagKeys(entry, 2, tagKeySection(['p:t:a', 'p:n']))).toBe(true)
  })

  it('fails for other keys, another order, a prefix of them, or another count', () => {
    expect(carriesTagKeys(entry, 2, tagKeySection(['p:n', 'p:t:a']))).toBe(false)
    expect(carriesTagKeys(entry, 2, tagKeySection(['p:t:b', 'p:n']))).toBe(false)
    expect(carriesTagKeys(entry, 1, tagKeySection(['p:t:a']))).toBe(false)
    expect(carriesTagKeys(entry.subarray(0, 5), 2, tagKeySection(['p:t:a', 'p:n']))).toBe(false)
  })
})

describe('the Lua scripts follow entry-format.ts', () => {
  // The scripts are built from the format's constants; this catches a
  // number typed into the Lua by hand that disagrees with them.
  it('check the version byte the format writes', () => {
    for (const script of [GET_SCRIPT, GET_OR_CAPTURE_SCRIPT, EXPIRE_SCRIPT]) {
      const checks = [...script.lua.matchAll(/string\.byte\(s, 1\) ~= (\d+)/g)]
      expect(checks.length, script.name).toBeGreaterThan(0)
      for (const [, n] of checks) expect(Number(n), script.name).toBe(ENTRY_FORMAT_VERSION)
    }
  })

  it('write the header the format reads', () => {
    const header = /string\.char\((\d+), math\.floor\(k \/ 256\) % 256, k % 256\)/.exec(
      SET_SCRIPT.lua,
    )
    expect(Number(header?.[1])).toBe(ENTRY_FORMAT_VERSION)
  })

  it('start reading tag keys right after the header (Lua counts from 1)', () => {
    for (const script of [GET_SCRIPT, HINTED_GET_SCRIPT]) {
      const starts = [...script.lua.matchAll(/local (?:keys, )?pos = (?:\{\}, )?(\d+)/g)]
      expect(starts.length, script.name).toBeGreaterThan(0)
      for (const [, n] of starts) expect(Number(n), script.name).toBe(ENTRY_HEADER_BYTES + 1)
    }
  })
})
