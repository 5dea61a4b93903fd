import { describe, expect, it } from 'vitest'
import { createTagVersion, isTagVersion } from '../src/index.js'

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
