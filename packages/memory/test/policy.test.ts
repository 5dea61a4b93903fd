// memoryStore({ policy }) (the store's own eviction) and the store's bounded
// views (createCache({ policy }), cached(fn, { policy })): which entries
// survive, exactly, for each policy; the events and stats evictions cause;
// and how eviction composes with tags.
import { type Cache, createCache, type EvictEvent, isTagCacheError } from '@tagcache/core'
import {
  type EvictionPolicy,
  fifo,
  lfu,
  lru,
  mru,
  type PolicyOptions,
  rr,
  tinyLfu,
  tlru,
} from '@tagcache/policies'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../src/index.js'

type Mode = 'memoryStore({ policy })' | 'createCache({ policy })'
const MODES: Mode[] = ['memoryStore({ policy })', 'createCache({ policy })']

/** A cache over the memory store bounded by `policy` in `mode`, and the evictions it reports. */
function boundedCache(mode: Mode, policy: EvictionPolicy) {
  const evictions: EvictEvent[] = []
  const hooks = [{ evict: (e: EvictEvent) => void evictions.push(e) }]
  const cache =
    mode === 'memoryStore({ policy })'
      ? createCache({ store: memoryStore({ policy }), hooks })
      : createCache({ store: memoryStore(), policy, hooks })
  return { cache, evictions, evicted: () => evictions.map((e) => e.key).join('') }
}

/** Cache-aside requests, one per character: a miss writes the key. */
async function request(cache: Cache, keys: string): Promise<void> {
  for (const key of keys) {
    if ((await cache.get(key)) === undefined) await cache.set(key, key)
  }
}

/** The keys of `all` the cache holds (reads them: call last). */
async function held(cache: Cache, all: string): Promise<string> {
  let out = ''
  for (const key of all) if ((await cache.get(key)) !== undefined) out += key
  return out
}

/** A store write of a 1-byte payload, living a minute. */
const write = { value: new Uint8Array(1), tags: [], candidate: 'v', ttl: 60_000 }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.each(MODES)('%s: survivors, exactly', (mode) => {
  const cases: [string, string, string, string, (o: PolicyOptions) => EvictionPolicy][] = [
    // name, requests, evicted in order, held at the end, factory
    ['lru', 'abcadbe', 'bca', 'bde', lru],
    ['mru', 'abcadbe', 'ab', 'cde', mru],
    ['fifo', 'abcaaadbe', 'ab', 'cde', fifo],
    ['lfu', 'aabcbdce', 'cdc', 'abe', lfu],
    ['lfu', 'aaaabbbcdcde', 'cdcd', 'abe', lfu],
  ]
  it.each(cases)('%s over %s evicts %s', async (name, requests, evicted, survivors, factory) => {
    const { cache, evictions, evicted: order } = boundedCache(mode, factory({ maxSize: 3 }))
    await request(cache, requests)
    expect(order()).toBe(evicted)
    for (const e of evictions) {
      expect(e.reason).toBe('capacity')
      expect(e.policy).toBe(name)
    }
    expect(cache.stats.evictions).toBe(evicted.length)
    expect(await held(cache, 'abcde')).toBe(survivors)
    await cache.close()
  })

  it('tlru: a use in a later millisecond moves the entry', async () => {
    const { cache, evicted } = boundedCache(mode, tlru({ maxSize: 3 }))
    await request(cache, 'abc')
    await sleep(5)
    await request(cache, 'a') // a moves behind b and c
    await sleep(5)
    await request(cache, 'd')
    expect(evicted()).toMatch(/^[bc]$/) // b and c were used in one ms, or b first: either may go
    await sleep(5)
    await request(cache, 'e')
    expect(evicted()).toMatch(/^(bc|cb)$/)
    expect(await held(cache, 'abcde')).toBe('ade')
    await cache.close()
  })

  it('tinyLfu keeps frequently used keys through a scan', async () => {
    const { cache, evictions } = boundedCache(mode, tinyLfu({ maxSize: 100 }))
    const hot = Array.from({ length: 50 }, (_, i) => `h${i}`)
    for (let r = 0; r < 5; r++) for (const k of hot) await request(cache, [k] as never)
    for (let i = 0; i < 1_000; i++) {
      const key = `scan${i}`
      if ((await cache.get(key)) === undefined) await cache.set(key, i)
    }
    expect(evictions.length).toBe(950)
    expect(evictions.every((e) => e.policy === 'tinyLfu' && e.reason === 'capacity')).toBe(true)
    let kept = 0
    for (const k of hot) if ((await cache.get(k)) !== undefined) kept++
    expect(kept).toBeGreaterThanOrEqual(48)
    await cache.close()
  })

  it('rr evicts uniformly among the others, never the entry just written', async () => {
    const counts = new Map<string, number>()
    for (let i = 0; i < 300; i++) {
      const { cache, evicted } = boundedCache(mode, rr({ maxSize: 3 }))
      await request(cache, 'abcd')
      counts.set(evicted(), (counts.get(evicted()) ?? 0) + 1)
      await cache.close()
    }
    expect([...counts.keys()].sort().join(',')).toBe('a,b,c')
    // 100 expected each, standard deviation ~8: 40 is five sigmas.
    for (const n of counts.values()) expect(Math.abs(n - 100)).toBeLessThan(40)
  })

  it('an invalidated entry, evicted, never comes back; eviction never drops a tag version', async () => {
    const { cache, evicted } = boundedCache(mode, lru({ maxSize: 2 }))
    await cache.set('a', 1, { tags: ['t'] })
    await cache.invalidate('t')
    await cache.set('b', 2, { tags: ['t'] })
    await cache.set('c', 3, { tags: ['t'] })
    await cache.set('d', 4) // evicts b (a's invalidated copy may have been pushed out first)
    expect(evicted()).toContain('b')
    expect(await cache.get('a')).toBeUndefined()
    expect(await cache.get('c')).toBe(3) // t's version is still there
    await cache.set('e', 5, { tags: ['t'] })
    expect(await cache.get('a')).toBeUndefined()
    expect(await cache.get('c')).toBe(3)
    await cache.close()
  })
})

