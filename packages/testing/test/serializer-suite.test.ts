import { isTagCacheError, jsonSerializer } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { serializerContractSuite } from '../src/index.js'

describe('serializerContractSuite options', () => {
  it.each([
    ['an unknown supported case', { supports: { dates: true } }, /supports\.dates: unknown case/],
    ['an unknown lossy case', { lossy: { maps: () => ({}) } }, /lossy\.maps: unknown case/],
    [
      'a lossy entry that is not a function',
      { lossy: { date: 'iso' } },
      /lossy\.date: invalid value/,
    ],
    ['an unknown preset', { lossy: 'yaml' }, /lossy: invalid value yaml; expected 'json'/],
    [
      'a case both supported and lossy',
      { supports: { date: true }, lossy: { date: (d: Date) => d.toISOString() } },
      /date: both supported and lossy/,
    ],
  ])('refuse %s before registering a test', (_, extra, message) => {
    let thrown: unknown
    try {
      serializerContractSuite('bad', { create: () => jsonSerializer(), ...(extra as object) })
    } catch (error) {
      thrown = error
    }
    expect(isTagCacheError(thrown, 'E_INVALID_OPTIONS')).toBe(true)
    expect((thrown as Error).message).toMatch(/^\[tagcache\] \[testing\] invalid options:/)
    expect((thrown as Error).message).toMatch(message)
  })
})
