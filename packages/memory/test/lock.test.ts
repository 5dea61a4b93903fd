// The stampede lock on the memory store: the store's lock/unlock (per
// process), and wrap/cached with `lock` across caches sharing one store
// (each cache has its own single-flight, so they contend like processes).
import { createCache, InvalidOptionsError } from '@tagcache/core'
import { lru } from '@tagcache/policies'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../src/index.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('memoryStore lock/unlock', () => {
  it('one owner at a time; only the owner releases; an expired lock can be taken', async () => {
    let now = 1_000
    const store = memoryStore({ now: () => now })
    expect(await store.lock('k', 'a', 100)).toBe(true)
    expect(await store.lock('k', 'b', 100)).toBe(false)
    expect(await store.lock('other', 'b', 100)).toBe(true)
    await store.unlock('k', 'b') // not b's: stays
    expect(await store.lock('k', 'c', 100)).toBe(false)
    now += 100 // a's lock expired
    expect(await store.lock('k', 'c', 100)).toBe(true)
    await store.unlock('k', 'a') // a's lock is gone: c's stays
    expect(await store.lock('k', 'd', 100)).toBe(false)
    await store.unlock('k', 'c')
    expect(await store.lock('k', 'd', 100)).toBe(true)
  })

  it('locks are not entries: a bounded view delegates them, clear() drops them', async () => {
    const store = memoryStore()
    const view = store.bounded({ id: 'v', policy: lru({ maxSize: 1 }) })
    expect(await view.lock('k', 'a', 1000)).toBe(true)
    expect(await store.lock('k', 'b', 1000)).toBe(false)
    await view.unlock('k', 'a')
    expect(await store.lock('k', 'b', 1000)).toBe(true)
    expect(store.size).toBe(0)
    store.clear()
    expect(await store.lock('k', 'c', 1000)).toBe(true)
  })
})

describe('wrap with lock over one memory store', () => {
  it('4 caches, 50 concurrent calls: the factory runs once, every caller gets its value', async () => {
    const store = memoryStore()
    const caches = Array.from({ length: 4 }, () => createCache({ store, namespace: 'n' }))
    let runs = 0
    const factory = async () => {
      runs++
      await sleep(60)
      return { n: runs }
    }
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (caches[i % 4] as (typeof caches)[number]).wrap('k', factory, {
          lock: { ttl: '5s', wait: '5s' },
        }),
      ),
    )
    expect(runs).toBe(1)
    for (const r of results) expect(r).toEqual({ n: 1 })
  })

  it('the holder releases its lock after a failing factory: a waiter takes it and computes', async () => {
    const store = memoryStore()
    const [a, b] = [createCache({ store }), createCache({ store })]
    const lock = { ttl: '10s', wait: '10s' }
    const failing = a.wrap(
      'k',
      async () => {
        await sleep(40)
        throw new Error('source down')
      },
      { lock },
    )
    await sleep(5)
    const started = performance.now()
    const waiter = b.wrap('k', () => 'from b', { lock })
    await expect(failing).rejects.toThrow('source down')
    expect(await waiter).toBe('from b')
    // Well before the lock's ttl: the release, not the expiry, let it through.
    expect(performance.now() - started).toBeLessThan(5_000)
  })

  it('a waiter computes without the lock when wait ends and the lock is still held', async () => {
    const store = memoryStore()
    await store.lock('default:e:k', 'someone else', 60_000)
    const cache = createCache({ store })
    const started = performance.now()
    expect(await cache.wrap('k', () => 'mine', { lock: { ttl: '1m', wait: 80 } })).toBe('mine')
    const took = performance.now() - started
    expect(took).toBeGreaterThanOrEqual(75)
    // Written: the next call is a hit, with no lock taken.
    expect(await cache.wrap('k', () => 'again', { lock: { ttl: '1m', wait: 80 } })).toBe('mine')
  })

  it('rule 2 for the holder: an invalidation during its factory leaves its entry born stale', async () => {
    const store = memoryStore()
    const cache = createCache({ store })
    const value = await cache.wrap(
      'k',
      async () => {
        await cache.invalidate('t')
        return 'old'
      },
      { tags: ['t'], lock: { ttl: '5s' } },
    )
    expect(value).toBe('old')
    expect(await cache.get('k')).toBeUndefined()
    // And the lock was released: a new call computes at once.
    expect(await cache.wrap('k', () => 'new', { tags: ['t'], lock: { ttl: '5s' } })).toBe('new')
  })

  it('a hit with lock takes no lock', async () => {
    const store = memoryStore()
    const cache = createCache({ store })
    await cache.set('k', 1)
    let locks = 0
    const lock = store.lock.bind(store)
    store.lock = (...args) => {
      locks++
      return lock(...args)
    }
    expect(await cache.wrap('k', () => 2, { lock: { ttl: 100 } })).toBe(1)
    expect(locks).toBe(0)
    expect(await cache.wrap('m', () => 2, { lock: { ttl: 100 } })).toBe(2)
    expect(locks).toBe(1)
  })

  it('cached and decorator accept lock, and check it when created', async () => {
    const store = memoryStore()
    const cache = createCache({ store })
    let runs = 0
    const other = createCache({ store })
    const slow = async (id: number) => {
      runs++
      await sleep(30)
      return id * 2
    }
    const f = cache.cached(slow, { key: (id) => `f:${id}`, lock: { ttl: '2s', wait: '2s' } })
    const g = other.cached(slow, { key: (id) => `f:${id}`, lock: { ttl: '2s', wait: '2s' } })
    expect(await Promise.all([f(2), g(2), f(2), g(2)])).toEqual([4, 4, 4, 4])
    expect(runs).toBe(1)
    expect(() => cache.cached(slow, { lock: { ttl: -1 } })).toThrow(InvalidOptionsError)
    expect(() =>
      cache.decorator({ lock: { wait: 'soon' } })(async () => 1, {
        kind: 'method',
        name: 'm',
      } as never),
    ).toThrow(/lock\.wait/)
  })
})
