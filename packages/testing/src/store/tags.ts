import { createCache } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import type { SuiteContext } from './context.js'

/** `invalidate` and `invalidateAll`: an invalidated tag turns its entries, and only those, into misses. */
export function tagTests(ctx: SuiteContext): void {
  describe('tag invalidation', () => {
    it('invalidate(tag) turns every entry carrying it into a miss, and only those', async () => {
      const c = ctx.cache()
      await c.set('u1', 'ada', { tags: ['users', 'user:1'] })
      await c.set('u2', 'bob', { tags: ['users', 'user:2'] })
      await c.set('p1', 'post', { tags: ['posts'] })
      await c.set('plain', 'untagged')
      await c.invalidate('user:1')
      expect(await c.get('u1')).toBeUndefined()
      expect(await c.get('u2')).toBe('bob')
      await c.invalidate('users')
      expect(await c.getMany(['u1', 'u2', 'p1', 'plain'])).toEqual([
        undefined,
        undefined,
        'post',
        'untagged',
      ])
    })

    it('invalidate(...tags) invalidates each tag; unknown tags are fine', async () => {
      const c = ctx.cache()
      await c.set('a', 1, { tags: ['x'] })
      await c.set('b', 2, { tags: ['y'] })
      await c.set('c', 3, { tags: ['z'] })
      await c.invalidate('x', 'y', 'never-used')
      expect(await c.getMany(['a', 'b', 'c'])).toEqual([undefined, undefined, 3])
    })

    it('an entry written after an invalidation is a hit', async () => {
      const c = ctx.cache()
      await c.set('k', 'old', { tags: ['t'] })
      await c.invalidate('t')
      await c.set('k', 'new', { tags: ['t'] })
      expect(await c.get('k')).toBe('new')
    })

    it('invalidateAll() clears the ctx.namespace, tagged or not, and no other namespace', async () => {
      const c = ctx.cache()
      const other = createCache({ store: ctx.store, namespace: `${ctx.namespace}-other` })
      await c.set('a', 1, { tags: ['t'] })
      await c.set('b', 2)
      await other.set('a', 'other')
      await c.invalidateAll()
      expect(await c.getMany(['a', 'b'])).toEqual([undefined, undefined])
      expect(await other.get('a')).toBe('other')
      await c.set('a', 3)
      expect(await c.get('a')).toBe(3)
    })

    it('invalidation is shared by every cache instance on the ctx.store (other processes)', async () => {
      const a = ctx.cache()
      const b = ctx.cache()
      await a.set('k', 'v', { tags: ['shared'] })
      expect(await b.get('k')).toBe('v')
      await b.invalidate('shared')
      expect(await a.get('k')).toBeUndefined()
    })
  })
}
