import { createCache, createTagVersion } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { entryId, type SuiteContext, syncRead, tagId } from './context.js'

/** The four correctness rules of tag invalidation (see the README), checked against the store. */
export function ruleTests(ctx: SuiteContext): void {
  describe('rule 1: a lost tag version never resurrects an invalidated entry', () => {
    it('invalidate, lose the version, recreate it by a later write: the old entry stays a miss', async () => {
      const c = ctx.cache()
      await c.set('old', 'stale', { tags: ['t'] })
      await c.invalidate('t')
      await ctx.harness.dropTagVersion(`${ctx.namespace}:t:t`)
      await c.set('new', 'fresh', { tags: ['t'] }) // recreates a version for t
      expect(await c.get('old')).toBeUndefined()
      expect(await c.get('new')).toBe('fresh')
    })

    it('a missing tag version reads as unknown (a miss), never as a match', async () => {
      const c = ctx.cache()
      await c.set('k', 'v', { tags: ['t'] })
      await ctx.harness.dropTagVersion(`${ctx.namespace}:t:t`)
      expect(await c.get('k')).toBeUndefined()
      expect(await c.has('k')).toBe(false)
      expect(await c.getMany(['k'])).toEqual([undefined])
    })

    it('losing the namespace version turns every entry of the namespace into a miss', async () => {
      const c = ctx.cache()
      await c.set('a', 1)
      await c.invalidateAll()
      await ctx.harness.dropTagVersion(`${ctx.namespace}:n`)
      await c.set('b', 2)
      expect(await c.get('a')).toBeUndefined()
      expect(await c.get('b')).toBe(2)
    })

    it('a recreated tag version differs from every version the tag had', async () => {
      const tag = `${ctx.namespace}:t:recreated`
      const seen = new Set<string>()
      for (let i = 0; i < 5; i++) {
        const [version] = await ctx.store.tagVersions([tag], createTagVersion(), 60_000)
        expect(version).toBeTypeOf('string')
        expect(seen.has(version as string)).toBe(false)
        seen.add(version as string)
        await ctx.store.invalidate([tag], createTagVersion(), 60_000)
        const [after] = await ctx.store.tagVersions([tag], createTagVersion(), 60_000)
        expect(seen.has(after as string)).toBe(false)
        seen.add(after as string)
        await ctx.harness.dropTagVersion(tag)
      }
    })

    it('tag versions outlive the entries written with them', async () => {
      const c = ctx.cache()
      await c.set('short', 1, { tags: ['t'], ttl: ctx.unit })
      // Far longer than the wait below, which a loaded machine stretches.
      await c.set('long', 2, { tags: ['t'], ttl: ctx.unit * 50 })
      await ctx.advance(ctx.unit * 2)
      expect(await c.get('short')).toBeUndefined()
      // If the tag version had kept the first entry's ttl it would be gone now.
      expect(await c.get('long')).toBe(2)
    })
  })

  describe('rule 2: an invalidation during a computation is never lost', () => {
    it('wrap captures tag versions before the factory runs', async () => {
      const c = ctx.cache()
      const other = ctx.cache() // another process
      const value = await c.wrap(
        'k',
        async () => {
          const v = 'computed from data that is now outdated'
          await other.invalidate('t')
          return v
        },
        { tags: ['t'] },
      )
      expect(value).toBe('computed from data that is now outdated')
      expect(await c.get('k')).toBeUndefined()
      expect(await c.wrap('k', () => 'recomputed', { tags: ['t'] })).toBe('recomputed')
      expect(await c.get('k')).toBe('recomputed')
    })

    it('invalidateAll during a computation is not lost either', async () => {
      const c = ctx.cache()
      await c.wrap('k', async () => {
        await c.invalidateAll()
        return 1
      })
      expect(await c.get('k')).toBeUndefined()
    })

    it('a write with captured versions does not recreate a tag version lost meanwhile', async () => {
      const c = ctx.cache()
      await c.wrap(
        'k',
        async () => {
          await ctx.harness.dropTagVersion(`${ctx.namespace}:t:t`)
          return 'v'
        },
        { tags: ['t'] },
      )
      expect(await c.get('k')).toBeUndefined()
    })

    it('wrapMany captures before the batch runs: setMany stores each entry with its captured versions', async () => {
      const c = ctx.cache()
      const other = ctx.cache() // another process
      const values = await c.wrapMany(
        ['a', 'b', 'c'],
        async (missing) => {
          await other.invalidate('letter-a')
          await ctx.harness.dropTagVersion(tagId(ctx.namespace, 'letter-b'))
          return missing.map((k) => k.toUpperCase())
        },
        { tags: (k) => ['letters', `letter-${k}`] },
      )
      expect(values).toEqual(['A', 'B', 'C'])
      // a: invalidated meanwhile; b: its tag version lost meanwhile, and not recreated.
      expect(await c.getMany(['a', 'b', 'c'])).toEqual([undefined, undefined, 'C'])
      await other.invalidate('letters')
      expect(await c.get('c')).toBeUndefined()
    })
  })

  describe('rule 3: keys and tags are encoded', () => {
    const awkward = [
      '',
      ':',
      '::',
      'a:b',
      '{slot}',
      '{a}:b}',
      'with space',
      ' ',
      '\t\n',
      'ünïcödé ✓ 🐎',
      'e',
      'n',
      't',
      'e:x',
      't:x',
      'n:x',
      '%3A',
      '%u003a',
      '*',
      '\u0000',
      '\ud800', // lone surrogate
      '\udc00x',
      'x'.repeat(10_000),
    ]

    it('every awkward key holds its own value', async () => {
      const c = ctx.cache()
      for (const [i, key] of awkward.entries()) await c.set(key, i)
      for (const [i, key] of awkward.entries()) expect(await c.get(key)).toBe(i)
      expect(await c.getMany(awkward)).toEqual(awkward.map((_, i) => i))
    })

    it('every awkward tag invalidates only its own entries', async () => {
      const c = ctx.cache()
      for (const [i, tag] of awkward.entries()) await c.set(`k${i}`, i, { tags: [tag] })
      for (const [i, tag] of awkward.entries()) {
        await c.invalidate(tag)
        expect(await c.get(`k${i}`)).toBeUndefined()
        const rest = awkward.slice(i + 1).map((_, j) => `k${i + 1 + j}`)
        expect(await c.getMany(rest)).toEqual(rest.map((_, j) => i + 1 + j))
      }
    })

    it('no key, tag or namespace can reach another namespace or an internal key', async () => {
      const a = createCache({ store: ctx.store, namespace: `${ctx.namespace}` })
      const b = createCache({ store: ctx.store, namespace: `${ctx.namespace}:e` })
      const c = createCache({ store: ctx.store, namespace: `${ctx.namespace}:t` })
      await a.set('e:x', 'a')
      await b.set('x', 'b')
      await c.set('x', 'c', { tags: ['x'] })
      expect(await a.get('e:x')).toBe('a')
      expect(await b.get('x')).toBe('b')
      expect(await c.get('x')).toBe('c')
      // A tag named like a key, and a key named like the namespace version.
      await a.set('n', 'key-n', { tags: ['e:x', 'n'] })
      await a.invalidate('x')
      expect(await a.get('e:x')).toBe('a')
      expect(await a.get('n')).toBe('key-n')
      await b.invalidateAll()
      expect(await a.get('e:x')).toBe('a')
      expect(await c.get('x')).toBe('c')
      expect(await b.get('x')).toBeUndefined()
    })

    it('namespaces with awkward characters stay isolated', async () => {
      const names = ['', ' ', `${ctx.namespace}{x}`, `${ctx.namespace}:`, `${ctx.namespace}🐎`]
      const caches = names.map((ns) => createCache({ store: ctx.store, namespace: ns }))
      const key = `${ctx.namespace}-shared-key`
      for (const [i, c] of caches.entries()) await c.set(key, i)
      for (const [i, c] of caches.entries()) expect(await c.get(key)).toBe(i)
      for (const c of caches) await c.delete(key)
    })
  })

  describe('rule 4: expired entries are never returned', () => {
    it('get, has, getMany, ttl and wrap all see an expired entry as missing', async () => {
      const c = ctx.cache()
      // Long enough that the read below still finds it on a loaded machine.
      const ttl = ctx.unit * 5
      await c.set('k', 'v', { ttl })
      await c.set('forever', 'v', { ttl: 'forever' })
      expect(await c.get('k')).toBe('v')
      await ctx.advance(ttl + ctx.unit)
      expect(await c.get('k')).toBeUndefined()
      expect(await c.has('k')).toBe(false)
      expect(await c.getMany(['k', 'forever'])).toEqual([undefined, 'v'])
      // The store itself returns nothing under the key, whichever way it is read.
      const id = entryId(ctx.namespace, 'k')
      expect(await ctx.store.get(id)).toBeUndefined()
      expect(await syncRead(ctx.store, id)).toBeUndefined()
      expect(await ctx.store.getMany([id])).toEqual([undefined])
      expect(await ctx.store.ttl(id)).toBeUndefined()
      expect(await ctx.store.expire(id, 60_000)).toBe(false)
      expect(await c.ttl('k')).toBeUndefined()
      expect(await c.wrap('k', () => 'recomputed')).toBe('recomputed')
    })
  })
}
