import { describe, expect, it } from 'vitest'
import { runDemo } from '../src/demo.ts'

describe('playground demo', () => {
  it('runs and shows hits, misses, invalidation and single-flight', async () => {
    const lines: string[] = []
    const cache = await runDemo({ log: (line) => void lines.push(line) })
    const text = lines.join('\n')
    expect(text).toMatch(/get\('user:1'\)\s+\{ id: 1, name: 'Ada' \}/)
    expect(text).toMatch(/after invalidate\('user:1'\)\s+undefined/)
    expect(text).toMatch(/database queries\s+1\n/)
    expect(text).toMatch(/afterwards \(miss, not stale\)\s+undefined/)
    expect(text).toMatch(/recomputed\s+'Grace Hopper'/)
    expect(text).toMatch(/has\('user:1'\)\s+false/)
    expect(text).toMatch(/getMany\(\['user:1', 'user:2'\]\)\s+\[ undefined, undefined \]/)
    expect(cache.stats.coalesced).toBe(4)
  })
})
