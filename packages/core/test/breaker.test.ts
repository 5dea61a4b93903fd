import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import {
  type BreakerEvent,
  type CacheOptions,
  CircuitOpenError,
  channelNames,
  createCache,
  type ErrorEvent,
  InvalidOptionsError,
  isTagCacheError,
  StoreError,
  TimeoutError,
} from '../src/index.js'
import { STORE_METHODS } from '../src/store.js'
import { testStore } from './support/test-store.js'

// Windows are either long (a minute: cannot end during the test, whatever the
// machine's load) or short and waited out with room to spare.
function setup(options: Partial<CacheOptions> = {}, sync = false) {
  const store = testStore({ sync })
  const states: BreakerEvent[] = []
  const errors: ErrorEvent[] = []
  const cache = createCache({
    store,
    onError: 'miss',
    breakerDuration: '1m',
    hooks: [{ breaker: (e) => void states.push(e), error: (e) => void errors.push(e) }],
    ...options,
  })
  const methods = () => store.calls.map((c) => c.method)
  return { store, cache, states, errors, methods }
}

describe('store circuit breaker', () => {
  it('opens on a store failure; then skips the store: reads miss, wrap computes without writing, writes are skipped', async () => {
    const { store, cache, states, errors } = setup()
    await cache.set('k', 'cached', { tags: ['t'] })
    store.failing.add('get')
    expect(await cache.get('k')).toBeUndefined()
    expect(states.map((s) => s.state)).toEqual(['open'])
    expect(states[0]).toMatchObject({ namespace: 'default', store: 'test' })
    expect(states[0]?.cause).toBeInstanceOf(StoreError)
    expect(cache.stats.errors).toBe(1)
    expect(errors).toHaveLength(1)

    // The store is healthy again, but the breaker does not know: nothing reaches it.
    store.failing.clear()
    const sent = store.calls.length
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.has('k')).toBe(false)
    expect(await cache.getMany(['k', 'x'])).toEqual([undefined, undefined])
    let runs = 0
    expect(await cache.wrap('k', () => ++runs, { tags: ['t'] })).toBe(1)
    expect(await cache.cached(() => ++runs, { key: () => 'fn' })()).toBe(2)
    await cache.set('other', 1)
    await cache.setMany([{ key: 'a', value: 1 }])
    expect(await cache.delete('a')).toBe(false)
    expect(await cache.ttl('k')).toBeUndefined()
    expect(await cache.expire('k', '1h')).toBe(false)
    expect(store.calls.length).toBe(sent)
    // Counted as skipped, not as errors; no error event per skipped call.
    expect(cache.stats.skipped).toBe(10)
    expect(cache.stats.errors).toBe(1)
    expect(errors).toHaveLength(1)
    expect(cache.stats.sets).toBe(1)
    expect(cache.stats.summary).toContain('skipped=10')
    expect(states.map((s) => s.state)).toEqual(['open'])
  })

  it('invalidations are still sent while open; one that fails throws, one that succeeds closes the breaker', async () => {
    const { store, cache, states, methods } = setup()
    await cache.set('k', 'cached', { tags: ['t'] })
    store.failing.add('get')
    store.failing.add('invalidate')
    await cache.get('k')
    expect(states.map((s) => s.state)).toEqual(['open'])
    const failed = await cache.invalidate('t').catch((e: unknown) => e)
    expect(isTagCacheError(failed, 'E_STORE')).toBe(true)
    expect(await cache.invalidateAll().catch((e: unknown) => e)).toBeInstanceOf(StoreError)
    expect(methods().filter((m) => m === 'invalidate')).toHaveLength(2)
    expect(states.map((s) => s.state)).toEqual(['open'])
    store.failing.clear()
    await cache.invalidate('t')
    expect(states.map((s) => s.state)).toEqual(['open', 'closed'])
    // Closed: the store is used again, and the invalidation held.
    expect(await cache.get('k')).toBeUndefined()
    await cache.set('k', 'fresh', { tags: ['t'] })
    expect(await cache.get('k')).toBe('fresh')
  })

  it('after the window, lets one operation through (half-open): success closes, failure reopens', async () => {
    const { store, cache, states, methods } = setup({ breakerDuration: 30 })
    await cache.set('k', 'cached')
    store.failing.add('get')
    await cache.get('k')
    await sleep(80)
    // The probe fails: open again, for a new window.
    expect(await cache.get('k')).toBeUndefined()
    expect(states.map((s) => s.state)).toEqual(['open', 'half-open', 'open'])
    expect(methods().filter((m) => m === 'get')).toHaveLength(2)
    store.failing.clear()
    await sleep(80)
    expect(await cache.get('k')).toBe('cached')
    expect(states.map((s) => s.state)).toEqual(['open', 'half-open', 'open', 'half-open', 'closed'])
    expect(await cache.get('k')).toBe('cached')
    expect(cache.stats.hits).toBe(2)
  })

  it('while the probe is pending, other operations are still skipped; a probe that never settles is replaced a window later', async () => {
    const { store, cache, states, methods } = setup({ breakerDuration: 30 })
    await cache.set('k', 'cached')
    store.failing.add('get')
    await cache.get('k')
    store.failing.clear()
    store.hanging.add('get')
    await sleep(80)
    void cache.get('k') // the probe: never answers (no timeout set)
    const reads = methods().filter((m) => m === 'get').length
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.get('k')).toBeUndefined()
    expect(methods().filter((m) => m === 'get')).toHaveLength(reads)
    store.hanging.clear()
    await sleep(80)
    expect(await cache.get('k')).toBe('cached')
    expect(states.map((s) => s.state)).toEqual(['open', 'half-open', 'half-open', 'closed'])
  })

  it('a timeout opens it: later calls do not wait on the store', async () => {
    const { store, cache, states, methods } = setup({ timeout: 20 })
    await cache.set('k', 'cached')
    store.hanging.add('get')
    expect(await cache.get('k')).toBeUndefined()
    expect(states[0]?.cause).toBeInstanceOf(TimeoutError)
    const reads = methods().filter((m) => m === 'get').length
    const started = performance.now()
    for (let i = 0; i < 20; i++) expect(await cache.get('k')).toBeUndefined()
    // Twenty skipped reads take nowhere near one timeout each (20 × 20 ms).
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(methods().filter((m) => m === 'get')).toHaveLength(reads)
  })

  it("with onError 'throw', skipped calls fail fast with CircuitOpenError; a callback decides per error", async () => {
    const { store, cache } = setup({ onError: 'throw' })
    store.failing.add('get')
    await expect(cache.get('k')).rejects.toBeInstanceOf(StoreError)
    store.failing.clear()
    const skipped = await cache.get('k').catch((e: unknown) => e)
    expect(skipped).toBeInstanceOf(CircuitOpenError)
    expect(isTagCacheError(skipped, 'E_CIRCUIT_OPEN')).toBe(true)
    expect((skipped as Error).message).toBe(
      '[tagcache] [core] test get skipped: the circuit breaker is open after a store failure; expected the store to answer again (it is retried once the `breakerDuration` window ends)',
    )
    await expect(cache.wrap('k', () => 1)).rejects.toBeInstanceOf(CircuitOpenError)

    const seen: string[] = []
    const decided = setup({
      onError: (error) => {
        seen.push((error as { code: string }).code)
        return isTagCacheError(error, 'E_CIRCUIT_OPEN') ? 'miss' : 'throw'
      },
    })
    decided.store.failing.add('get')
    await expect(decided.cache.get('k')).rejects.toBeInstanceOf(StoreError)
    expect(await decided.cache.get('k')).toBeUndefined()
    expect(seen).toEqual(['E_STORE', 'E_CIRCUIT_OPEN'])
  })

  it('programming errors and foreign errors do not open it', async () => {
    const { store, cache, states } = setup({ onError: 'throw' })
    await expect(cache.set('k', () => 1)).rejects.toThrow()
    await expect(cache.set('k', undefined)).rejects.toThrow(/cannot cache undefined/)
    await expect(cache.get(1 as never)).rejects.toBeInstanceOf(TypeError)
    const foreign = testStore()
    foreign.get = () => Promise.reject(new Error('not a StoreError'))
    const other = createCache({ store: foreign, onError: 'miss', breakerDuration: '1m' })
    expect(await other.get('k')).toBeUndefined()
    expect(await other.get('k')).toBeUndefined()
    expect(other.stats.skipped).toBe(0)
    expect(states).toEqual([])
    await cache.set('k', 1)
    expect(await cache.get('k')).toBe(1)
    expect(store.calls.length).toBeGreaterThan(0)
  })

  it('guards an in-process store read synchronously (getSync) alike', async () => {
    const { store, cache, states } = setup({ breakerDuration: 30 }, true)
    await cache.set('k', 'cached')
    store.failing.add('get')
    expect(await cache.get('k')).toBeUndefined()
    store.failing.clear()
    const reads = store.calls.length
    expect(await cache.get('k')).toBeUndefined()
    expect(store.calls.length).toBe(reads)
    expect(cache.stats.skipped).toBe(1)
    await sleep(80)
    expect(await cache.get('k')).toBe('cached')
    expect(states.map((s) => s.state)).toEqual(['open', 'half-open', 'closed'])
  })

  it('cached functions go through the breaker too', async () => {
    const { store, cache } = setup()
    store.failing.add('get')
    await cache.get('k')
    store.failing.clear()
    let runs = 0
    const fn = cache.cached((id: number) => id + ++runs)
    expect(await fn(1)).toBe(2)
    expect(await fn(1)).toBe(3) // never written: computed again
    expect(cache.stats.skipped).toBe(2)
    expect(store.writes).toHaveLength(0)
  })

  it('publishes state changes on the tagcache:breaker channel', async () => {
    const published: unknown[] = []
    const listener = (message: unknown) => void published.push(message)
    subscribe(channelNames.breaker, listener)
    try {
      const store = testStore()
      const cache = createCache({ store, onError: 'miss', breakerDuration: '1m', namespace: 'ch' })
      store.failing.add('get')
      await cache.get('k')
      expect(published).toEqual([
        expect.objectContaining({ namespace: 'ch', store: 'test', state: 'open' }),
      ])
    } finally {
      unsubscribe(channelNames.breaker, listener)
    }
  })

  it('is off by default and validated', async () => {
    const store = testStore()
    const cache = createCache({ store, onError: 'miss' })
    for (const method of STORE_METHODS) store.failing.add(method)
    await cache.get('k')
    await cache.get('k')
    // Without a breaker every call goes to the failing store.
    expect(store.calls.map((c) => c.method)).toEqual(['get', 'get'])
    expect(cache.stats.skipped).toBe(0)
    expect(cache.stats.errors).toBe(2)
    expect(() => createCache({ store, breakerDuration: '5x' })).toThrow(InvalidOptionsError)
    expect(() => createCache({ store, breakerDuration: 'forever' })).toThrow(
      /breakerDuration: expected a finite duration/,
    )
    expect(() => createCache({ store, breakerDuration: -1 })).toThrow(/breakerDuration/)
    createCache({ store, breakerDuration: false })
    createCache({ store, breakerDuration: 0 })
  })
})
