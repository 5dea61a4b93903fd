import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createKeySpace, encodeComponent, encodeNamespace } from '../src/keys.js'

// Any UTF-16 string, weighted towards what the encoding escapes (lone and
// paired surrogates among them). Built from code units rather than with
// `unit: 'binary'`, whose one-time setup took 15-50 s on a loaded CI machine.
const special = fc.constantFrom(
  '%',
  '{',
  '}',
  ':',
  '\0',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '🐎',
)
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))
const anyString = fc.string({ unit: fc.oneof(special, codeUnit, fc.constantFrom('a', 'b')) })

describe('key encoding', () => {
  it('leaves ordinary keys alone, colons and unicode included', () => {
    for (const key of ['user:1', 'a b', 'žluť 🐎', '', 'x'.repeat(1000)])
      expect(encodeComponent(key)).toBe(key)
  })

  it('escapes braces, percent and lone surrogates in keys; colons too in namespaces', () => {
    expect(encodeComponent('{slot}')).toBe('%7Bslot%7D')
    expect(encodeComponent('100%')).toBe('100%25')
    expect(encodeComponent('\ud800x')).toBe('%ud800x')
    expect(encodeComponent('\udc00')).toBe('%udc00')
    expect(encodeNamespace('a:b')).toBe('a%3Ab')
    expect(encodeComponent('a\0b')).toBe('a%00b')
  })

  it('is injective over arbitrary strings, lone surrogates included', () => {
    for (const encodeFn of [encodeComponent, encodeNamespace]) {
      fc.assert(
        fc.property(anyString, anyString, (a, b) => {
          fc.pre(a !== b)
          expect(encodeFn(a)).not.toBe(encodeFn(b))
        }),
        { numRuns: 2_000 },
      )
    }
  })

  it('never produces braces or lone surrogates, and namespaces never contain `:`', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const key = encodeComponent(s)
        expect(key).not.toMatch(/[{}\0]/)
        expect(Buffer.from(key, 'utf8').toString('utf8')).toBe(key) // survives UTF-8
        expect(encodeNamespace(s)).not.toMatch(/[{}:]/)
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
    expect(createKeySpace('a').entry('n')).not.toBe(createKeySpace('a').namespaceTag)
  })
})
