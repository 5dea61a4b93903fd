import { createTagVersion } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { entryId, type SuiteContext } from './context.js'

/** `ttl` and `expire`: an entry's time to live, read and changed. */
export function ttlTests(ctx: SuiteContext): void {
  describe('time to live', () => {
    it('expire() and persist() change the time to live of a valid entry', async () => {
      const c = ctx.cache()
      await c.set('k', 'v', { ttl: '1h' })
      const ttl = await c.ttl('k')
      expect(ttl).toBeGreaterThan(3_500_000)
      expect(ttl).toBeLessThanOrEqual(3_600_000)
      // Long enough that persist() below still finds it on a loaded machine.
      expect(await c.expire('k', ctx.unit * 5)).toBe(true)
      expect(await c.ttl('k')).toBeLessThanOrEqual(ctx.unit * 5)
      expect(await c.persist('k')).toBe(true)
      expect(await c.ttl('k')).toBe(Number.POSITIVE_INFINITY)
      await ctx.advance(ctx.unit * 6)
      expect(await c.get('k')).toBe('v')
      expect(await c.expire('k', ctx.unit)).toBe(true)
      await ctx.advance(ctx.unit * 2)
      expect(await c.get('k')).toBeUndefined()
      expect(await c.expire('k', '1h')).toBe(false)
      expect(await c.persist('missing')).toBe(false)
    })

    it('store.ttl reads Infinity for an entry written without expiry, and expire sets and removes one', async () => {
      const { store, namespace } = ctx
      const id = entryId(namespace, 'k')
      await store.set(id, {
        value: new Uint8Array([1]),
        tags: [`${namespace}:n`],
        candidate: createTagVersion(),
        ttl: Number.POSITIVE_INFINITY,
      })
      expect(await store.ttl(id)).toBe(Number.POSITIVE_INFINITY)
      expect(await store.expire(id, 3_600_000)).toBe(true)
      const ttl = await store.ttl(id)
      expect(ttl).toBeGreaterThan(3_500_000)
      expect(ttl).toBeLessThanOrEqual(3_600_000)
      expect(await store.expire(id, Number.POSITIVE_INFINITY)).toBe(true)
      expect(await store.ttl(id)).toBe(Number.POSITIVE_INFINITY)
      expect(await store.ttl(entryId(namespace, 'missing'))).toBeUndefined()
      expect(await store.expire(entryId(namespace, 'missing'), 60_000)).toBe(false)
    })
  })
}
