import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  type Cache,
  type CacheOptions,
  createCache,
  type ErrorEvent,
  InvalidOptionsError,
  isTagCacheError,
  TimeoutError,
} from '../src/index.js'
import { type StoreMethod, testStore } from './support/test-store.js'

// The timeout is a setTimeout raced against the store's promise: fake timers
// move the clock exactly, and a store that never answers stands for a slow one.
beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

function setup(hang: StoreMethod[], options: Partial<CacheOptions> = {}) {
  const store = testStore()
  const cache = createCache({ store, timeout: 20, ...options })
  for (const method of hang) store.hanging.add(method)
  return { store, cache }
}

/** Follows a promise without awaiting it: `state()` says whether it settled yet. */
function track<T>(promise: Promise<T>) {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending'
  let outcome: unknown
  promise.then(
    (value) => {
      state = 'resolved'
      outcome = value
    },
    (error: unknown) => {
      state = 'rejected'
      outcome = error
    },
  )
  return { state: () => state, outcome: () => outcome }
}

const message = (operation: string, ms: number) =>
  `[tagcache] [core] test ${operation} timed out after ${ms} ms; expected the store to answer within the cache's \`timeout\` option`

describe('timeout', () => {
  it('rejects an operation the store does not answer with TimeoutError, once the limit has passed', async () => {
    const { cache } = setup(['get'])
    const get = track(cache.get('k'))
    await vi.advanceTimersByTimeAsync(19)
    expect(get.state()).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    expect(get.state()).toBe('rejected')
    const error = get.outcome()
    expect(error).toBeInstanceOf(TimeoutError)
    expect(isTagCacheError(error, 'E_TIMEOUT')).toBe(true)
    expect((error as TimeoutError).name).toBe('TimeoutError')
    expect((error as Error).message).toBe(message('get', 20))
    expect(cache.stats.errors).toBe(1)
  })

  it('takes a duration string', async () => {
    const { cache } = setup(['set'], { timeout: '2s' })
    const set = track(cache.set('k', 1))
    await vi.advanceTimersByTimeAsync(1999)
    expect(set.state()).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    expect(set.state()).toBe('rejected')
    expect((set.outcome() as Error).message).toBe(message('set', 2000))
  })

  const operations: [string, StoreMethod, (cache: Cache) => Promise<unknown>][] = [
    ['getMany', 'getMany', (c) => c.getMany(['a', 'b'])],
    ['setMany', 'setMany', (c) => c.setMany([{ key: 'a', value: 1 }])],
    ['delete', 'delete', (c) => c.delete('k')],
    ['invalidate', 'invalidate', (c) => c.invalidate('t')],
    ['invalidateAll', 'invalidate', (c) => c.invalidateAll()],
    ['wrap', 'get', (c) => c.wrap('k', () => 1)],
    ['wrap', 'tagVersions', (c) => c.wrap('k', () => 1)],
    ['wrap', 'set', (c) => c.wrap('k', () => 1)],
    ['cached', 'get', (c) => c.cached(async () => 1)()],
  ]
  it.each(operations)(
    'names the operation: %s (store %s hangs)',
    async (operation, method, run) => {
      const { cache } = setup([method])
      const call = track(run(cache))
      await vi.advanceTimersByTimeAsync(20)
      expect(call.state()).toBe('rejected')
      expect((call.outcome() as Error).message).toBe(message(operation, 20))
    },
  )

  it("with onError 'miss', a read that times out is a miss reported to the error hook", async () => {
    const errors: ErrorEvent[] = []
    const { cache } = setup(['get'], {
      onError: 'miss',
      hooks: [{ error: (e) => void errors.push(e) }],
    })
    const get = track(cache.get('k'))
    await vi.advanceTimersByTimeAsync(20)
    expect(get.state()).toBe('resolved')
    expect(get.outcome()).toBeUndefined()
    expect(cache.stats.errors).toBe(1)
    expect(cache.stats.misses).toBe(1)
    expect(errors).toHaveLength(1)
    expect(errors[0]?.operation).toBe('get')
    expect(errors[0]?.error).toBeInstanceOf(TimeoutError)
  })

  it("with onError 'miss', wrap still runs the factory when the read times out", async () => {
    const { store, cache } = setup(['get'], { onError: 'miss' })
    let runs = 0
    const wrap = track(cache.wrap('k', () => ++runs))
    await vi.advanceTimersByTimeAsync(20)
    expect(wrap.state()).toBe('resolved')
    expect(wrap.outcome()).toBe(1)
    expect(runs).toBe(1)
    // Without a read there are no captured versions to trust: nothing is written.
    expect(store.writes).toEqual([])
  })

  it("with onError 'miss', wrap returns the value when only the write times out", async () => {
    const { store, cache } = setup(['set'], { onError: 'miss' })
    const wrap = track(cache.wrap('k', () => 'v'))
    await vi.advanceTimersByTimeAsync(20)
    expect(wrap.outcome()).toBe('v')
    expect(store.calls.map((c) => c.method)).toEqual(['get', 'tagVersions', 'set'])
    expect(cache.stats.errors).toBe(1)
    expect(cache.stats.sets).toBe(0)
  })

  it("an invalidation that times out rejects even with onError 'miss' (a lost one would serve stale data)", async () => {
    const { cache } = setup(['invalidate'], { onError: 'miss' })
    const invalidate = track(cache.invalidate('t'))
    await vi.advanceTimersByTimeAsync(20)
    expect(invalidate.state()).toBe('rejected')
    expect(invalidate.outcome()).toBeInstanceOf(TimeoutError)
  })

  it('hands the TimeoutError and its context to an onError callback', async () => {
    const seen: unknown[] = []
    const { cache } = setup(['get'], {
      onError: (error, context) => {
        seen.push(error, context)
        return 'miss'
      },
    })
    const get = track(cache.get('k'))
    await vi.advanceTimersByTimeAsync(20)
    expect(get.outcome()).toBeUndefined()
    expect(seen[0]).toBeInstanceOf(TimeoutError)
    expect(seen[1]).toEqual({ operation: 'get', key: 'k' })
  })

  it('leaves a store that answers in time unaffected, and leaves no timer behind', async () => {
    const { store, cache } = setup([])
    await cache.set('a', 1, { tags: ['t'] })
    expect(await cache.get('a')).toBe(1)
    expect(await cache.getMany(['a', 'b'])).toEqual([1, undefined])
    expect(await cache.wrap('b', () => 2)).toBe(2)
    expect(await cache.ttl('a')).toBeGreaterThan(0)
    await cache.invalidate('t')
    expect(await cache.get('a')).toBeUndefined()
    expect(store.calls.length).toBeGreaterThan(8)
    expect(cache.stats.errors).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('waits as long as the store takes when there is no timeout', async () => {
    for (const timeout of [undefined, false as const]) {
      const { cache } = setup(['get'], { timeout })
      const get = track(cache.get('k'))
      await vi.advanceTimersByTimeAsync(3_600_000)
      expect(get.state()).toBe('pending')
      expect(vi.getTimerCount()).toBe(0)
    }
  })

  it('rejects a bad timeout at construction, naming the option', () => {
    for (const timeout of [-1, '1hfoo', true, 0 / 0]) {
      const make = () => createCache({ store: testStore(), timeout: timeout as never })
      expect(make).toThrow(InvalidOptionsError)
      expect(make).toThrow(/- timeout: /)
    }
  })
})
