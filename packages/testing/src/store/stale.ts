import type { CacheOptions, Store } from '@tagcache/core'
import { describe, expect, it, vi } from 'vitest'
import type { Skippable, SuiteContext } from './context.js'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** The store, if it offers soft invalidation; otherwise the test is skipped, saying why. */
function softening(ctx: SuiteContext, t: Skippable): Store {
  if (typeof ctx.store.expireTags !== 'function') {
    t.skip('the store offers no expireTags (cache.expireTags then throws)')
  }
  return ctx.store
}

const failing = (): never => {
  throw new Error('source down')
}

/**
 * Stale values: `expireTags` (soft invalidation) and `wrap`'s `grace`, read
 * through every path a store has (a first read, a read with what the store
 * remembers of the key, `getMany`, `wrap`'s read-and-capture).
 */
export function staleTests(
  suite: SuiteContext,
  options: { label?: string; extra?: () => Partial<CacheOptions> } = {},
): void {
  // Every cache of these tests gets `extra` (a policy: through a bounded view).
  const ctx: SuiteContext = Object.create(suite, {
    cache: {
      value: (more: Partial<CacheOptions> = {}) => suite.cache({ ...options.extra?.(), ...more }),
    },
  })
  describe(`stale values (expireTags, grace)${options.label ?? ''}, where offered`, () => {
    it('expireTags: a plain read misses; wrap with grace serves the old value when the factory fails', async (t) => {
      softening(ctx, t)
      const c = ctx.cache()
      await c.set('k', 'old', { tags: ['t'] })
      await c.set('other', 'kept', { tags: ['u'] })
      expect(await c.get('k')).toBe('old') // a read the store may remember
      await c.expireTags('t')
      expect(await c.get('k')).toBeUndefined()
      expect(await c.has('k')).toBe(false)
      expect(await c.getMany(['k', 'other'])).toEqual([undefined, 'kept'])
      const stale: string[] = []
      const c2 = ctx.cache({ hooks: [{ stale: (e) => void stale.push(e.key) }] })
      // The plain reads above left the entry in place: it is served as stale.
      expect(await c2.wrap('k', failing, { tags: ['t'], grace: '1h' })).toBe('old')
      expect(stale).toEqual(['k'])
      expect(c2.stats.stale).toBe(1)
      // Without grace, the failure propagates.
      await expect(c2.wrap('k', failing, { tags: ['t'] })).rejects.toThrow('source down')
    })

    it('expireTags: the refresh writes a fresh entry; later reads hit it', async (t) => {
      softening(ctx, t)
      const c = ctx.cache()
      await c.set('k', 'old', { tags: ['t', 'x'] })
      await c.expireTags('t')
      let seen: unknown
      const value = await c.wrap(
        'k',
        (f) => {
          seen = f.stale
          return 'new'
        },
        { tags: ['t', 'x'], grace: '1h' },
      )
      expect(value).toBe('new')
      expect(seen).toBe('old') // the factory saw the stale value
      expect(await c.get('k')).toBe('new')
      expect(c.stats.stale).toBe(0)
    })

    it('invalidate is hard, even after expireTags: nothing it invalidated is served stale', async (t) => {
      softening(ctx, t)
      const c = ctx.cache()
      await c.set('k', 'old', { tags: ['t'] })
      await c.expireTags('t')
      await c.invalidate('t')
      await expect(c.wrap('k', failing, { tags: ['t'], grace: '1h' })).rejects.toThrow(
        'source down',
      )
      // A soft expiry after the hard one does not bring it back.
      await c.expireTags('t')
      await expect(c.wrap('k', failing, { tags: ['t'], grace: '1h' })).rejects.toThrow(
        'source down',
      )
      expect(c.stats.stale).toBe(0)
    })

    it('expireTags twice: entries from before either stay stale; invalidateAll is hard', async (t) => {
      softening(ctx, t)
      const c = ctx.cache()
      await c.set('a', 'a0', { tags: ['t'] })
      await c.expireTags('t')
      await c.set('b', 'b1', { tags: ['t'] })
      expect(await c.get('b')).toBe('b1') // written after the soft expiry: fresh
      await c.expireTags('t')
      expect(await c.get('b')).toBeUndefined()
      expect(await c.wrap('a', failing, { tags: ['t'], grace: '1h' })).toBe('a0')
      expect(await c.wrap('b', failing, { tags: ['t'], grace: '1h' })).toBe('b1')
      await c.invalidateAll()
      await expect(c.wrap('b', failing, { tags: ['t'], grace: '1h' })).rejects.toThrow(
        'source down',
      )
    })

    it('expireTags of one tag leaves an entry invalid when another of its tags was invalidated', async (t) => {
      softening(ctx, t)
      const c = ctx.cache()
      await c.set('k', 'old', { tags: ['soft', 'hard'] })
      await c.expireTags('soft')
      await c.invalidate('hard')
      await expect(c.wrap('k', failing, { tags: ['soft', 'hard'], grace: '1h' })).rejects.toThrow(
        'source down',
      )
    })

    it('grace: past its ttl an entry is a miss for reads and stale for wrap, until ttl + grace', async () => {
      const c = ctx.cache()
      const ttl = ctx.unit
      // A grace long beside the ttl: a loaded machine may take several units
      // between the steps below without the entry going before it is read stale.
      const grace = ttl * 10
      const began = performance.now()
      const wrote = await c.wrap('k', () => 'old', { tags: ['t'], ttl, grace })
      expect(wrote).toBe('old')
      const fresh = await c.get('k')
      // Fresh when read within its ttl (a loaded machine may take longer: then unknown).
      if (performance.now() - began < ttl) expect(fresh).toBe('old')
      // Past the ttl (by the writer's clock and the store's).
      await Promise.all([sleep(ttl * 1.5), ctx.advance(ttl * 1.5)])
      expect(await c.get('k')).toBeUndefined()
      expect(await c.wrap('k', failing, { tags: ['t'], ttl, grace, graceBackoff: 0 })).toBe('old')
      expect(c.stats.stale).toBe(1)
      // Past ttl + grace: gone.
      await Promise.all([sleep(grace + ttl), ctx.advance(grace + ttl)])
      await expect(c.wrap('k', failing, { tags: ['t'], ttl, grace })).rejects.toThrow('source down')
    })

    it('soft timeout: with a stale value, wrap answers before a slow factory, which then writes', async (t) => {
      softening(ctx, t)
      const c = ctx.cache()
      await c.set('k', 'old', { tags: ['t'] })
      await c.expireTags('t')
      let finish: (v: string) => void = () => {}
      let calls = 0
      const slow = () => {
        calls++
        return new Promise<string>((resolve) => {
          finish = resolve
        })
      }
      const options = { tags: ['t'], grace: '1h', timeout: 20 }
      expect(await c.wrap('k', slow, options)).toBe('old')
      // A second call while the refresh runs joins it: no second factory call.
      expect(await c.wrap('k', slow, options)).toBe('old')
      expect(calls).toBe(1)
      finish('new')
      await vi.waitFor(async () => expect(await c.get('k')).toBe('new'), {
        timeout: 5_000,
        interval: 20,
      })
      expect(c.stats.stale).toBe(2)
    })

    it('rule 2 holds through a background refresh: an invalidation while it runs leaves its write born invalid', async (t) => {
      softening(ctx, t)
      let writes = 0
      const c = ctx.cache({ hooks: [{ set: () => void writes++ }] })
      await c.set('k', 'old', { tags: ['t'] })
      await c.expireTags('t')
      let finish: (v: string) => void = () => {}
      let started = false
      const slow = () =>
        new Promise<string>((resolve) => {
          started = true
          finish = resolve
        })
      // Served stale at once (timeout 0); the refresh runs on in the background.
      expect(await c.wrap('k', slow, { tags: ['t'], grace: '1h', timeout: 0 })).toBe('old')
      await vi.waitFor(() => expect(started).toBe(true))
      await c.invalidate('t') // lands while the background factory runs
      finish('computed before the invalidation')
      // The background write landed (the set above was the first).
      await vi.waitFor(() => expect(writes).toBe(2), { timeout: 5_000 })
      expect(await c.get('k')).toBeUndefined()
      // Nothing is served stale either: the invalidation was hard.
      await expect(c.wrap('k', failing, { tags: ['t'], grace: '1h' })).rejects.toThrow(
        'source down',
      )
    })

    it('graceBackoff: after a failure served stale, the factory is not called again until it ends', async (t) => {
      softening(ctx, t)
      const c = ctx.cache()
      await c.set('k', 'old', { tags: ['t'] })
      await c.expireTags('t')
      let calls = 0
      const down = () => {
        calls++
        throw new Error('source down')
      }
      // Long beside a unit: both stale calls below land within it even on a loaded machine.
      const options = { tags: ['t'], grace: '1h', graceBackoff: ctx.unit * 10 }
      expect(await c.wrap('k', down, options)).toBe('old')
      expect(await c.wrap('k', down, options)).toBe('old')
      expect(calls).toBe(1)
      await sleep(ctx.unit * 11)
      expect(await c.wrap('k', () => 'new', options)).toBe('new')
      expect(await c.get('k')).toBe('new')
    })
  })
}
