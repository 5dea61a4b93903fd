import { createTagVersion, isTagVersion } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import type { SuiteContext } from './context.js'

/** What a stray write from another program can leave under a version key. */
export type ForeignVersion = 'bytes' | 'type'

/**
 * A malformed tag or namespace version (foreign bytes, a key of
 * the wrong type) reads as missing and is replaced by a fresh version; it
 * never disables a namespace. Registered inside the Store contract suite; skipped for
 * stores without `corruptTagVersion`.
 */
export function foreignVersionTests(ctx: SuiteContext): void {
  const kinds: ForeignVersion[] = ['bytes', 'type']
  describe('a version key holding something that is not a version', () => {
    for (const kind of kinds) {
      const what = kind === 'bytes' ? 'foreign bytes' : 'a key of another type'
      it(`${what} under a tag version: a miss, then replaced by a fresh version`, async (t) => {
        const corrupt = ctx.harness.corruptTagVersion?.bind(ctx.harness)
        if (corrupt === undefined) return t.skip('the store cannot hold foreign values')
        const c = ctx.cache()
        const tagId = `${ctx.namespace}:t:t`
        await c.set('before', 1, { tags: ['t'] })
        await corrupt(tagId, kind)
        expect(await c.get('before')).toBeUndefined()
        // Writes after the stray one work again, and keep working.
        await c.set('after', 2, { tags: ['t'] })
        expect(await c.get('after')).toBe(2)
        expect(await c.wrap('wrapped', () => 3, { tags: ['t'] })).toBe(3)
        expect(await c.get('wrapped')).toBe(3)
        expect(await c.getMany(['before', 'after', 'wrapped'])).toEqual([undefined, 2, 3])
        const [version] = await ctx.store.tagVersions([tagId], createTagVersion(), 60_000)
        expect(isTagVersion(version as string)).toBe(true)
        // The tag still invalidates as usual.
        await c.invalidate('t')
        expect(await c.get('after')).toBeUndefined()
        // Rule 1 holds: the entry written before the stray write never comes back.
        expect(await c.get('before')).toBeUndefined()
      })

      it(`${what} under the namespace version: the namespace heals on the next write`, async (t) => {
        const corrupt = ctx.harness.corruptTagVersion?.bind(ctx.harness)
        if (corrupt === undefined) return t.skip('the store cannot hold foreign values')
        const c = ctx.cache()
        await c.set('before', 1)
        await corrupt(`${ctx.namespace}:n`, kind)
        expect(await c.get('before')).toBeUndefined()
        await c.set('after', 2)
        expect(await c.get('after')).toBe(2)
        expect(await c.wrap('wrapped', () => 3)).toBe(3)
        expect(await c.get('wrapped')).toBe(3)
        await c.invalidateAll()
        expect(await c.getMany(['before', 'after', 'wrapped'])).toEqual([
          undefined,
          undefined,
          undefined,
        ])
        await c.set('again', 4)
        expect(await c.get('again')).toBe(4)
      })

      it(`tagVersions replaces ${what} with the candidate`, async (t) => {
        const corrupt = ctx.harness.corruptTagVersion?.bind(ctx.harness)
        if (corrupt === undefined) return t.skip('the store cannot hold foreign values')
        const tagId = `${ctx.namespace}:t:direct`
        const [first] = await ctx.store.tagVersions([tagId], createTagVersion(), 60_000)
        await corrupt(tagId, kind)
        const candidate = createTagVersion()
        const [replaced] = await ctx.store.tagVersions([tagId], candidate, 60_000)
        expect(replaced).toBe(candidate)
        expect(replaced).not.toBe(first)
        const [kept] = await ctx.store.tagVersions([tagId], createTagVersion(), 60_000)
        expect(kept).toBe(candidate)
      })
    }
  })
}
