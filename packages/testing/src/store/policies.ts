import { createCache, createTagVersion, type EvictEvent, type EvictionPolicy } from '@tagcache/core'
import { fifo, lfu, lru, mru, rr, tlru } from '@tagcache/policies'
import { describe, expect, it } from 'vitest'
import { entryId, type SuiteContext, tagId } from './context.js'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** An access sequence and the keys it must leave, with the policy it is for. */
interface Sequence {
  readonly policy: (o: { maxSize: number }) => EvictionPolicy
  /**
   * Steps separated by `;`: `set k`, `get k` (a hit), `sleep` (a pause, for
   * `tlru`), or `= k1 k2 k3`: the keys the cache must hold at that point, exactly.
   */
  readonly steps: string
}

/** Exact survivors per policy, maxSize 3. */
const SEQUENCES: Record<string, Sequence> = {
  'lru: the least recently used goes; a read or an overwrite is a use': {
    policy: lru,
    steps:
      'set a; set b; set c; get a; set d; = a c d; get c; set e; = c d e; set d; set f; = d e f',
  },
  'mru: the most recently used other than the entry just written goes': {
    policy: mru,
    steps: 'set a; set b; set c; get a; set d; = b c d; get b; set e; = c d e',
  },
  'fifo: first written goes; reads and overwrites keep the order': {
    policy: fifo,
    steps: 'set a; set b; set c; get a; set a; set d; = b c d; get b; set e; = c d e',
  },
  'lfu: the fewest uses goes, the least recently used among equals; never the newcomer': {
    policy: lfu,
    // d: a and c have 1 use, a is the least recent; e: b and c have 2, b is the least recent;
    // f: e has 1 use, never f; g: c and d have 4 uses, f 2: f goes although c is the least recent.
    steps:
      'set a; set b; set c; get b; set d; = b c d; get d; get d; get c; set e; = c d e; ' +
      'get c; get c; get d; set f; = c d f; get f; set g; = c d g',
  },
  'tlru: ordered by the time of the last use': {
    policy: tlru,
    steps:
      'set a; sleep; set b; sleep; set c; sleep; get a; sleep; set d; = a c d; ' +
      'sleep; get c; sleep; set e; = c d e',
  },
}

/** A hook collecting `evict` events. */
function evictions(): { events: EvictEvent[]; hook: { evict(e: EvictEvent): void } } {
  const events: EvictEvent[] = []
  return { events, hook: { evict: (e) => void events.push(e) } }
}

/**
 * Bounded caches (`createCache({ policy })`, `cached(fn, { policy })`) over
 * a store's `bounded()` view: what each policy evicts, exactly.
 */
