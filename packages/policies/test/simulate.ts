import type { LocalPolicy, PolicyEntry } from '@tagcache/core'
import { expect } from 'vitest'

/**
 * A cache of `capacity` keys over `order`, fed one request per character (or
 * element) of `requests`: a held key is used, any other is a miss, then
 * inserted, then entries are evicted down to capacity. Returns the keys
 * evicted, in order, and the keys held at the end (sorted), each joined, and
 * the keys held.
 */
export function simulate(order: LocalPolicy, capacity: number, requests: Iterable<string>) {
  const held = new Map<string, PolicyEntry>()
  const evicted: string[] = []
  for (const key of requests) {
    const e = held.get(key)
    if (e !== undefined) {
      order.access(e)
      continue
    }
    order.miss?.(key)
    held.set(key, order.insert(key))
    while (order.size > capacity) {
      const v = order.victim() as PolicyEntry
      held.delete(v.key)
      order.remove(v)
      evicted.push(v.key)
    }
  }
  expect(order.size).toBe(held.size)
  return {
    evicted: evicted.join(''),
    held: [...held.keys()].sort().join(''),
    keys: new Set(held.keys()),
  }
}
