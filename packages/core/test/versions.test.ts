import { describe, expect, it } from 'vitest'
import {
  anchorOf,
  compareVersion,
  createTagVersion,
  isTagVersion,
  softVersion,
} from '../src/index.js'

describe('tag versions', () => {
  it('every created version has the shape stores recognise, and none repeats', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 10_000; i++) {
      const v = createTagVersion()
      expect(isTagVersion(v)).toBe(true)
      expect(seen.has(v)).toBe(false)
      seen.add(v)
    }
  })

  it('anything else is not a version: foreign bytes, spaces, NUL, empty, too long', () => {
    for (const v of ['', 'has space', 'nul\0inside', 'ÿþ', 'a'.repeat(65), 'v:1', '{v}']) {
      expect(isTagVersion(v), JSON.stringify(v)).toBe(false)
    }
    expect(isTagVersion('a'.repeat(64))).toBe(true)
  })
})

describe('soft versions (expireTags)', () => {
  it('plain versions never contain the soft separator, and soft ones stay versions', () => {
    for (let i = 0; i < 1000; i++) {
      const v = createTagVersion()
      expect(v).not.toContain('_')
      expect(v.length).toBeLessThanOrEqual(30)
      const soft = softVersion(createTagVersion(), softVersion(v, createTagVersion()))
      expect(isTagVersion(soft)).toBe(true)
    }
  })

  it('stale only while the anchor (the last hard version) is the same', () => {
    const v0 = createTagVersion()
    const s1 = softVersion(createTagVersion(), v0)
    const s2 = softVersion(createTagVersion(), s1)
    expect(anchorOf(s1)).toBe(v0)
    expect(anchorOf(s2)).toBe(v0) // chained soft expiries keep the last hard version
    expect(compareVersion(v0, v0)).toBe('fresh')
    expect(compareVersion(v0, s1)).toBe('stale')
    expect(compareVersion(v0, s2)).toBe('stale')
    expect(compareVersion(s1, s2)).toBe('stale')
    expect(compareVersion(s1, s1)).toBe('fresh')
    const hard = createTagVersion()
    expect(compareVersion(v0, hard)).toBe('invalid')
    expect(compareVersion(s1, hard)).toBe('invalid')
    expect(compareVersion(v0, softVersion(createTagVersion(), hard))).toBe('invalid')
    expect(compareVersion(v0, null)).toBe('invalid') // rule 1
    // No version, or foreign bytes: the fresh version alone, a hard change.
    expect(softVersion(hard, null)).toBe(hard)
    expect(softVersion(hard, 'not a version!')).toBe(hard)
  })
})
