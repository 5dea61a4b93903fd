import { describe, expect, it } from 'vitest'
import { replay, seeded, zipfWithScans } from '../src/workload.ts'

describe('zipf trace with scans', () => {
  const options = { keys: 1_000, s: 0.99, burst: 500, scan: 200, cycles: 3, seed: 42 }

  it('is the same for the same seed, different for another', () => {
    const a = zipfWithScans(options)
    expect(zipfWithScans(options).ids).toEqual(a.ids)
    expect(zipfWithScans({ ...options, seed: 43 }).ids).not.toEqual(a.ids)
    expect(seeded(1)()).toBe(seeded(1)())
  })

  it('alternates bursts of Zipf requests with consecutive scans', () => {
    const { ids, scan } = zipfWithScans(options)
    expect(ids.length).toBe(3 * 700)
    expect([...scan.slice(0, 500)].every((s) => s === 0)).toBe(true)
    expect([...ids.slice(500, 700)]).toEqual(Array.from({ length: 200 }, (_, i) => i))
    expect([...ids.slice(1200, 1400)]).toEqual(Array.from({ length: 200 }, (_, i) => 200 + i))
    // Zipf: rank 0 is requested far more often than rank 999.
    const zipf = [...ids].filter((_, i) => scan[i] === 0)
    const count = (id: number) => zipf.filter((x) => x === id).length
    expect(count(0)).toBeGreaterThan(100)
    expect(count(999)).toBeLessThan(5)
  })

  it('replay counts hits overall and outside scans', () => {
    const trace = zipfWithScans(options)
    const keys = Array.from({ length: 1_000 }, (_, i) => `k${i}`)
    const r = replay(trace, keys, (key) => key === 'k0')
    expect(r.requests).toBe(2_100)
    expect(r.zipfRequests).toBe(1_500)
    expect(r.hits - r.zipfHits).toBe(1) // scans cover 0-199, 200-399, 400-599: k0 once
  })
})
