import { describe, expect, it } from 'vitest'
import { parseTtl } from '../src/index.js'

describe('parseTtl', () => {
  it.each([
    ['2h30m', 9_000_000],
    ['1d', 86_400_000],
    ['500ms', 500],
    ['1w', 604_800_000],
    ['60s', 60_000],
    ['1m1ms', 60_001],
    ['1.5s', 1_500],
    [' 5m ', 300_000],
    [0, 0],
    [1500, 1500],
    ['forever', Number.POSITIVE_INFINITY],
    [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
  ])('parses %j as %d ms', (input, expected) => {
    expect(parseTtl(input)).toBe(expected)
  })

  it.each(['1hfoo', '', '   ', '5', 'h', '1x', '-1s', '1h 30m', '1..5s', 'NaN'])(
    'throws a RangeError naming %j',
    (input) => {
      expect(() => parseTtl(input)).toThrow(RangeError)
      expect(() => parseTtl(input)).toThrow(JSON.stringify(input))
    },
  )

  it.each([-1, Number.NaN, Number.NEGATIVE_INFINITY])('throws a RangeError for %d', (input) => {
    expect(() => parseTtl(input)).toThrow(RangeError)
  })

  it('throws a TypeError for other types', () => {
    expect(() => parseTtl(null as never)).toThrow(TypeError)
    expect(() => parseTtl({} as never)).toThrow(TypeError)
  })
})