export function policyTests(ctx: SuiteContext): void {
  /** The id core gives the namespace's bounded view. */
  const namespaceBound = () => `${ctx.namespace}:b:`
  const indexSizes = async (shards = 1) =>
    ctx.harness.boundedIndexSizes?.(namespaceBound(), shards) ?? undefined
  /**
   * The keys among `keys` whose entries the namespace's bounded cache holds,
   * peeked at through another view of the same id: a store's `ttl` is not a
   * read and counts no use (`cache.ttl` reads the entry first: it would).
   */
  const live = async (policy: EvictionPolicy, keys: readonly string[]): Promise<string[]> => {
    const bounded = ctx.store.bounded
    if (bounded === undefined) throw new Error('the store has no bounded(): not for this suite')
    const view = bounded.call(ctx.store, { id: namespaceBound(), policy })
    const ttls = await Promise.all(keys.map((k) => view.ttl(entryId(ctx.namespace, k))))
    return keys.filter((_, i) => ttls[i] !== undefined)
  }

  describe('eviction order, per policy (maxSize 3)', () => {
    for (const [title, { policy, steps }] of Object.entries(SEQUENCES)) {
      it(title, async () => {
        const { events, hook } = evictions()
        const p = policy({ maxSize: 3 })
        const cache = ctx.cache({ policy: p, hooks: [hook] })
        const written = new Set<string>()
        let step = 0
        for (const s of steps.split(';').map((t) => t.trim())) {
          step++
          const [op, ...keys] = s.split(' ') as [string, ...string[]]
          const key = keys[0] as string
          if (op === 'sleep') await sleep(15)
          else if (op === 'set') {
            await cache.set(key, key, { tags: ['all'] })
            written.add(key)
          } else if (op === 'get')
            expect(await cache.get(key), `step ${step}: ${s} must hit`).toBe(key)
          else {
            const held = (await live(p, [...written])).sort()
            expect(held, `after step ${step - 1}`).toEqual(keys.sort())
          }
        }
        const policyName = policy({ maxSize: 1 }).name
        expect(cache.stats.evictions).toBe(written.size - 3)
        expect(events.map((e) => [e.reason, e.policy])).toEqual(
          events.map(() => ['capacity', policyName]),
        )
        const survivors = new Set(await live(p, [...written]))
        expect(events.map((e) => e.key).sort()).toEqual(
          [...written].filter((k) => !survivors.has(k)).sort(),
        )
        const sizes = await indexSizes()
        if (sizes !== undefined) expect(sizes).toEqual([3])
        await cache.close()
      })
    }

    it('rr: a uniformly random entry goes, never the one just written', async () => {
      const { events, hook } = evictions()
      const p = rr({ maxSize: 3 })
      const cache = ctx.cache({ policy: p, hooks: [hook] })
      // Residents in insertion order; count which rank each eviction takes.
      const residents: string[] = []
      const ranks = [0, 0, 0]
      const writes = 240
      for (let i = 0; i < writes; i++) {
        const key = `k${i}`
        const before = events.length
        await cache.set(key, i)
        residents.push(key)
        if (i < 3) {
          expect(events.length).toBe(before)
          continue
        }
        expect(events.length, `write ${i} evicts one`).toBe(before + 1)
        const victim = events[before]?.key as string
        expect(victim, 'never the entry just written').not.toBe(key)
        const rank = residents.indexOf(victim)
        expect(rank).toBeGreaterThanOrEqual(0)
        ranks[rank] = (ranks[rank] as number) + 1
        residents.splice(rank, 1)
      }
      expect(await live(p, residents)).toEqual(residents)
      // Each of 237 evictions picks a rank with p = 1/3: ~79 each, sd ~7.3.
      for (const n of ranks) expect(n, `ranks ${ranks.join(', ')}`).toBeGreaterThan(45)
      await cache.close()
    })
  })

  describe('bounded caches, every operation', () => {
    it('the bound holds after every write; evictions counted', async () => {
      const p = lru({ maxSize: 5 })
      const cache = ctx.cache({ policy: p })
      const keys: string[] = []
      for (let i = 0; i < 25; i++) {
        keys.push(`k${i}`)
        await cache.set(`k${i}`, i, { tags: [`t${i % 3}`] })
        expect((await live(p, keys)).length).toBe(Math.min(5, i + 1))
      }
      expect(cache.stats.evictions).toBe(20)
      expect(await live(p, keys)).toEqual(keys.slice(-5))
      const sizes = await indexSizes()
      if (sizes !== undefined) expect(sizes).toEqual([5])
    })

    it('getMany and wrap hits are uses; setMany, delete and deleteMany keep the index in step', async () => {
      const p = lru({ maxSize: 3 })
      const cache = ctx.cache({ policy: p })
      await cache.setMany(['a', 'b', 'c'].map((key) => ({ key, value: key })))
      expect(await cache.getMany(['a', 'missing'])).toEqual(['a', undefined])
      await cache.set('d', 'd') // b is the least recently used
      expect(await live(p, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd'])
      let runs = 0
      expect(await cache.wrap('c', () => ++runs)).toBe('c') // a hit: c is used
      await cache.set('e', 'e') // a goes
      expect(await live(p, ['a', 'c', 'd', 'e'])).toEqual(['c', 'd', 'e'])
      expect(await cache.wrap('f', () => ++runs)).toBe(1) // a miss: written, d goes
      expect(await live(p, ['c', 'd', 'e', 'f'])).toEqual(['c', 'e', 'f'])
      expect(cache.stats.evictions).toBe(3)
      // Removed entries leave the index: no eviction until it is full again.
      expect(await cache.delete('c')).toBe(true)
      expect(await cache.deleteMany(['e', 'nothing'])).toBe(1)
      await cache.setMany(['g', 'h'].map((key) => ({ key, value: key })))
      expect(cache.stats.evictions).toBe(3)
      expect(await live(p, ['f', 'g', 'h'])).toEqual(['f', 'g', 'h'])
      const sizes = await indexSizes()
      if (sizes !== undefined) expect(sizes).toEqual([3])
      // ttl and expire reach the entries of the view.
      expect(await cache.expire('g', 60_000)).toBe(true)
      expect(await cache.ttl('g')).toBeLessThanOrEqual(60_000)
      expect(await cache.expire('c', 60_000)).toBe(false)
    })

    it('concurrent reads are uses, each counted', async () => {
      for (const [policy, survivor] of [
        [lru, ['a', 'b', 'd']],
        [lfu, ['a', 'b', 'd']],
      ] as const) {
        const p = policy({ maxSize: 3 })
        const cache = ctx.cache({ policy: p, namespace: `${ctx.namespace}-${p.name}` })
        const live = async (keys: string[]) => {
          const view = ctx.store.bounded?.({ id: `${ctx.namespace}-${p.name}:b:`, policy: p })
          const ttls = await Promise.all(
            keys.map((k) => view?.ttl(entryId(`${ctx.namespace}-${p.name}`, k))),
          )
          return keys.filter((_, i) => ttls[i] !== undefined)
        }
        for (const k of ['a', 'b', 'c']) await cache.set(k, k)
        // Issued together; lfu: a and b have 3 uses, c 1.
        expect(
          await Promise.all([cache.get('a'), cache.get('b'), cache.get('a'), cache.get('b')]),
        ).toEqual(['a', 'b', 'a', 'b'])
        await cache.set('d', 'd')
        expect(await live(['a', 'b', 'c', 'd']), p.name).toEqual(survivor)
        await cache.close()
      }
    })

    it('an expired entry leaves the index when read', async () => {
      const p = lru({ maxSize: 3 })
      const cache = ctx.cache({ policy: p })
      await cache.set('short', 1, { ttl: ctx.unit })
      await cache.set('long', 2)
      await ctx.advance(ctx.unit * 2)
      expect(await cache.get('short')).toBeUndefined()
      await cache.set('x', 3)
      await cache.set('y', 4)
      expect(cache.stats.evictions).toBe(0)
      expect(await live(p, ['long', 'x', 'y'])).toEqual(['long', 'x', 'y'])
    })

    it('cached(fn, { policy }) bounds the function apart from the namespace', async () => {
      const cache = ctx.cache()
      let runs = 0
      const square = cache.cached(
        async (n: number) => {
          runs++
          return n * n
        },
        { name: 'square', policy: lru({ maxSize: 2 }) },
      )
      for (let i = 0; i < 5; i++) await cache.set(`plain${i}`, i) // unbounded
      expect(await square(1)).toBe(1)
      expect(await square(2)).toBe(4)
      expect(await square(1)).toBe(1) // a hit, and a use
      expect(runs).toBe(2)
      expect(await square(3)).toBe(9) // 2 goes
      expect(await square(1)).toBe(1)
      expect(runs).toBe(3)
      expect(await square(2)).toBe(4)
      expect(runs).toBe(4)
      expect(cache.stats.evictions).toBe(2)
      expect(await cache.getMany([0, 1, 2, 3, 4].map((i) => `plain${i}`))).toEqual([0, 1, 2, 3, 4])
      await square.invalidate(1)
      expect(await square(1)).toBe(1)
      expect(runs).toBe(5)
    })

    it('shards: each shard holds ceil(maxSize / shards)', async () => {
      const p = lru({ maxSize: 8, shards: 4 })
      const cache = ctx.cache({ policy: p })
      const keys = Array.from({ length: 60 }, (_, i) => `key-${i}`)
      for (const key of keys) await cache.set(key, key)
      const held = await live(p, keys)
      expect(held.length).toBeLessThanOrEqual(8)
      expect(held.length).toBeGreaterThan(0)
      expect(cache.stats.evictions).toBe(60 - held.length)
      const sizes = await indexSizes(4)
      if (sizes !== undefined) {
        expect(sizes.reduce((a, b) => a + b, 0)).toBe(held.length)
        for (const n of sizes) expect(n).toBe(2)
      }
    })
  })

  describe('bounded caches and tags', () => {
    it('an invalidated entry is never served through eviction churn; evictions leave tag versions', async () => {
      const cache = ctx.cache({ policy: lfu({ maxSize: 4 }) })
      const keepTag = tagId(ctx.namespace, 'keep')
      await cache.set('stale', 'old', { tags: ['gone'] })
      await cache.get('stale')
      await cache.get('stale') // 3 uses: lfu keeps it while others churn
      await cache.set('kept', 'v', { tags: ['keep'] })
      const [version] = await ctx.store.tagVersions([keepTag], createTagVersion(), 60_000)
      await cache.invalidate('gone')
      for (let i = 0; i < 20; i++) {
        await cache.set(`churn${i}`, i, { tags: ['keep', `c${i % 2}`] })
        expect(await cache.get('stale'), `after churn ${i}`).toBeUndefined()
      }
      // 'kept' was evicted; its tag version was not.
      expect(await cache.get('kept')).toBeUndefined()
      expect(await ctx.store.tagVersions([keepTag], createTagVersion(), 60_000)).toEqual([version])
      await cache.invalidate('keep')
      expect(await cache.get('churn19')).toBeUndefined()
    })

    it('a read with remembered tag keys agrees after another process rewrites the entry with other tags', async () => {
      const p = lru({ maxSize: 3 })
      const cache = ctx.cache({ policy: p })
      const other = createCache({
        store: ctx.harness.peer?.() ?? ctx.store,
        namespace: ctx.namespace,
        policy: p,
      })
      await cache.set('k', 1, { tags: ['a'] })
      expect(await cache.get('k')).toBe(1)
      await other.set('k', 2, { tags: ['b'] })
      await cache.invalidate('a')
      expect(await cache.get('k')).toBe(2)
      expect(await cache.get('k')).toBe(2)
      await other.invalidate('b')
      expect(await cache.get('k')).toBeUndefined()
      await other.close()
    })

    it('invalidateAll forgets the index: the cache fills again without evicting dead entries', async () => {
      const cache = ctx.cache({ policy: lru({ maxSize: 3 }) })
      for (const k of ['a', 'b', 'c']) await cache.set(k, k)
      await cache.invalidateAll()
      expect(await cache.get('a')).toBeUndefined()
      for (const k of ['d', 'e', 'f']) await cache.set(k, k)
      expect(cache.stats.evictions).toBe(0)
      expect(await cache.getMany(['d', 'e', 'f'])).toEqual(['d', 'e', 'f'])
      const sizes = await indexSizes()
      if (sizes !== undefined) expect(sizes).toEqual([3])
    })
  })
}
