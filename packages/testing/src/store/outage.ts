import { createTagVersion, isTagCacheError } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { entryId, type Skippable, type SuiteContext, tagId } from './context.js'

/**
 * A store cut off its backend rejects every operation with a `StoreError`,
 * never hangs or makes up a value, and works again once the backend is back.
 */
export function outageTests(ctx: SuiteContext): void {
  describe('backend outage', () => {
    const outageTest = { timeout: 60_000 }
    const beginOutage = async (t: Skippable) => {
      if (ctx.harness.outage === undefined) {
        return t.skip('no outage(): the store has no backend connection to lose')
      }
      ctx.outage = await ctx.harness.outage()
    }
    const endOutage = async () => {
      const ongoing = ctx.outage
      ctx.outage = undefined
      await ongoing?.restore()
    }
    /** What an operation settled with: its error, or `{ resolved: value }`. */
    const settled = (operation: () => Promise<unknown>) =>
      operation().then(
        (value: unknown) => ({ resolved: value }),
        (error: unknown) => error,
      )
    const shown = (outcome: unknown) => {
      if (outcome instanceof Error) return `${outcome.name}: ${outcome.message}`
      const value = (outcome as { resolved?: unknown } | undefined)?.resolved
      return outcome !== null && typeof outcome === 'object' && 'resolved' in outcome
        ? `a value, ${value === undefined ? 'undefined' : JSON.stringify(value)}`
        : `a rejection with ${String(outcome)}`
    }

    it(
      'every store operation rejects with a StoreError, and the store works again once the backend is back',
      outageTest,
      async (t) => {
        const c = ctx.cache()
        await c.set('k', 'before', { tags: ['t'] })
        expect(await c.get('k')).toBe('before') // a store may now remember this entry's tags
        await beginOutage(t)
        const { store, namespace } = ctx
        const [known, unknown] = [entryId(namespace, 'k'), entryId(namespace, 'unknown')]
        const tag = tagId(namespace, 't')
        const write = {
          value: new Uint8Array([1]),
          tags: [tag],
          candidate: createTagVersion(),
          ttl: 60_000,
        }
        const operations: [string, () => Promise<unknown>][] = [
          ['get of a known entry', () => store.get(known)],
          ['get of an unknown entry', () => store.get(unknown)],
          ['getMany', () => store.getMany([known, unknown])],
          ['set', () => store.set(known, write)],
          ['setMany', () => store.setMany([{ key: known, ...write }])],
          ['delete', () => store.delete(known)],
          ['deleteMany', () => store.deleteMany([known, unknown])],
          ['tagVersions', () => store.tagVersions([tag], createTagVersion(), 60_000)],
          ['invalidate', () => store.invalidate([tag], createTagVersion(), 60_000)],
          ['ttl', () => store.ttl(known)],
          ['expire', () => store.expire(known, 60_000)],
        ]
        const getOrCapture = store.getOrCapture?.bind(store)
        if (getOrCapture !== undefined) {
          operations.push([
            'getOrCapture',
            () => getOrCapture(known, [tag], createTagVersion(), 60_000),
          ])
        }
        for (const [name, operation] of operations) {
          // Never a value (a miss, a `false`, a `0` would all be lies) and never a hang.
          const outcome = await settled(operation)
          expect
            .soft(isTagCacheError(outcome, 'E_STORE'), `${name} settled with ${shown(outcome)}`)
            .toBe(true)
        }
        await endOutage()
        expect(await c.get('k')).toBe('before') // nothing reached the backend meanwhile
        await c.invalidate('t')
        expect(await c.get('k')).toBeUndefined()
        await c.set('k', 'after', { tags: ['t'] })
        expect(await c.get('k')).toBe('after')
      },
    )
  })
}
