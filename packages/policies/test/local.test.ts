import type { LocalPolicy, PolicyEntry } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { fifo, lfu, lru, mru, rr, tinyLfu, tlru } from '../src/index.js'
import { FifoPolicy, LfuPolicy, LruPolicy, MruPolicy, RrPolicy, TlruPolicy } from '../src/local.js'
import { simulate } from './simulate.js'

/** {@link simulate}'s evictions and survivors, as strings. */
function simulated(order: LocalPolicy, capacity: number, requests: string) {
  const { evicted, held } = simulate(order, capacity, requests)
  return { evicted, held }
}

describe('exact eviction orders', () => {
  it('lru evicts the least recently used', () => {
    expect(simulated(new LruPolicy(), 3, 'abcadbe')).toEqual({ evicted: 'bca', held: 'bde' })
  })

  it('mru evicts the most recently used other than the newcomer', () => {
    expect(simulated(new MruPolicy(), 3, 'abcadbe')).toEqual({ evicted: 'ab', held: 'cde' })
    // The newcomer was used last of all, yet the entry used before it goes.
    expect(simulated(new MruPolicy(), 2, 'abc')).toEqual({ evicted: 'b', held: 'ac' })
  })

  it('fifo evicts in order of first insertion; reads change nothing', () => {
    expect(simulated(new FifoPolicy(), 3, 'abcaaadbe')).toEqual({ evicted: 'ab', held: 'cde' })
  })

  it('lfu evicts the fewest uses, the least recently used among equals, never the newcomer', () => {
    expect(simulated(new LfuPolicy(), 3, 'aabcbdce')).toEqual({ evicted: 'cdc', held: 'abe' })
    // Every other entry was used twice: the least recently used of them goes, not c.
    expect(simulated(new LfuPolicy(), 2, 'aabbc')).toEqual({ evicted: 'a', held: 'bc' })
    // Counts climb past buckets that are then emptied and rebuilt.
    expect(simulated(new LfuPolicy(), 3, 'aaaabbbcdcde')).toEqual({ evicted: 'cdcd', held: 'abe' })
  })

  it('tlru orders by the millisecond of the last use; a use in the same ms does not move', () => {
    let now = 0
    const order = new TlruPolicy(() => now)
    const held = new Map<string, PolicyEntry>()
    for (const k of 'abc') held.set(k, order.insert(k))
    order.access(held.get('a') as PolicyEntry) // same ms as its insert: stays first
    expect(order.victim()?.key).toBe('a')
    now = 1
    order.access(held.get('a') as PolicyEntry) // a later ms: now the most recent
    expect(order.victim()?.key).toBe('b')
    order.access(held.get('b') as PolicyEntry)
    expect(order.victim()?.key).toBe('c')
    order.access(held.get('c') as PolicyEntry)
    order.access(held.get('a') as PolicyEntry) // moved at ms 1 already: stays
    expect(order.victim()?.key).toBe('a')
  })

  it('tlru with the real clock behaves as lru across milliseconds', async () => {
    const order = new TlruPolicy()
    const a = order.insert('a')
    order.insert('b')
    await new Promise((r) => setTimeout(r, 3))
    order.access(a)
    expect(order.victim()?.key).toBe('b')
  })
})

describe('remove is idempotent', () => {
  const makers: [string, () => LocalPolicy][] = [
    ['lru', () => lru({ maxSize: 10 }).local()],
    ['mru', () => mru({ maxSize: 10 }).local()],
    ['fifo', () => fifo({ maxSize: 10 }).local()],
    ['lfu', () => lfu({ maxSize: 10 }).local()],
    ['rr', () => rr({ maxSize: 10 }).local()],
    ['tlru', () => tlru({ maxSize: 10 }).local()],
    ['tinyLfu', () => tinyLfu({ maxSize: 10 }).local()],
  ]
  it.each(makers)('%s: twice, after clear, and of another order, changes nothing', (_, make) => {
    const order = make()
    const a = order.insert('a')
    const b = order.insert('b')
    order.access(a)
    order.remove(a)
    order.remove(a)
    expect(order.size).toBe(1)
    expect(order.victim()).toBe(b)
    order.access(a) // a removed entry's use is ignored
    expect(order.size).toBe(1)
    const other = make()
    const foreign = other.insert('x')
    order.remove(foreign)
    expect(order.size).toBe(1)
    expect(other.size).toBe(1)
    order.clear()
    expect(order.size).toBe(0)
    expect(order.victim()).toBeUndefined()
    order.remove(b)
    const c = order.insert('c')
    order.remove(b)
    expect(order.size).toBe(1)
    expect(order.victim()).toBe(c)
    order.remove(c)
    expect(order.size).toBe(0)
    expect(order.victim()).toBeUndefined()
  })

  it.each(makers)('%s: the only entry is its own victim', (_, make) => {
    const order = make()
    const a = order.insert('a')
    expect(order.victim()).toBe(a)
  })

  it.each(makers)('%s: stays consistent over many random operations', (_, make) => {
    const order = make()
    const held: PolicyEntry[] = []
    let seed = 7
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 2 ** 32
    }
    for (let i = 0; i < 5_000; i++) {
      const r = random()
      if (r < 0.4 || held.length === 0) held.push(order.insert(`k${i}`))
      else if (r < 0.7) order.access(held[Math.floor(random() * held.length)] as PolicyEntry)
      else if (r < 0.8) order.miss?.(`m${i}`)
      else {
        const v = order.victim() as PolicyEntry
        expect(held).toContain(v)
        held.splice(held.indexOf(v), 1)
        order.remove(v)
        order.remove(v)
      }
      expect(order.size).toBe(held.length)
    }
  })
})

describe('rr', () => {
  it('picks uniformly among every entry but the newcomer', () => {
    const order = new RrPolicy()
    for (const k of 'abcd') order.insert(k)
    const newest = order.insert('e')
    const counts = new Map<string, number>()
    const trials = 40_000
    for (let i = 0; i < trials; i++) {
      const v = order.victim() as PolicyEntry
      expect(v).not.toBe(newest)
      counts.set(v.key, (counts.get(v.key) ?? 0) + 1)
    }
    expect([...counts.keys()].sort().join('')).toBe('abcd')
    // Expected 10,000 each, standard deviation ~87: 10% is over 11 sigmas.
    for (const n of counts.values()) expect(Math.abs(n - trials / 4)).toBeLessThan(trials / 40)
  })

  it('keeps picking uniformly after swap-removes', () => {
    const order = new RrPolicy()
    const entries = [...'abcdefgh'].map((k) => order.insert(k))
    for (const i of [0, 3, 7]) order.remove(entries[i] as PolicyEntry) // a, d, h (the newest) go
    const counts = new Map<string, number>()
    const trials = 50_000
    for (let i = 0; i < trials; i++) {
      const k = (order.victim() as PolicyEntry).key
      counts.set(k, (counts.get(k) ?? 0) + 1)
    }
    expect([...counts.keys()].sort().join('')).toBe('bcefg')
    for (const n of counts.values()) expect(Math.abs(n - trials / 5)).toBeLessThan(trials / 50)
  })

  it('uses the random source it is given', () => {
    const order = new RrPolicy(() => 0.99)
    for (const k of 'abc') order.insert(k)
    expect(order.victim()?.key).toBe('b') // index 1 of the two non-newest
  })
})
