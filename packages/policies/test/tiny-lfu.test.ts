import type { LocalPolicy, PolicyEntry } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { LruPolicy } from '../src/local.js'
import { FrequencySketch, TinyLfuPolicy } from '../src/tiny-lfu.js'
import { simulate } from './simulate.js'

const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

describe('frequency sketch', () => {
  it('counts up to 15 per key and keeps keys apart', () => {
    const sketch = new FrequencySketch(1_000, { doorkeeper: false })
    for (let i = 0; i < 20; i++) sketch.increment('hot')
    for (let i = 0; i < 3; i++) sketch.increment('warm')
    expect(sketch.frequency('hot')).toBe(15)
    expect(sketch.frequency('warm')).toBe(3)
    expect(sketch.frequency('cold')).toBe(0)
  })

  it('halves every counter after 10 × maxSize counted increments', () => {
    const sketch = new FrequencySketch(100, { doorkeeper: false })
    const probe = keys('p', 20)
    for (const [i, k] of probe.entries()) for (let r = 0; r <= i % 16; r++) sketch.increment(k)
    let n = 0
    while (sketch.additions < 999) sketch.increment(`k${n++}`)
    const before = probe.map((k) => sketch.frequency(k))
    expect(Math.max(...before)).toBeGreaterThanOrEqual(15)
    sketch.increment('k-last') // the 1000th counted increment: reset
    expect(sketch.additions).toBe(500)
    // Each key's estimate is the minimum of its counters, each halved (rounded down).
    const after = probe.map((k) => sketch.frequency(k))
    expect(after).toEqual(before.map((f) => f >>> 1))
  })
})

describe('doorkeeper', () => {
  it('counts a first request in the doorkeeper, later ones in the sketch, and empties at reset', () => {
    const sketch = new FrequencySketch(100)
    expect(sketch.frequency('a')).toBe(0)
    sketch.increment('a')
    expect(sketch.frequency('a')).toBe(1)
    for (let i = 0; i < 20; i++) sketch.increment('a')
    expect(sketch.frequency('a')).toBe(16)
    let n = 0
    while (sketch.additions < 999) sketch.increment(`k${n++}`)
    sketch.increment('k-last')
    expect(sketch.frequency('a')).toBe(7) // 15 halved; the doorkeeper bit is gone
  })
})

describe('tinyLfu admission', () => {
  it('refuses a candidate requested less often than the main victim, admits one requested more', () => {
    // maxSize 10: window 1, main 9.
    const order = new TinyLfuPolicy(10)
    const held = new Map<string, PolicyEntry>()
    for (const k of keys('m', 10)) held.set(k, order.insert(k))
    for (const k of keys('m', 10)) order.access(held.get(k) as PolicyEntry) // each requested twice
    // m9 is the window; inserting x makes m9 the candidate against main's victim m0: a tie, m9 goes.
    held.set('x', order.insert('x'))
    expect(order.victim()?.key).toBe('m9')
    order.remove(held.get('m9') as PolicyEntry)
    held.delete('m9')
    // x (1 request) against m0 (2): refused, x is the loser once y arrives.
    held.set('y', order.insert('y'))
    expect(order.victim()?.key).toBe('x')
    order.remove(held.get('x') as PolicyEntry)
    // y requested 3 times in the window: admitted once z pushes it out, m0 goes instead.
    order.access(held.get('y') as PolicyEntry)
    order.access(held.get('y') as PolicyEntry)
    held.set('z', order.insert('z'))
    const v = order.victim() as PolicyEntry
    expect(v.key).not.toBe('y')
    expect(v.key).not.toBe('z')
    expect(v.key).toMatch(/^m/)
  })

  it('the newcomer itself loses when the window holds only it (maxSize 1)', () => {
    const order = new TinyLfuPolicy(1)
    const a = order.insert('a')
    order.access(a)
    order.insert('b')
    expect(order.victim()).toBe(a) // the window's least recently used: main has no room at all
  })

  it('a miss then the insert of the same key count one request', () => {
    const order = new TinyLfuPolicy(100)
    order.miss('k')
    order.insert('k')
    expect(order.sketch.frequency('k')).toBe(1)
    order.insert('j')
    expect(order.sketch.frequency('j')).toBe(1)
  })

  it('keeps frequently used keys through a scan that flushes lru', () => {
    const hot = keys('h', 50)
    const requests: string[] = []
    for (let r = 0; r < 5; r++) requests.push(...hot)
    requests.push(...keys('scan', 1_000))
    expect(hotKept(new LruPolicy(), requests, hot)).toBe(0)
    expect(hotKept(new TinyLfuPolicy(100), requests, hot)).toBeGreaterThanOrEqual(48)
  })
})

/** How many of `hot` a 100-entry cache over `order` still holds after `requests`. */
function hotKept(order: LocalPolicy, requests: string[], hot: string[]): number {
  const { keys } = simulate(order, 100, requests)
  return hot.filter((k) => keys.has(k)).length
}