describe('memoryStore({ policy }) options', () => {
  it('the policy bounds the entries; maxEntries as well is refused', () => {
    expect(memoryStore({ policy: lru({ maxSize: 5 }) })).toBeDefined()
    const error = (() => {
      try {
        memoryStore({ policy: lru({ maxSize: 5 }), maxEntries: 10 })
      } catch (e) {
        return e
      }
    })()
    expect(isTagCacheError(error, 'E_INVALID_OPTIONS')).toBe(true)
    expect(String(error)).toMatch(/maxEntries: .*expected one bound/)
  })

  it('refuses what is not a policy', () => {
    expect(() => memoryStore({ policy: { name: 'lru', maxSize: 0 } as never })).toThrow(
      /policy: expected an eviction policy from @tagcache\/policies/,
    )
    expect(() => memoryStore().bounded({ id: 'x', policy: {} as never })).toThrow(
      /policy: expected an eviction policy/,
    )
  })

  it('maxBytes still applies, and evicts the policy victims', async () => {
    const store = memoryStore({ policy: fifo({ maxSize: 100 }), maxBytes: 2_000 }) // ~4 entries
    const reported: string[] = []
    store.onEvict((key, reason, policy) => reported.push(`${key}:${reason}:${policy}`))
    const write = { value: new Uint8Array(300), tags: [], candidate: 'v', ttl: 60_000 }
    for (const key of ['a', 'b', 'c', 'd']) await store.set(key, write)
    expect(await store.get('a')).toBeDefined() // fifo: reads change nothing
    await store.set('e', write)
    expect(reported).toEqual(['a:capacity:fifo'])
    expect(store.size).toBe(4)
  })

  it('the built-in LRU reports its evictions as lru', async () => {
    const store = memoryStore({ maxEntries: 1 })
    const reported: unknown[] = []
    store.onEvict((...args) => reported.push(args))
    await store.set('a', write)
    await store.set('b', write)
    expect(reported).toEqual([['a', 'capacity', 'lru']])
  })
})

