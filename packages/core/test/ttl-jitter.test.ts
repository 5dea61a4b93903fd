import { afterEach, describe, expect, it, vi } from 'vitest'
import { createCache, InvalidOptionsError } from '../src/index.js'
import { testStore } from './support/test-store.js'

afterEach(() => {
  vi.restoreAllMocks()
})

function setup(ttlJitter?: number, defaultTtl: number | string = 10_000) {
  const store = testStore()
  const cache = createCache({ store, ttlJitter, defaultTtl })
  const ttls = () => store.writes.map((w) => w.ttl)
  const ttlsOf = (method: 'tagVersions' | 'expire') =>
    store.calls.filter((c) => c.method === method).map((c) => c.args.at(-1))
  return { store, cache, ttls, ttlsOf }
}

describe('ttlJitter', () => {
  it('writes each ttl t as a whole number of ms in [t × (1 − j), t], spread over the range', async () => {
    const { cache, ttls } = setup(0.2)
    for (let i = 0; i < 200; i++) await cache.set(`k${i}`, i)
    const written = ttls()
    expect(written).toHaveLength(200)
    for (const ttl of written) {
      expect(Number.isInteger(ttl)).toBe(true)
      expect(ttl).toBeGreaterThanOrEqual(8000)
      expect(ttl).toBeLessThanOrEqual(10_000)
    }
    // Uniform over [8000, 10000]: both halves are hit (each missed with odds 2^-200).
    expect(Math.min(...written)).toBeLessThan(9000)
    expect(Math.max(...written)).toBeGreaterThan(9000)
    expect(new Set(written).size).toBeGreaterThan(100)
  })

  it('shortens by ttlJitter × Math.random() of the ttl, never lengthens', async () => {
    const { cache, ttls } = setup(0.2)
    const random = vi.spyOn(Math, 'random')
    for (const r of [0, 0.5, 0.999_999]) {
      random.mockReturnValueOnce(r)
      await cache.set('k', 1, { ttl: '10s' })
    }
    expect(ttls()).toEqual([10_000, 9000, 8000])
  })

  it('never writes less than 1 ms', async () => {
    const { cache, ttls } = setup(1)
    vi.spyOn(Math, 'random').mockReturnValue(0.9)
    await cache.set('a', 1, { ttl: 1 })
    await cache.set('b', 1, { ttl: 3 })
    expect(ttls()).toEqual([1, 1])
  })

  it('writes exact ttls with 0 or no jitter', async () => {
    for (const jitter of [0, undefined]) {
      const { cache, ttls } = setup(jitter)
      for (let i = 0; i < 50; i++) await cache.set(`k${i}`, i, { ttl: i % 2 ? '10s' : undefined })
      expect(new Set(ttls())).toEqual(new Set([10_000]))
    }
  })

  it('keeps an infinite ttl infinite', async () => {
    const { cache, ttls } = setup(1, 'forever')
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    await cache.set('a', 1)
    await cache.set('b', 1, { ttl: Number.POSITIVE_INFINITY })
    await cache.wrap('c', () => 1, { ttl: 'forever' })
    expect(ttls()).toEqual([
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    ])
  })

  it('applies to every write, one draw per entry', async () => {
    const { cache, ttls } = setup(0.2)
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    await cache.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2, ttl: '20s' },
    ])
    await cache.wrap('c', () => 3)
    await cache.wrapMany(['d'], () => [4])
    await cache.cached(async () => 5, { ttl: '20s' })()
    expect(ttls()).toEqual([9000, 18_000, 9000, 9000, 18_000])
  })

  it('gives the captured tag versions of wrap the same jittered ttl as the entry', async () => {
    const { cache, ttls, ttlsOf } = setup(0.2)
    // A second draw would differ from the first.
    vi.spyOn(Math, 'random').mockReturnValueOnce(0.5).mockReturnValue(0)
    await cache.wrap('k', () => 1, { tags: ['t'] })
    expect(ttls()).toEqual([9000])
    expect(ttlsOf('tagVersions')).toEqual([9000])
  })

  it('does not touch the ttl given to expire()', async () => {
    const { cache, ttlsOf } = setup(0.5)
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    await cache.set('k', 1)
    expect(await cache.expire('k', '10s')).toBe(true)
    expect(ttlsOf('expire')).toEqual([10_000])
  })

  it('rejects values outside 0..1 at construction, naming ttlJitter', () => {
    for (const ttlJitter of [-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '0.1']) {
      const make = () => createCache({ store: testStore(), ttlJitter: ttlJitter as never })
      expect(make).toThrow(InvalidOptionsError)
      expect(make).toThrow(/\n {2}- ttlJitter: /)
    }
    for (const ttlJitter of [0, 1]) {
      expect(createCache({ store: testStore(), ttlJitter }).namespace).toBe('default')
    }
  })
})
