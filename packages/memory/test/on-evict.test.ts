import { createCache, type EvictEvent, type StoreEvictionReason } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../src/index.js'

const write = (ttl = Number.POSITIVE_INFINITY) => ({
  value: new Uint8Array([1]),
  tags: [],
  candidate: 'v1',
  ttl,
})

/** A memory store on a clock the test moves, and the evictions it reports. */
function setup(options: { maxEntries?: number } = {}) {
  let time = 0
  const store = memoryStore({ ...options, now: () => time })
  const reported: [string, StoreEvictionReason][] = []
  const stop = store.onEvict((key, reason) => reported.push([key, reason]))
  return { store, reported, stop, advance: (ms: number) => (time += ms) }
}

describe('memoryStore.onEvict', () => {
  it('reports capacity evictions, least recently used first', async () => {
    const { store, reported } = setup({ maxEntries: 2 })
    await store.set('a', write())
    await store.set('b', write())
    await store.get('a') // b is now the least recently used
    await store.set('c', write())
    await store.set('d', write())
    expect(reported).toEqual([
      ['b', 'capacity'],
      ['a', 'capacity'],
    ])
  })

  it('reports an expired entry when a read, ttl, expire or delete finds it', async () => {
    const { store, reported, advance } = setup()
    for (const key of ['r', 't', 'e', 'd']) await store.set(key, write(100))
    advance(100)
    expect(await store.get('r')).toBeUndefined()
    expect(await store.ttl('t')).toBeUndefined()
    expect(await store.expire('e', 1_000)).toBe(false)
    expect(await store.delete('d')).toBe(false)
    expect(reported).toEqual([
      ['r', 'expired'],
      ['t', 'expired'],
      ['e', 'expired'],
      ['d', 'expired'],
    ])
    expect(store.size).toBe(0)
  })

  it('reports an expired entry pushed out by capacity, or overwritten, as expired', async () => {
    const { store, reported, advance } = setup({ maxEntries: 2 })
    await store.set('old', write(100))
    await store.set('over', write(100))
    advance(100)
    await store.set('new', write()) // evicts `old`, which had expired
    await store.set('over', write()) // replaces `over`, which had expired
    expect(reported).toEqual([
      ['old', 'expired'],
      ['over', 'expired'],
    ])
  })

  it('does not report deletes, overwrites of live entries, or clear()', async () => {
    const { store, reported } = setup()
    await store.set('a', write())
    await store.set('a', write())
    await store.set('b', write())
    expect(await store.delete('a')).toBe(true)
    expect(await store.deleteMany(['b'])).toBe(1)
    await store.set('c', write())
    store.clear()
    expect(reported).toEqual([])
  })

  it('stops reporting to an unsubscribed listener, and survives one that throws', async () => {
    const { store, reported, stop } = setup({ maxEntries: 1 })
    store.onEvict(() => {
      throw new Error('listener bug')
    })
    await store.set('a', write())
    await store.set('b', write())
    expect(reported).toEqual([['a', 'capacity']])
    stop()
    await store.set('c', write())
    expect(reported).toEqual([['a', 'capacity']])
    expect(store.size).toBe(1)
    expect(await store.get('c')).toBeDefined()
  })
})

describe('a cache over the memory store', () => {
  it('reports capacity evictions and expired entries as `evict`, with the reason', async () => {
    let time = 0
    const store = memoryStore({ maxEntries: 2, now: () => time })
    const events: EvictEvent[] = []
    const cache = createCache({
      store,
      namespace: 'app',
      hooks: [{ evict: (e) => events.push(e) }],
    })
    await cache.set('short', 1, { ttl: 100 })
    await cache.set('kept', 2, { tags: ['t'] })
    time += 100
    expect(await cache.get('short')).toBeUndefined()
    await cache.set('a', 3)
    await cache.set('b', 4) // pushes out `kept`, the least recently used
    await cache.invalidate('t')
    await cache.set('kept', 5, { tags: ['t'] })
    await cache.invalidate('t')
    expect(await cache.get('kept')).toBeUndefined()
    expect(events.map((e) => [e.key, e.reason])).toEqual([
      ['short', 'expired'],
      ['kept', 'capacity'],
      ['a', 'capacity'], // `kept` written again pushes out `a`
      ['kept', 'invalidated'],
    ])
    expect(events[0]).toMatchObject({ namespace: 'app', store: 'memory' })
    await cache.close()
  })
})