describe('bounded views of the memory store', () => {
  it('a view reports only its evictions; the store evicting a tracked id untracks it', async () => {
    const store = memoryStore({ maxEntries: 3 })
    const view = store.bounded({ id: 'v', policy: lru({ maxSize: 2 }) })
    const fromView: unknown[] = []
    const fromStore: unknown[] = []
    view.onEvict((...args) => fromView.push(args))
    store.onEvict((...args) => fromStore.push(args))
    await view.set('a', write)
    await view.set('b', write)
    await view.set('c', write) // the view evicts a
    expect(fromView).toEqual([['a', 'capacity', 'lru']])
    expect(fromStore).toEqual([]) // a delete, not the store's eviction
    await store.set('x', write)
    await store.set('y', write) // the store (3 entries) evicts b, its least recently used
    expect(fromStore).toEqual([['b', 'capacity', 'lru']])
    await view.set('d', write) // the store evicts c: the view holds d alone
    expect(fromStore).toEqual([
      ['b', 'capacity', 'lru'],
      ['c', 'capacity', 'lru'],
    ])
    await view.set('e', write) // d and e: within the view's bound
    expect(fromView).toHaveLength(1)
    expect(await view.get('d')).toBeDefined()
  })

  it('dropIndex forgets the order; the entries stay', async () => {
    const store = memoryStore()
    const view = store.bounded({ id: 'v', policy: lru({ maxSize: 2 }) })
    await view.set('a', write)
    await view.set('b', write)
    await view.dropIndex()
    await view.set('c', write)
    await view.set('d', write)
    expect(store.size).toBe(4)
    await view.set('e', write) // c goes: a and b are no longer the view's
    expect(await store.get('c')).toBeUndefined()
    expect(await store.get('a')).toBeDefined()
  })

  it('after store.clear() the view starts empty', async () => {
    const store = memoryStore()
    const view = store.bounded({ id: 'v', policy: lfu({ maxSize: 2 }) })
    await view.set('a', write)
    for (let i = 0; i < 5; i++) await view.get('a')
    await view.set('b', write)
    store.clear()
    const evicted: string[] = []
    view.onEvict((key) => evicted.push(key))
    for (const key of ['c', 'd', 'e']) await view.set(key, write)
    expect(evicted).toEqual(['c'])
    expect(store.size).toBe(2)
  })

  it('getSync passes the record and the time through, so core reads synchronously', async () => {
    const store = memoryStore({ serialize: false })
    const view = store.bounded({ id: 'v', policy: lru({ maxSize: 2 }) })
    await view.set('a', {
      value: new Uint8Array(0),
      liveValue: 1,
      tags: [],
      candidate: 'v',
      ttl: 60_000,
    })
    const record = { id: 'a', state: undefined as unknown }
    expect(view.getSync?.('a', record, performance.now())?.liveValue).toBe(1)
    expect(record.state).toBeDefined()
    expect(view.getSync?.('a', record)?.liveValue).toBe(1)
  })

  it('cached(fn, { policy }) bounds one function in its own view', async () => {
    const evictions: EvictEvent[] = []
    const cache = createCache({
      store: memoryStore(),
      hooks: [{ evict: (e) => void evictions.push(e) }],
    })
    let calls = 0
    const square = cache.cached(
      (n: number) => {
        calls++
        return n * n
      },
      { key: (n) => `sq:${n}`, policy: fifo({ maxSize: 2 }) },
    )
    for (const n of [1, 2, 1, 3, 1]) await square(n)
    expect(calls).toBe(4) // 1 was evicted by 3 (fifo), then recomputed
    expect(evictions.map((e) => [e.key, e.reason, e.policy])).toEqual([
      ['sq:1', 'capacity', 'fifo'],
      ['sq:2', 'capacity', 'fifo'],
    ])
    await cache.set('other', 1) // the namespace is not bounded by the function's view
    expect(cache.stats.evictions).toBe(2)
    await cache.close()
  })
})
