import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  checkHinted,
  hintHead,
  NOT_CURRENT,
  NOT_HINTED,
  payloadStart,
  readTagKeys,
} from '../src/entry-format.js'
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

describe('the one-pass check of a hinted read (checkHinted)', () => {
  const tagKeys = ['p:t:a', 'p:n', 'p:t:\u00e9t\u00e9']
  const versions = ['v1', 'version-2', 'AbC_9']
  const payload = Buffer.from('{"v":1}\0tail')
  const entry = encodeEntry(tagKeys, versions, payload)
  const head = hintHead(tagKeys)
  const start = entry.length - payload.length
  /** The MGET reply a hinted read gets: the entry, then the current versions. */
  const reply = (raw: Buffer, now: (string | null)[] = versions) => [
    raw,
    ...now.map((v) => (v === null ? null : Buffer.from(v, 'latin1'))),
  ]
  const check = (raw: Buffer, now?: (Buffer | null)[]) =>
    checkHinted(raw, head, tagKeys.length, now ?? reply(raw), 1)

  it('finds the payload of an entry carrying the hinted tag keys and current versions', () => {
    expect(Buffer.from(head)).toEqual(entry.subarray(0, entry.indexOf('v1')))
    expect(check(entry)).toBe(start)
    // Without versions to compare (the script compared them), it skips them.
    expect(checkHinted(entry, head, tagKeys.length, undefined, 0)).toBe(start)
  })

  it('agrees with the parser on any entry, versions at any offset of the reply', () => {
    fc.assert(
      fc.property(tagged, fc.uint8Array({ maxLength: 32 }), fc.nat(3), (t, value, at) => {
        const bytes = encodeEntry(t.tagKeys, t.versions, value)
        const now = [...Array(at).fill(null), ...t.versions.map((v) => Buffer.from(v, 'latin1'))]
        const h = hintHead(t.tagKeys)
        expect(checkHinted(bytes, h, t.tagKeys.length, now, at)).toBe(payloadStart(bytes))
        expect(checkHinted(bytes, h, t.tagKeys.length, undefined, 0)).toBe(payloadStart(bytes))
      }),
    )
  })

  it('detects a changed byte at every position of the header, tag keys and versions', () => {
    // Every byte before the payload, each changed three ways: a checker that
    // skipped any byte (or compared lengths only) fails here.
    for (let p = 0; p < start; p++) {
      for (const change of [(b: number) => b ^ 0x01, (b: number) => b ^ 0x80, () => 0]) {
        const bad = Buffer.from(entry)
        bad[p] = change(bad[p] as number)
        if (bad[p] === entry[p]) continue
        const result = check(bad, reply(bad))
        expect(result, `byte ${p}`).toBeLessThan(0)
        expect(result, `byte ${p}`).toBe(p < head.length ? NOT_HINTED : NOT_CURRENT)
        if (p < head.length) {
          expect(checkHinted(bad, head, tagKeys.length, undefined, 0), `byte ${p}`).toBe(NOT_HINTED)
        }
      }
    }
  })

  it('detects a changed byte at every position of each current version, and its length', () => {
    for (let i = 0; i < versions.length; i++) {
      const v = versions[i] as string
      for (let p = 0; p < v.length; p++) {
        const now = reply(entry).slice(1) as Buffer[]
        const changed = Buffer.from(now[i] as Buffer)
        changed[p] = (changed[p] as number) ^ 0x01
        now[i] = changed
        expect(check(entry, [entry, ...now]), `version ${i} byte ${p}`).toBe(NOT_CURRENT)
      }
      for (const other of [v.slice(0, -1), `${v}x`, '', null]) {
        const now = [...versions] as (string | null)[]
        now[i] = other
        expect(check(entry, reply(entry, now)), `version ${i} as ${other}`).toBe(NOT_CURRENT)
      }
    }
  })

  it('never reads past the end: bytes cut anywhere before the payload are refused', () => {
    for (let n = 0; n < start; n++) {
      const cut = entry.subarray(0, n)
      expect(check(cut), `cut at ${n}`).toBeLessThan(0)
      if (n < head.length) {
        expect(checkHinted(cut, head, tagKeys.length, undefined, 0), `cut at ${n}`).toBe(NOT_HINTED)
      }
    }
  })

  it('refuses other tag keys, another order, fewer of them, or bytes in another format', () => {
    const other = (keys: string[]) => checkHinted(entry, hintHead(keys), keys.length, undefined, 0)
    expect(other(['p:n', 'p:t:a', 'p:t:\u00e9t\u00e9'])).toBe(NOT_HINTED)
    expect(other(['p:t:a', 'p:n'])).toBe(NOT_HINTED)
    expect(other(['p:t:a', 'p:n', 'p:t:\u00e9t\u00e9', 'p:t:b'])).toBe(NOT_HINTED)
    expect(check(Buffer.from('{"json":"written by another program"}'))).toBe(NOT_HINTED)
  })

  it("ignores the payload: its bytes are the envelope checksum's business", () => {
    for (let p = start; p < entry.length; p++) {
      const changed = Buffer.from(entry)
      changed[p] = (changed[p] as number) ^ 0xff
      expect(check(changed)).toBe(start)
    }
  })

  it('counts tags in the header past 255 (both bytes of the count)', () => {
    const many = Array.from({ length: 300 }, (_, i) => `t${i}`)
    const bytes = encodeEntry(many, many, Buffer.from('x'))
    expect(checkHinted(bytes, hintHead(many), 300, undefined, 0)).toBe(bytes.length - 1)
    expect(checkHinted(bytes, hintHead(many.slice(0, 44)), 44, undefined, 0)).toBe(NOT_HINTED)
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
