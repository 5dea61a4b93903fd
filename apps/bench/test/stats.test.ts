import { describe, expect, it } from 'vitest'
import { batchFor } from '../src/measure.ts'
import {
  median,
  type ProcessRun,
  range,
  roundRatio,
  shuffle,
  spread,
  summarize,
  verdict,
} from '../src/stats.ts'

describe('median and spread', () => {
  it('takes the middle value of an odd count, whatever the input order', () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([0.41, 0.22, 0.3, 0.25, 0.35])).toBe(0.3)
  })

  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })

  it('does not reorder its argument', () => {
    const xs = [3, 1, 2]
    median(xs)
    expect(xs).toEqual([3, 1, 2])
  })

  it('refuses no values rather than answering NaN', () => {
    expect(() => median([])).toThrow(/at least one/)
  })

  it('reports the range a figure moved in', () => {
    expect(spread([0.3, 0.22, 0.41, 0.28, 0.35])).toEqual({ median: 0.3, min: 0.22, max: 0.41 })
  })
})

describe('verdict', () => {
  const s = (min: number, max: number) => ({ median: (min + max) / 2, min, max })

  it('is met only when every process reached the target', () => {
    expect(verdict(s(0.5, 0.7), 0.5)).toBe('met')
    expect(verdict(s(0.9, 1.2), 0.85)).toBe('met')
  })

  it('is NOT MET when no process reached it', () => {
    expect(verdict(s(0.22, 0.41), 0.5)).toBe('NOT MET')
    expect(verdict(s(0.46, 0.99), 1.0)).toBe('NOT MET')
  })

  it('is not settled when the range straddles the target', () => {
    expect(verdict(s(0.46, 1.14), 1.0)).toBe('not settled')
    expect(verdict(s(0.4, 0.5), 0.5)).toBe('not settled')
  })
})

describe('roundRatio', () => {
  it('is the median of per-round ratios, not a ratio of medians', () => {
    // The machine halves its speed in round 2: both sides move alike.
    const base = [100, 50, 100]
    const row = [80, 40, 90]
    expect(roundRatio(row, base)).toBeCloseTo(0.8)
    expect(median(row) / median(base)).toBeCloseTo(0.8)
    expect(roundRatio([80, 40, 60], [100, 50, 100])).toBeCloseTo(0.8)
  })

  it('pairs round i with round i, over the rounds both have', () => {
    expect(roundRatio([10, 20, 30], [10, 10])).toBe(1.5)
  })
})

describe('shuffle', () => {
  const cases = ['baseline', 'a', 'b', 'c', 'd', 'e']

  it('keeps every case exactly once, the baseline included', () => {
    for (let i = 0; i < 50; i++) {
      const out = shuffle(cases)
      expect(out).toHaveLength(cases.length)
      expect([...out].sort()).toEqual([...cases].sort())
    }
  })

  it('leaves its input alone', () => {
    const input = [...cases]
    shuffle(input)
    expect(input).toEqual(cases)
  })

  it('puts the baseline anywhere, not always first', () => {
    const positions = new Set<number>()
    for (let i = 0; i < 200; i++) positions.add(shuffle(cases).indexOf('baseline'))
    expect(positions.size).toBe(cases.length)
  })

  it('draws from the random source it is given', () => {
    // random() = 0 always swaps with index 0: a rotation, not the identity.
    expect(shuffle([1, 2, 3, 4], () => 0)).toEqual([2, 3, 4, 1])
    expect(shuffle([1, 2, 3, 4], () => 0.999)).toEqual([1, 2, 3, 4])
  })
})

describe('summarize', () => {
  const run = (base: number[], row: number[], order = ['base', 'row']): ProcessRun => ({
    order,
    cases: [
      { name: 'row', rounds: row, cpu: { client: [10, 12, 11], server: [4, 4, 5] } },
      { name: 'base', rounds: base, cpu: { client: [8, 8, 9], server: [2, 3, 2] } },
    ],
  })
  // Five processes at different machine speeds: ratios 0.5, 0.6, 0.4, 0.55, 0.45.
  const runs = [
    run([100, 100, 100], [50, 50, 50]),
    run([200, 200, 200], [120, 120, 120], ['row', 'base']),
    run([100, 100, 100], [40, 40, 40]),
    run([100, 100, 100], [55, 55, 55]),
    run([1000, 1000, 1000], [450, 450, 450], ['row', 'base']),
  ]

  it('takes each ratio against the baseline of the same process', () => {
    const row = summarize(runs, 'row', 'base', 0.5)
    expect(row.ratio.median).toBeCloseTo(0.5)
    expect(row.ratio.min).toBeCloseTo(0.4)
    expect(row.ratio.max).toBeCloseTo(0.6)
    expect(row.verdict).toBe('not settled')
    // Median over processes of each process's median ops/s.
    expect(row.opsPerSec).toBe(55)
  })

  it('gives a verdict only with a target', () => {
    expect(summarize(runs, 'row', 'base').verdict).toBeUndefined()
    expect(summarize(runs, 'row', 'base', 0.4).verdict).toBe('met')
    expect(summarize(runs, 'row', 'base', 0.61).verdict).toBe('NOT MET')
  })

  it('is 1x for the baseline itself', () => {
    expect(summarize(runs, 'base', 'base').ratio).toEqual({ median: 1, min: 1, max: 1 })
  })

  it('carries CPU per op as the median over processes of each process median', () => {
    const row = summarize(runs, 'row', 'base')
    expect(row.cpu?.client).toEqual({ median: 11, min: 11, max: 11 })
    expect(row.cpu?.server).toEqual({ median: 4, min: 4, max: 4 })
  })

  it('names the missing case instead of comparing with nothing', () => {
    expect(() => summarize(runs, 'nope', 'base')).toThrow(/no case "nope"/)
  })
})

describe('batchFor', () => {
  it('reads the clock about once per ms of one loop, between 1 and 256 operations', () => {
    expect(batchFor(1_400_000, 1)).toBe(256)
    expect(batchFor(140_000, 1)).toBe(140)
    expect(batchFor(800, 1)).toBe(1)
    expect(batchFor(30_000, 64)).toBe(1)
    expect(batchFor(0, 1)).toBe(1)
  })
})

describe('range', () => {
  it('rounds min down and max up, so the printed range agrees with the verdict', () => {
    // min 0.897 leaves a 0.90 target not settled: it must not print as 0.90.
    expect(range(0.897, 1.171, 2)).toBe('[0.89-1.18]')
    expect(range(0.9, 1.2, 2)).toBe('[0.90-1.20]')
    expect(range(0.29, 0.57, 2)).toBe('[0.29-0.57]')
    expect(range(12.04, 14.01, 1)).toBe('[12.0-14.1]')
  })
})
