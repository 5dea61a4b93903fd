// Stale values on real Redis, for both drivers, across caches on separate
// connections (as separate processes would be): after expireTags, one
// refresh runs (the lock holder's) while every other caller is served the
// old value; the soft timeout answers before a 500 ms factory, which then
// writes; refreshAhead recomputes once across caches; and invalidate stays
// hard through all of it.
import type { Cache } from '@tagcache/core'
import { describe, expect, it, vi } from 'vitest'
import { cachesOn, useBothClients } from './both-clients.js'

useBothClients()

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.each(['ioredis', 'node-redis'])('stale values over %s', (driver) => {
  it('after expireTags, 40 calls over 4 caches with lock and grace: one refresh, the others served stale', async () => {
    const { caches: cs, close } = await cachesOn(driver, `soft-${driver}`, 4)
    try {
      const first = cs[0] as Cache
      await first.set('hot', 'v1', { tags: ['prices'], ttl: '1h' })
      await first.expireTags('prices')
      let runs = 0
      let holder = -1
      let release: () => void = () => {}
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      const factoryOf = (index: number) => async () => {
        runs++
        holder = index
        await gate
        return 'v2'
      }
      const options = { tags: ['prices'], grace: '1h', lock: { ttl: '10s', wait: '10s' } }
      const calls = Array.from({ length: 40 }, (_, i) =>
        (cs[i % 4] as Cache).wrap('hot', factoryOf(i % 4), options),
      )
      // The holder's callers wait for its factory; every other cache answers stale meanwhile.
      await vi.waitFor(() => expect(runs).toBe(1), { timeout: 5_000 })
      const others = calls.filter((_, i) => i % 4 !== holder)
      expect(new Set(await Promise.all(others))).toEqual(new Set(['v1']))
      release()
      const all = await Promise.all(calls)
      expect(runs).toBe(1)
      expect(all.filter((v) => v === 'v2').length).toBe(10) // the holder cache's 10 calls
      expect(all.filter((v) => v === 'v1').length).toBe(30)
      const stale = cs.reduce((n, c) => n + c.stats.stale, 0)
      expect(stale).toBe(3) // one per cache that did not refresh (its calls shared one read)
      for (const c of cs) expect(await c.get('hot')).toBe('v2')
    } finally {
      await close()
    }
  })

  it('invalidate stays hard: no cache serves the invalidated value, every one recomputes', async () => {
    const { caches: cs, close } = await cachesOn(driver, `hard-${driver}`, 2)
    try {
      const [a, b] = cs as [Cache, Cache]
      await a.set('k', 'old', { tags: ['t'] })
      await a.expireTags('t')
      await b.invalidate('t')
      const failing = () => Promise.reject(new Error('source down'))
      for (const c of cs) {
        await expect(c.wrap('k', failing, { tags: ['t'], grace: '1h' })).rejects.toThrow(
          'source down',
        )
      }
      expect(a.stats.stale + b.stats.stale).toBe(0)
    } finally {
      await close()
    }
  })

  it('soft timeout: a 500 ms factory with a value in grace; wrap answers well before it, then the entry holds the new value', async () => {
    const { caches: cs, close } = await cachesOn(driver, `swr-${driver}`, 2)
    try {
      const [writer, reader] = cs as [Cache, Cache]
      await writer.wrap('k', () => 'old', { tags: ['t'], ttl: 100, grace: '1h' })
      await sleep(150) // past the ttl: stale, within grace
      const started = performance.now()
      const value = await reader.wrap(
        'k',
        async () => {
          await sleep(500)
          return 'new'
        },
        { tags: ['t'], ttl: '1h', grace: '1h', timeout: '50ms' },
      )
      const answered = performance.now() - started
      expect(value).toBe('old')
      // Under 100 ms on an idle machine (printed below); bounded loosely so
      // that a loaded CI machine does not flake, still well under the factory's 500 ms.
      expect(answered).toBeLessThan(450)
      await vi.waitFor(async () => expect(await writer.get('k')).toBe('new'), {
        timeout: 5_000,
        interval: 25,
      })
      const landed = performance.now() - started
      console.log(
        `[stale] ${driver}: soft timeout answered in ${answered.toFixed(1)} ms; the new value was readable ${landed.toFixed(0)} ms after the call`,
      )
    } finally {
      await close()
    }
  })

  it('refreshAhead: hits in the last share of the ttl refresh once across caches (with lock), served at once', async () => {
    const { caches: cs, close } = await cachesOn(driver, `ahead-${driver}`, 4)
    try {
      let runs = 0
      const factory = async () => {
        runs++
        await sleep(50)
        return `v${runs}`
      }
      const options = {
        tags: ['t'],
        ttl: 3_000,
        refreshAhead: 0.9,
        lock: { ttl: '5s', wait: '5s' },
      }
      expect(await (cs[0] as Cache).wrap('k', factory, options)).toBe('v1')
      await sleep(400) // into the last 90% of the ttl, far from its end
      const hits = await Promise.all(cs.map((c) => c.wrap('k', factory, options)))
      expect(hits).toEqual(['v1', 'v1', 'v1', 'v1']) // served at once, from the entry
      await vi.waitFor(async () => expect(await (cs[1] as Cache).get('k')).toBe('v2'), {
        timeout: 5_000,
        interval: 25,
      })
      expect(runs).toBe(2) // one refresh, whichever cache took the lock
    } finally {
      await close()
    }
  })
})
