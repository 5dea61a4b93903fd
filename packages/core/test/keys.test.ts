import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createKeySpace, encodeComponent } from '../src/keys.js'

describe('key encoding', () => {
  it('leaves safe strings alone and escapes separators, braces, spaces and unicode', () => {
    expect(encodeComponent('user-1_a.b')).toBe('user-1_a.b')
    for (const input of [':', '{', '}', ' ', '%', 'é', '\n', '\ud800']) {
      expect(encodeComponent(input)).not.toMatch(/[:{}\s]/)
      expect(encodeComponent(input)).not.toBe(input)
    }
  })

  it('is injective over arbitrary strings, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        fc.pre(a !== b)
        expect(encodeComponent(a)).not.toBe(encodeComponent(b))
      }),
      { numRuns: 2_000 },
    )
  })

  it('never produces `:`, `{`, `}` or whitespace', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(encodeComponent(s)).toMatch(/^[A-Za-z0-9_.~!*'()%-]*$/)
      }),
      { numRuns: 2_000 },
    )
  })

  it('keeps entries, tags and the namespace version apart', () => {
    const space = createKeySpace('ns')
    expect(space.entry('x')).toBe('ns:e:x')
    expect(space.tag('x')).toBe('ns:t:x')
    expect(space.namespaceTag).toBe('ns:n')
    expect(createKeySpace('a:e').entry('b')).not.toBe(createKeySpace('a').entry('e:b'))
  })
})
