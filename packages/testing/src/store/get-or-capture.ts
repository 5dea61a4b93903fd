import { createTagVersion, type GetOrCaptureResult } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { entryId, type Skippable, type SuiteContext, tagId } from './context.js'

type GetOrCapture = (
  key: string,
  tags: readonly string[],
  candidate: string,
  ttl: number,
) => Promise<GetOrCaptureResult>

/**
 * `getOrCapture`, for stores that implement it: the entry, and when the store
 * would not serve it, the tags' current versions, captured in the same read.
 */
export function getOrCaptureTests(ctx: SuiteContext): void {
  const implemented = (t: Skippable): GetOrCapture => {
    const getOrCapture = ctx.store.getOrCapture?.bind(ctx.store)
    return getOrCapture ?? t.skip('the store has no getOrCapture')
  }
  const ids = () => ({
    id: entryId(ctx.namespace, 'k'),
    tags: [`${ctx.namespace}:n`, tagId(ctx.namespace, 'a'), tagId(ctx.namespace, 'b')],
  })

  describe('getOrCapture, where implemented', () => {
    it('captures only what it would not serve', async (t) => {
      const getOrCapture = implemented(t)
      const c = ctx.cache()
      const { id, tags } = ids()
      // Absent: no entry, and the tags' current versions, created from the candidate.
      const candidate = createTagVersion()
      const absent = await getOrCapture(id, tags, candidate, 60_000)
      expect(absent.entry).toBeUndefined()
      expect(absent.captured).toHaveLength(3)
      expect(absent.captured).toContain(candidate)
      expect(await ctx.store.tagVersions(tags, createTagVersion(), 60_000)).toEqual(absent.captured)
      // Servable: the entry, and nothing captured.
      await c.set('k', 'v', { tags: ['a', 'b'] })
      const hit = await getOrCapture(id, tags, createTagVersion(), 60_000)
      expect(hit.entry).toBeDefined()
      expect(hit.captured).toBeUndefined()
      // Invalidated: an entry that is not servable, if any, and the new versions.
      await c.invalidate('b')
      const stale = await getOrCapture(id, tags, createTagVersion(), 60_000)
      expect(stale.captured).toEqual(await ctx.store.tagVersions(tags, createTagVersion(), 60_000))
      expect(stale.captured?.[2]).not.toBe(absent.captured?.[2])
      expect(await c.get('k')).toBeUndefined()
    })

    it('an entry whose tag version was lost is not served: the tag gets the candidate', async (t) => {
      const getOrCapture = implemented(t)
      const c = ctx.cache()
      const { id, tags } = ids()
      await c.set('k', 'v', { tags: ['a', 'b'] })
      const [, before] = await ctx.store.tagVersions(tags, createTagVersion(), 60_000)
      await ctx.harness.dropTagVersion(tagId(ctx.namespace, 'a'))
      const candidate = createTagVersion()
      const lost = await getOrCapture(id, tags, candidate, 60_000)
      expect(lost.captured?.[1]).toBe(candidate)
      expect(lost.captured?.[1]).not.toBe(before)
      expect(await c.get('k')).toBeUndefined()
    })

    it('an expired entry is never returned, and its tags are captured', async (t) => {
      const getOrCapture = implemented(t)
      const c = ctx.cache()
      const { id, tags } = ids()
      await c.set('k', 'v', { tags: ['a', 'b'], ttl: ctx.unit })
      await ctx.advance(ctx.unit * 2)
      const expired = await getOrCapture(id, tags, createTagVersion(), 60_000)
      expect(expired.entry).toBeUndefined()
      expect(expired.captured).toEqual(
        await ctx.store.tagVersions(tags, createTagVersion(), 60_000),
      )
    })
  })
}
