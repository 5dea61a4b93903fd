import { createTagVersion, type Store } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { entryId, type Skippable, type SuiteContext } from './context.js'

type Locking = Required<Pick<Store, 'lock' | 'unlock'>> & Store

/** The store, if it offers the stampede lock; otherwise the test is skipped, saying why. */
function locking(ctx: SuiteContext, t: Skippable): Locking {
  const { store } = ctx
  if (typeof store.lock !== 'function' || typeof store.unlock !== 'function') {
    t.skip('the store offers no lock/unlock (the `lock` option of wrap then throws)')
  }
  return store as Locking
}

/** `lock` and `unlock` (`wrap(..., { lock })`), where the store offers them. */
export function lockTests(ctx: SuiteContext): void {
  describe('stampede locks (Store.lock/unlock), where offered', () => {
    it('one owner at a time; only the owner releases', async (t) => {
      const store = locking(ctx, t)
      const id = entryId(ctx.namespace, 'k')
      const ttl = 60_000
      expect(await store.lock(id, 'a', ttl)).toBe(true)
      expect(await store.lock(id, 'b', ttl)).toBe(false)
      expect(await store.lock(id, 'a', ttl)).toBe(false) // not re-entrant
      await store.unlock(id, 'b') // not b's: nothing happens
      expect(await store.lock(id, 'c', ttl)).toBe(false)
      await store.unlock(id, 'a')
      expect(await store.lock(id, 'c', ttl)).toBe(true)
      // Locks are per key.
      expect(await store.lock(entryId(ctx.namespace, 'other'), 'a', ttl)).toBe(true)
      await store.unlock(id, 'c')
      await store.unlock(entryId(ctx.namespace, 'other'), 'a')
    })

    it("an expired lock is free, and its old owner cannot release the next owner's", async (t) => {
      const store = locking(ctx, t)
      const id = entryId(ctx.namespace, 'k')
      expect(await store.lock(id, 'a', ctx.unit)).toBe(true)
      await ctx.advance(ctx.unit * 2)
      expect(await store.lock(id, 'b', 60_000)).toBe(true)
      await store.unlock(id, 'a') // a's lock expired: b's stays
      expect(await store.lock(id, 'c', 60_000)).toBe(false)
      await store.unlock(id, 'b')
    })

    it('a lock is not an entry: it neither hides, replaces nor removes the value under its key', async (t) => {
      const store = locking(ctx, t)
      const c = ctx.cache()
      await c.set('k', { v: 1 }, { tags: ['t'] })
      const id = entryId(ctx.namespace, 'k')
      expect(await store.lock(id, 'a', 60_000)).toBe(true)
      expect(await c.get('k')).toEqual({ v: 1 })
      await store.set(entryId(ctx.namespace, 'k2'), {
        value: new Uint8Array([1]),
        tags: [`${ctx.namespace}:n`],
        candidate: createTagVersion(),
        ttl: 60_000,
      })
      await store.unlock(id, 'a')
      expect(await c.get('k')).toEqual({ v: 1 })
      expect(await store.ttl(entryId(ctx.namespace, 'k2'))).toBeGreaterThan(0)
      await c.invalidate('t')
      expect(await c.get('k')).toBeUndefined()
      // A lock on a key without an entry works the same.
      expect(await store.lock(entryId(ctx.namespace, 'none'), 'a', 60_000)).toBe(true)
      expect(await c.get('none')).toBeUndefined()
      await store.unlock(entryId(ctx.namespace, 'none'), 'a')
    })

    it("awaitUnlock, where offered: woken by the holder's unlock, not by anyone else's; false once its time is up", async (t) => {
      const store = locking(ctx, t)
      const offered = store.awaitUnlock
      if (typeof offered !== 'function') {
        return t.skip('the store offers no awaitUnlock (waiters poll every 15 ms)')
      }
      const awaitUnlock = offered.bind(store)
      const id = entryId(ctx.namespace, 'k')
      const other = entryId(ctx.namespace, 'other')
      // Nothing to hear: false after the time given.
      expect(await awaitUnlock(id, ctx.unit / 4)).toBe(false)
      expect(await store.lock(id, 'a', 60_000)).toBe(true)
      expect(await store.lock(other, 'x', 60_000)).toBe(true)
      // Until the store hears a release: one listening on a connection of its
      // own subscribes on its first wait, which a loaded machine may take longer
      // to finish than any fixed delay (a release published before is not heard).
      const probe = entryId(ctx.namespace, 'probe')
      for (let tries = 1; ; tries++) {
        expect(await store.lock(probe, 'p', 60_000)).toBe(true)
        const heard = awaitUnlock(probe, ctx.unit * 2)
        await store.unlock(probe, 'p')
        if (await heard) break
        if (tries === 50) throw new Error('the store never heard a release after 50 tries')
      }
      const started = performance.now()
      const waiting = awaitUnlock(id, 30_000)
      let woken: boolean | undefined
      void waiting.then((v) => {
        woken = v
      })
      await store.unlock(id, 'b') // not b's lock: no release
      await store.unlock(other, 'x') // another key's release
      await new Promise((resolve) => setTimeout(resolve, ctx.unit / 2))
      expect(woken).toBeUndefined()
      await store.unlock(id, 'a')
      expect(await waiting).toBe(true)
      // Heard, not timed out (30 s): far sooner than that even on a loaded machine.
      expect(performance.now() - started).toBeLessThan(10_000)
    })
  })
}
