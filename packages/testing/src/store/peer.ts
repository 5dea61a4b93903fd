import { createCache } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import type { Skippable, SuiteContext } from './context.js'

/**
 * Another store over the same backend, as another process holds it: what one
 * store remembers locally (tag hints, an L1) never hides the other's writes.
 */
export function peerTests(ctx: SuiteContext): void {
  describe('another process on the same backend', () => {
    const pair = (t: Skippable) => {
      const peer = ctx.harness.peer?.()
      if (peer === undefined) return t.skip('no peer: the store has no shared backend')
      const other = createCache({ store: peer, namespace: ctx.namespace })
      return { reader: ctx.cache(), writer: other }
    }

    it('an entry it rewrites with other tags is checked against its new tags', async (t) => {
      const { reader, writer } = pair(t)
      await writer.set('k', 'v1', { tags: ['old'] })
      expect(await reader.get('k')).toBe('v1') // the reader has now seen 'old'
      expect(await reader.get('k')).toBe('v1')
      await writer.set('k', 'v2', { tags: ['new'] })
      await writer.invalidate('new')
      expect(await reader.get('k')).toBeUndefined()
      await writer.set('k', 'v3', { tags: ['new'] })
      expect(await reader.get('k')).toBe('v3')
      await writer.invalidate('old') // the tag the reader saw before: no effect now
      expect(await reader.get('k')).toBe('v3')
      await writer.set('k', 'v4', { tags: ['new', 'old'] })
      expect(await reader.get('k')).toBe('v4')
      await writer.invalidate('new')
      expect(await reader.get('k')).toBeUndefined()
    })

    it('its invalidations, deletes and invalidateAll are seen at once', async (t) => {
      const { reader, writer } = pair(t)
      await writer.set('k', 'v', { tags: ['t', 'u'] })
      expect(await reader.get('k')).toBe('v')
      expect(await reader.get('k')).toBe('v')
      await writer.invalidate('u')
      expect(await reader.get('k')).toBeUndefined()
      await writer.set('k', 'again', { tags: ['t', 'u'] })
      expect(await reader.get('k')).toBe('again')
      await writer.delete('k')
      expect(await reader.get('k')).toBeUndefined()
      await writer.set('k', 'back', { tags: ['t'] })
      expect(await reader.get('k')).toBe('back')
      await writer.invalidateAll()
      expect(await reader.get('k')).toBeUndefined()
      expect(await reader.wrap('k', () => 'fresh', { tags: ['t'] })).toBe('fresh')
      expect(await writer.get('k')).toBe('fresh')
    })

    it('a lost tag version is a miss for both', async (t) => {
      const { reader, writer } = pair(t)
      await writer.set('k', 'v', { tags: ['t'] })
      expect(await reader.get('k')).toBe('v')
      await ctx.harness.dropTagVersion(`${ctx.namespace}:t:t`)
      expect(await reader.get('k')).toBeUndefined()
      expect(await writer.get('k')).toBeUndefined()
    })
  })
}
