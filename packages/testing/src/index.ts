import {
  type Cache,
  type CacheOptions,
  createCache,
  createTagVersion,
  type ErrorEvent,
  isTagCacheError,
  type Serializer,
  type Store,
} from '@tagcache/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type ForeignVersion, foreignVersionTests } from './foreign-versions.js'

export type { ForeignVersion } from './foreign-versions.js'

/** What a contract suite needs from the adapter under test, for one test. */
export interface StoreHarness<S extends Store = Store> {
  /** A store for this test. Tests isolate themselves by namespace, so it may be shared. */
  readonly store: S
  /**
   * Makes the backend lose one tag version, as eviction (`allkeys-lru`),
   * expiry or a flush would. `tagId` is the id core gave the store (e.g.
   * `'ns:t:users'`). Redis adapters `DEL` the key; the memory store evicts it.
   */
  dropTagVersion(tagId: string): Promise<void>
  /**
   * Leaves something that is not a version under the key of tag version
   * `tagId`, as a stray write from another program would: `'bytes'` sets it
   * to binary garbage (with a NUL), `'type'` makes it a key of another type
   * (a hash). Omit for stores no other program can write (the memory store):
   * those tests are skipped.
   */
  corruptTagVersion?(tagId: string, kind: ForeignVersion): Promise<void>
  /**
   * Lets `ms` milliseconds pass for the store. Default: a real wait. A store
   * with an injectable clock advances it instead, which makes TTL tests instant.
   */
  advance?(ms: number): Promise<void>
  /**
   * Another store over the same backend, as another process would hold it:
   * what one store remembers locally (tag hints, an L1) must never hide
   * the other's writes and invalidations. Omit for stores with no shared
   * backend (the memory store): those tests are skipped.
   */
  peer?(): S
  /**
   * Cuts {@link StoreHarness.store} off its backend, as a crashed server or a
   * network partition would: open connections fail and new ones are refused,
   * while the backend keeps its data. Resolves once the store's client has
   * noticed (its next commands fail). The store must then reject every
   * operation with a `StoreError` (`E_STORE`), without hanging; after
   * {@link Outage.restore} it must work again. Omit for stores with no backend
   * to lose (the memory store): those tests are skipped.
   */
  outage?(): Promise<Outage>
  /** Called after the test; release what `createStore` created. */
  close?(): Promise<void>
}

/** A backend outage begun by {@link StoreHarness.outage}. */
export interface Outage {
  /**
   * Ends the outage. Resolves once the store can reach its backend again
   * (its client has reconnected). Called by the suite even when a test fails.
   */
  restore(): Promise<void>
}

/** Options of {@link storeContractSuite}. */
export interface StoreContractOptions<S extends Store = Store> {
  /** Creates the harness for one test. Called before every test. */
  createStore: () => StoreHarness<S> | Promise<StoreHarness<S>>
  /**
   * Shortest time to live the suite uses, in ms. Redis expires keys with
   * millisecond precision, but a loaded machine delays reads; raise it if TTL
   * tests flake on slow backends.
   * @default 200
   */
  ttlUnit?: number
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A promise the test settles when it chooses: a data source that answers on cue. */
function gate(): { opened: Promise<void>; open(): void } {
  let open = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}
let suiteCounter = 0

/**
 * The Store contract suite: registers vitest tests that check a {@link Store}
 * through `createCache`, covering every store operation, TTL expiry,
 * binary-safe values and DESIGN.md's four correctness rules. Every adapter runs it.
 *
 * @example
 * ```ts
 * // test/contract.test.ts
 * import { storeContractSuite } from '@tagcache/testing'
 * import { memoryStore } from '@tagcache/memory'
 *
 * storeContractSuite('memory', {
 *   createStore: () => {
 *     const store = memoryStore()
 *     return { store, dropTagVersion: async (tag) => void store.evictTagVersion(tag) }
 *   },
 * })
 * ```
 */
export function storeContractSuite<S extends Store>(
  name: string,
  options: StoreContractOptions<S>,
): void {
  const unit = options.ttlUnit ?? 200

  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness<S>
    let store: S
    let namespace: string
    let outage: Outage | undefined
    const caches: Cache[] = []
    const advance = (ms: number) => (harness.advance ? harness.advance(ms) : sleep(ms))
    const cache = (extra: Partial<CacheOptions> = {}) => {
      const c = createCache({ store, namespace, ...extra })
      caches.push(c)
      return c
    }

    beforeEach(async () => {
      harness = await options.createStore()
      store = harness.store
      namespace = `contract-${process.pid}-${++suiteCounter}-${Math.random().toString(36).slice(2, 8)}`
    })

    afterEach(async () => {
      caches.length = 0
      const ongoing = outage
      outage = undefined
      await ongoing?.restore()
      await harness.close?.()
    })

    describe('basic operations', () => {
      it('round-trips values of every JSON type, and null is a cached value', async () => {
        const c = cache()
        const values: [string, unknown][] = [
          ['string', 'hello'],
          ['empty-string', ''],
          ['number', 42.5],
          ['zero', 0],
          ['false', false],
          ['null', null],
          ['array', [1, 'two', { three: 3 }]],
          ['object', { a: 1, nested: { b: [true, null] }, unicode: 'žluťoučký 🐎' }],
        ]
        for (const [key, value] of values) await c.set(key, value)
        for (const [key, value] of values) expect(await c.get(key)).toEqual(value)
        expect(await c.has('null')).toBe(true)
      })

      it('returns undefined for a missing key and getOrThrow throws CacheMiss', async () => {
        const c = cache()
        expect(await c.get('nope')).toBeUndefined()
        expect(await c.has('nope')).toBe(false)
        const error = await c.getOrThrow('nope').catch((e: unknown) => e)
        expect(isTagCacheError(error, 'E_CACHE_MISS')).toBe(true)
        expect((error as Error).message).toContain('"nope"')
      })

      it('rejects undefined as a value and writes nothing', async () => {
        const c = cache()
        const error = await c.set('k', undefined).catch((e: unknown) => e)
        expect(isTagCacheError(error, 'E_INVALID_VALUE')).toBe(true)
        expect(await c.has('k')).toBe(false)
      })

      it('overwrites an entry, replacing its tags', async () => {
        const c = cache()
        await c.set('k', 1, { tags: ['a'] })
        await c.set('k', 2, { tags: ['b'] })
        await c.invalidate('a')
        expect(await c.get('k')).toBe(2)
        await c.invalidate('b')
        expect(await c.get('k')).toBeUndefined()
      })

      it('delete removes an entry and reports whether it existed', async () => {
        const c = cache()
        await c.set('k', 'v')
        expect(await c.delete('k')).toBe(true)
        expect(await c.get('k')).toBeUndefined()
        expect(await c.delete('k')).toBe(false)
      })

      it('getMany, setMany and deleteMany align with their keys', async () => {
        const c = cache()
        await c.setMany([
          { key: 'a', value: 1, tags: ['odd'] },
          { key: 'b', value: 2, tags: ['even'] },
          { key: 'c', value: 3, tags: ['odd'] },
        ])
        expect(await c.getMany(['a', 'missing', 'b', 'c'])).toEqual([1, undefined, 2, 3])
        await c.invalidate('odd')
        expect(await c.getMany(['a', 'b', 'c'])).toEqual([undefined, 2, undefined])
        expect(await c.getMany([])).toEqual([])
        expect(await c.deleteMany(['b', 'missing'])).toBe(1)
        expect(await c.getMany(['b'])).toEqual([undefined])
      })

      it('bind() operates on one key', async () => {
        const c = cache()
        const bound = c.bind<number>('counter')
        expect(await bound.get()).toBeUndefined()
        await bound.set(1, { tags: ['t'] })
        expect(await bound.get()).toBe(1)
        expect(await bound.has()).toBe(true)
        expect(await bound.wrap(() => 2)).toBe(1)
        expect(await bound.delete()).toBe(true)
        expect(await bound.wrap(() => 3)).toBe(3)
        expect(await bound.getOrThrow()).toBe(3)
      })

      it('stores payloads byte for byte, including bytes that are not UTF-8', async () => {
        const all = new Uint8Array(256).map((_, i) => i)
        const invalidUtf8 = Uint8Array.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x82])
        const big = new Uint8Array(1 << 20).map((_, i) => (i * 31 + 7) & 0xff)
        const payloads = [all, invalidUtf8, new Uint8Array(0), big]
        for (const [i, value] of payloads.entries()) {
          const key = `${namespace}:e:bin${i}`
          const copy = value.slice()
          await store.set(key, {
            value: copy,
            tags: [`${namespace}:n`],
            candidate: createTagVersion(),
            ttl: 60_000,
          })
          copy.fill(0) // the store must not keep a reference to the caller's buffer
          const read = await store.get(key)
          expect(read).toBeDefined()
          expect(Buffer.from(read!.value).equals(Buffer.from(value))).toBe(true)
        }
      })
    })

    describe('tag invalidation', () => {
      it('invalidate(tag) turns every entry carrying it into a miss, and only those', async () => {
        const c = cache()
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
        const c = cache()
        await c.set('a', 1, { tags: ['x'] })
        await c.set('b', 2, { tags: ['y'] })
        await c.set('c', 3, { tags: ['z'] })
        await c.invalidate('x', 'y', 'never-used')
        expect(await c.getMany(['a', 'b', 'c'])).toEqual([undefined, undefined, 3])
      })

      it('an entry written after an invalidation is a hit', async () => {
        const c = cache()
        await c.set('k', 'old', { tags: ['t'] })
        await c.invalidate('t')
        await c.set('k', 'new', { tags: ['t'] })
        expect(await c.get('k')).toBe('new')
      })

      it('invalidateAll() clears the namespace, tagged or not, and no other namespace', async () => {
        const c = cache()
        const other = createCache({ store, namespace: `${namespace}-other` })
        await c.set('a', 1, { tags: ['t'] })
        await c.set('b', 2)
        await other.set('a', 'other')
        await c.invalidateAll()
        expect(await c.getMany(['a', 'b'])).toEqual([undefined, undefined])
        expect(await other.get('a')).toBe('other')
        await c.set('a', 3)
        expect(await c.get('a')).toBe(3)
      })

      it('invalidation is shared by every cache instance on the store (other processes)', async () => {
        const a = cache()
        const b = cache()
        await a.set('k', 'v', { tags: ['shared'] })
        expect(await b.get('k')).toBe('v')
        await b.invalidate('shared')
        expect(await a.get('k')).toBeUndefined()
      })
    })

    describe('another process on the same backend', () => {
      const pair = (ctx: { skip(note?: string): never }) => {
        const peer = harness.peer?.()
        if (peer === undefined) return ctx.skip('no peer: the store has no shared backend')
        const other = createCache({ store: peer, namespace })
        caches.push(other)
        return { reader: cache(), writer: other }
      }

      it('an entry it rewrites with other tags is checked against its new tags', async (ctx) => {
        const { reader, writer } = pair(ctx)
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

      it('its invalidations, deletes and invalidateAll are seen at once', async (ctx) => {
        const { reader, writer } = pair(ctx)
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

      it('a lost tag version is a miss for both', async (ctx) => {
        const { reader, writer } = pair(ctx)
        await writer.set('k', 'v', { tags: ['t'] })
        expect(await reader.get('k')).toBe('v')
        await harness.dropTagVersion(`${namespace}:t:t`)
        expect(await reader.get('k')).toBeUndefined()
        expect(await writer.get('k')).toBeUndefined()
      })
    })

    describe('rule 1: a lost tag version never resurrects an invalidated entry', () => {
      it('invalidate, lose the version, recreate it by a later write: the old entry stays a miss', async () => {
        const c = cache()
        await c.set('old', 'stale', { tags: ['t'] })
        await c.invalidate('t')
        await harness.dropTagVersion(`${namespace}:t:t`)
        await c.set('new', 'fresh', { tags: ['t'] }) // recreates a version for t
        expect(await c.get('old')).toBeUndefined()
        expect(await c.get('new')).toBe('fresh')
      })

      it('a missing tag version reads as unknown (a miss), never as a match', async () => {
        const c = cache()
        await c.set('k', 'v', { tags: ['t'] })
        await harness.dropTagVersion(`${namespace}:t:t`)
        expect(await c.get('k')).toBeUndefined()
        expect(await c.has('k')).toBe(false)
        expect(await c.getMany(['k'])).toEqual([undefined])
      })

      it('losing the namespace version turns every entry of the namespace into a miss', async () => {
        const c = cache()
        await c.set('a', 1)
        await c.invalidateAll()
        await harness.dropTagVersion(`${namespace}:n`)
        await c.set('b', 2)
        expect(await c.get('a')).toBeUndefined()
        expect(await c.get('b')).toBe(2)
      })

      it('a recreated tag version differs from every version the tag had', async () => {
        const tag = `${namespace}:t:recreated`
        const seen = new Set<string>()
        for (let i = 0; i < 5; i++) {
          const [version] = await store.tagVersions([tag], createTagVersion(), 60_000)
          expect(version).toBeTypeOf('string')
          expect(seen.has(version as string)).toBe(false)
          seen.add(version as string)
          await store.invalidate([tag], createTagVersion(), 60_000)
          const [after] = await store.tagVersions([tag], createTagVersion(), 60_000)
          expect(seen.has(after as string)).toBe(false)
          seen.add(after as string)
          await harness.dropTagVersion(tag)
        }
      })

      it('tag versions outlive the entries written with them', async () => {
        const c = cache()
        await c.set('short', 1, { tags: ['t'], ttl: unit })
        // Far longer than the wait below, which a loaded machine stretches.
        await c.set('long', 2, { tags: ['t'], ttl: unit * 50 })
        await advance(unit * 2)
        expect(await c.get('short')).toBeUndefined()
        // If the tag version had kept the first entry's ttl it would be gone now.
        expect(await c.get('long')).toBe(2)
      })
    })

    foreignVersionTests({
      store: () => store,
      namespace: () => namespace,
      cache: () => cache(),
      get corrupt() {
        return harness?.corruptTagVersion?.bind(harness)
      },
    })

    describe('rule 2: an invalidation during a computation is never lost', () => {
      it('wrap captures tag versions before the factory runs', async () => {
        const c = cache()
        const other = cache() // another process
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
        const c = cache()
        await c.wrap('k', async () => {
          await c.invalidateAll()
          return 1
        })
        expect(await c.get('k')).toBeUndefined()
      })

      it('a write with captured versions does not recreate a tag version lost meanwhile', async () => {
        const c = cache()
        await c.wrap(
          'k',
          async () => {
            await harness.dropTagVersion(`${namespace}:t:t`)
            return 'v'
          },
          { tags: ['t'] },
        )
        expect(await c.get('k')).toBeUndefined()
      })

      it('getOrCapture, where implemented: captures only what it would not serve', async (ctx) => {
        const getOrCapture = store.getOrCapture?.bind(store)
        if (getOrCapture === undefined) ctx.skip()
        if (getOrCapture === undefined) return
        const c = cache()
        const id = `${namespace}:e:k`
        const tags = [`${namespace}:n`, `${namespace}:t:a`, `${namespace}:t:b`]
        // Absent: no entry, and the tags' current versions, created from the candidate.
        const candidate = createTagVersion()
        const absent = await getOrCapture(id, tags, candidate, 60_000)
        expect(absent.entry).toBeUndefined()
        expect(absent.captured).toHaveLength(3)
        expect(absent.captured).toContain(candidate)
        expect(await store.tagVersions(tags, createTagVersion(), 60_000)).toEqual(absent.captured)
        // Servable: the entry, and nothing captured.
        await c.set('k', 'v', { tags: ['a', 'b'] })
        const hit = await getOrCapture(id, tags, createTagVersion(), 60_000)
        expect(hit.entry).toBeDefined()
        expect(hit.captured).toBeUndefined()
        // Invalidated: an entry that is not servable, if any, and the new versions.
        await c.invalidate('b')
        const stale = await getOrCapture(id, tags, createTagVersion(), 60_000)
        expect(stale.captured).toEqual(await store.tagVersions(tags, createTagVersion(), 60_000))
        expect(stale.captured?.[2]).not.toBe(absent.captured?.[2])
        expect(await c.get('k')).toBeUndefined()
      })

      it('cached() functions capture before computing too', async () => {
        const c = cache()
        let calls = 0
        const load = c.cached(
          async (id: number) => {
            calls++
            if (calls === 1) await c.invalidate(`user:${id}`)
            return { id, calls }
          },
          { tags: (id) => [`user:${id}`] },
        )
        expect(await load(1)).toEqual({ id: 1, calls: 1 })
        expect(await load(1)).toEqual({ id: 1, calls: 2 })
        expect(await load(1)).toEqual({ id: 1, calls: 2 })
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
        const c = cache()
        for (const [i, key] of awkward.entries()) await c.set(key, i)
        for (const [i, key] of awkward.entries()) expect(await c.get(key)).toBe(i)
        expect(await c.getMany(awkward)).toEqual(awkward.map((_, i) => i))
      })

      it('every awkward tag invalidates only its own entries', async () => {
        const c = cache()
        for (const [i, tag] of awkward.entries()) await c.set(`k${i}`, i, { tags: [tag] })
        for (const [i, tag] of awkward.entries()) {
          await c.invalidate(tag)
          expect(await c.get(`k${i}`)).toBeUndefined()
          const rest = awkward.slice(i + 1).map((_, j) => `k${i + 1 + j}`)
          expect(await c.getMany(rest)).toEqual(rest.map((_, j) => i + 1 + j))
        }
      })

      it('no key, tag or namespace can reach another namespace or an internal key', async () => {
        const a = createCache({ store, namespace: `${namespace}` })
        const b = createCache({ store, namespace: `${namespace}:e` })
        const c = createCache({ store, namespace: `${namespace}:t` })
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
        const names = ['', ' ', `${namespace}{x}`, `${namespace}:`, `${namespace}🐎`]
        const caches = names.map((ns) => createCache({ store, namespace: ns }))
        const key = `${namespace}-shared-key`
        for (const [i, c] of caches.entries()) await c.set(key, i)
        for (const [i, c] of caches.entries()) expect(await c.get(key)).toBe(i)
        for (const c of caches) await c.delete(key)
      })
    })

    describe('rule 4: expired entries are never returned', () => {
      it('get, has, getMany, ttl and wrap all see an expired entry as missing', async () => {
        const c = cache()
        // Long enough that the read below still finds it on a loaded machine.
        const ttl = unit * 5
        await c.set('k', 'v', { ttl })
        await c.set('forever', 'v', { ttl: 'forever' })
        expect(await c.get('k')).toBe('v')
        await advance(ttl + unit)
        expect(await c.get('k')).toBeUndefined()
        expect(await c.has('k')).toBe(false)
        expect(await c.getMany(['k', 'forever'])).toEqual([undefined, 'v'])
        expect(await c.ttl('k')).toBeUndefined()
        expect(await c.wrap('k', () => 'recomputed')).toBe('recomputed')
      })

      it('expire() and persist() change the time to live of a valid entry', async () => {
        const c = cache()
        await c.set('k', 'v', { ttl: '1h' })
        const ttl = await c.ttl('k')
        expect(ttl).toBeGreaterThan(3_500_000)
        expect(ttl).toBeLessThanOrEqual(3_600_000)
        // Long enough that persist() below still finds it on a loaded machine.
        expect(await c.expire('k', unit * 5)).toBe(true)
        expect(await c.ttl('k')).toBeLessThanOrEqual(unit * 5)
        expect(await c.persist('k')).toBe(true)
        expect(await c.ttl('k')).toBe(Number.POSITIVE_INFINITY)
        await advance(unit * 6)
        expect(await c.get('k')).toBe('v')
        expect(await c.expire('k', unit)).toBe(true)
        await advance(unit * 2)
        expect(await c.get('k')).toBeUndefined()
        expect(await c.expire('k', '1h')).toBe(false)
        expect(await c.persist('missing')).toBe(false)
      })

      it('ttl() of an invalidated entry is undefined', async () => {
        const c = cache()
        await c.set('k', 'v', { tags: ['t'] })
        await c.invalidate('t')
        expect(await c.ttl('k')).toBeUndefined()
        expect(await c.expire('k', '1h')).toBe(false)
      })

      it('defaultTtl applies to writes without ttl', async () => {
        const c = cache({ defaultTtl: unit })
        await c.set('k', 'v')
        await advance(unit * 2)
        expect(await c.get('k')).toBeUndefined()
      })
    })

    describe('cache-aside', () => {
      it('wrap runs the factory on a miss only, and caches null but not undefined', async () => {
        const c = cache()
        let calls = 0
        const factory = async () => {
          calls++
          return { n: calls }
        }
        expect(await c.wrap('k', factory)).toEqual({ n: 1 })
        expect(await c.wrap('k', factory)).toEqual({ n: 1 })
        expect(calls).toBe(1)
        expect(await c.wrap('null', () => null)).toBeNull()
        expect(await c.wrap('null', () => 'other')).toBeNull()
        expect(await c.wrap('undef', () => undefined)).toBeUndefined()
        expect(await c.has('undef')).toBe(false)
      })

      it('concurrent misses of one key run the factory once', async () => {
        const c = cache()
        let calls = 0
        const source = gate()
        const factory = async () => {
          calls++
          await source.opened
          return calls
        }
        const pending = Promise.all(Array.from({ length: 10 }, () => c.wrap('k', factory)))
        // The source answers only once the first call reached it: every other
        // call was made before, whatever the machine's speed.
        await vi.waitFor(() => expect(calls).toBeGreaterThan(0), { timeout: 10_000 })
        source.open()
        const results = await pending
        expect(results).toEqual(Array(10).fill(1))
        expect(calls).toBe(1)
        expect(c.stats.coalesced).toBe(9)
      })

      it('a failing factory rejects every waiter and caches nothing', async () => {
        const c = cache()
        const boom = new Error('source down')
        let calls = 0
        const source = gate()
        const factory = async () => {
          calls++
          await source.opened
          throw boom
        }
        const pending = Promise.allSettled([c.wrap('k', factory), c.wrap('k', factory)])
        await vi.waitFor(() => expect(calls).toBeGreaterThan(0), { timeout: 10_000 })
        source.open()
        const results = await pending
        expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
        expect(calls).toBe(1)
        expect(await c.has('k')).toBe(false)
        expect(await c.wrap('k', () => 'ok')).toBe('ok')
      })

      it('wrapMany calls the batch factory once with the missing keys only', async () => {
        const c = cache()
        await c.set('a', 'A')
        const batches: string[][] = []
        const values = await c.wrapMany(
          ['a', 'b', 'c', 'b'],
          (missing) => {
            batches.push(missing)
            return missing.map((k) => k.toUpperCase())
          },
          { tags: (k) => [`letter:${k}`] },
        )
        expect(values).toEqual(['A', 'B', 'C', 'B'])
        expect(batches).toEqual([['b', 'c']])
        expect(await c.getMany(['b', 'c'])).toEqual(['B', 'C'])
        await c.invalidate('letter:b')
        const again = await c.wrapMany(
          ['b', 'c'],
          (missing) => new Map(missing.map((k) => [k, `${k}2`])),
        )
        expect(again).toEqual(['b2', 'C'])
        const record = await c.wrapMany(['x'], () => ({ x: 'X' }))
        expect(record).toEqual(['X'])
      })

      it('cached() keys on arguments, order-independent for plain objects', async () => {
        const c = cache()
        let calls = 0
        const search = c.cached(async (query: { q: string; page: number }) => {
          calls++
          return `${query.q}#${query.page}`
        })
        expect(await search({ q: 'x', page: 1 })).toBe('x#1')
        expect(await search({ page: 1, q: 'x' })).toBe('x#1')
        expect(calls).toBe(1)
        expect(search.key({ q: 'x', page: 1 })).toBe(search.key({ page: 1, q: 'x' }))
        expect(search.key({ q: 'x', page: 1 })).not.toBe(search.key({ q: 'x', page: 2 }))
        expect(await search.bypass({ q: 'x', page: 1 })).toBe('x#1')
        expect(calls).toBe(2)
        expect(await search.invalidate({ page: 1, q: 'x' })).toBe(true)
        await search({ q: 'x', page: 1 })
        expect(calls).toBe(3)
      })

      it('cached() accepts key, tags and ttl as functions of the arguments', async () => {
        const c = cache()
        const getUser = c.cached(async (id: number) => ({ id }), {
          key: (id) => `user:${id}`,
          tags: (id) => [`user:${id}`],
          ttl: (id) => (id === 8 ? unit : '1h'),
        })
        expect(await getUser(7)).toEqual({ id: 7 })
        expect(await c.get('user:7')).toEqual({ id: 7 })
        await c.invalidate('user:7')
        expect(await c.get('user:7')).toBeUndefined()
        await getUser(7)
        await getUser(8)
        await advance(unit * 2)
        expect(await c.get('user:8')).toBeUndefined()
        expect(await c.get('user:7')).toEqual({ id: 7 })
      })

      it('decorator() caches a method per instance class and arguments', async () => {
        const c = cache()
        let calls = 0
        const decorate = c.decorator<[string]>({ tags: ['users'] })
        class Repo {
          prefix = 'user-'
          async find(id: string) {
            calls++
            return this.prefix + id
          }
        }
        // What a TC39 decorator call site does: replace the method with the result.
        const context = {
          kind: 'method',
          name: 'find',
          static: false,
          private: false,
        } as ClassMethodDecoratorContext<Repo, (this: Repo, id: string) => Promise<string>>
        Repo.prototype.find = decorate(Repo.prototype.find, context)
        const repo = new Repo()
        expect(await repo.find('1')).toBe('user-1')
        expect(await repo.find('1')).toBe('user-1')
        expect(calls).toBe(1)
        await c.invalidate('users')
        expect(await repo.find('1')).toBe('user-1')
        expect(calls).toBe(2)
      })
    })

    describe('schema-checked reads', () => {
      // A hand-written Standard Schema: { name: string } -> { name, upper } (a transform).
      const userSchema = (mode: 'sync' | 'async' = 'sync') => ({
        '~standard': {
          version: 1 as const,
          vendor: 'contract-suite',
          validate: (value: unknown) => {
            const ok =
              typeof value === 'object' &&
              value !== null &&
              typeof (value as { name?: unknown }).name === 'string'
            const result = ok
              ? {
                  value: {
                    ...(value as { name: string }),
                    upper: (value as { name: string }).name.toUpperCase(),
                  },
                }
              : { issues: [{ message: 'expected a string', path: ['name'] }] }
            return mode === 'async' ? Promise.resolve(result) : result
          },
        },
      })

      it('returns the schema output for a matching value, sync or async', async () => {
        const c = cache()
        await c.set('u', { name: 'ada' })
        expect(await c.get('u', { schema: userSchema() })).toEqual({ name: 'ada', upper: 'ADA' })
        expect(await c.get('u', { schema: userSchema('async') })).toEqual({
          name: 'ada',
          upper: 'ADA',
        })
        expect(await c.getOrThrow('u', { schema: userSchema() })).toEqual({
          name: 'ada',
          upper: 'ADA',
        })
      })

      it('a value that no longer matches is a miss plus an E_SCHEMA error event, and is removed', async () => {
        const errors: ErrorEvent[] = []
        const c = cache({ hooks: [{ error: (e) => void errors.push(e) }] })
        await c.set('u', { name: 42 }) // written by an older deploy
        expect(await c.get('u', { schema: userSchema('async') })).toBeUndefined()
        expect(errors.map((e) => (e.error as { code?: string }).code)).toEqual(['E_SCHEMA'])
        expect(String((errors[0]?.error as Error | undefined)?.message)).toContain(
          'name: expected a string',
        )
        // Removal is fire-and-forget: wait for it, as long as a loaded machine needs.
        await vi.waitFor(async () => expect(await c.has('u')).toBe(false), { timeout: 10_000 })
        expect(await c.getMany(['u'], { schema: userSchema() })).toEqual([undefined])
      })

      it('wrap and cached recompute a value that no longer matches', async () => {
        const c = cache()
        await c.set('u', { name: 42 })
        let calls = 0
        const load = async () => {
          calls++
          return { name: 'grace', upper: 'GRACE' }
        }
        expect(await c.wrap('u', load, { schema: userSchema() })).toEqual({
          name: 'grace',
          upper: 'GRACE',
        })
        expect(await c.wrap('u', load, { schema: userSchema() })).toEqual({
          name: 'grace',
          upper: 'GRACE',
        })
        expect(calls).toBe(1)
        const byId = c.cached(async (id: number) => ({ name: `user${id}`, upper: `USER${id}` }), {
          key: (id) => `cached:${id}`,
          schema: userSchema(),
        })
        await c.set('cached:1', { name: null })
        expect(await byId(1)).toEqual({ name: 'user1', upper: 'USER1' })
        expect(await c.get('cached:1')).toEqual({ name: 'user1', upper: 'USER1' })
      })
    })

    describe('backend outage', () => {
      const outageTest = { timeout: 60_000 }
      const beginOutage = async (ctx: { skip(note?: string): never }) => {
        if (harness.outage === undefined) {
          return ctx.skip('no outage(): the store has no backend connection to lose')
        }
        outage = await harness.outage()
      }
      const endOutage = async () => {
        const ongoing = outage
        outage = undefined
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
        async (ctx) => {
          const c = cache()
          await c.set('k', 'before', { tags: ['t'] })
          expect(await c.get('k')).toBe('before') // a store may now remember this entry's tags
          await beginOutage(ctx)
          const tag = `${namespace}:t:t`
          const write = {
            value: new Uint8Array([1]),
            tags: [tag],
            candidate: createTagVersion(),
            ttl: 60_000,
          }
          const operations: [string, () => Promise<unknown>][] = [
            ['get of a known entry', () => store.get(`${namespace}:e:k`)],
            ['get of an unknown entry', () => store.get(`${namespace}:e:unknown`)],
            ['getMany', () => store.getMany([`${namespace}:e:k`, `${namespace}:e:unknown`])],
            ['set', () => store.set(`${namespace}:e:k`, write)],
            ['setMany', () => store.setMany([{ key: `${namespace}:e:k`, ...write }])],
            ['delete', () => store.delete(`${namespace}:e:k`)],
            ['deleteMany', () => store.deleteMany([`${namespace}:e:k`, `${namespace}:e:unknown`])],
            ['tagVersions', () => store.tagVersions([tag], createTagVersion(), 60_000)],
            ['invalidate', () => store.invalidate([tag], createTagVersion(), 60_000)],
            ['ttl', () => store.ttl(`${namespace}:e:k`)],
            ['expire', () => store.expire(`${namespace}:e:k`, 60_000)],
          ]
          const getOrCapture = store.getOrCapture?.bind(store)
          if (getOrCapture !== undefined) {
            operations.push([
              'getOrCapture',
              () => getOrCapture(`${namespace}:e:k`, [tag], createTagVersion(), 60_000),
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

      it(
        "onError: 'miss' reads misses and runs the factory while the backend is down; 'throw' and invalidations surface the StoreError",
        outageTest,
        async (ctx) => {
          const errors: ErrorEvent[] = []
          const lenient = cache({ onError: 'miss', hooks: [{ error: (e) => void errors.push(e) }] })
          const strict = cache()
          await strict.set('k', 'cached', { tags: ['t'] })
          await beginOutage(ctx)
          expect(await lenient.get('k')).toBeUndefined()
          expect(await lenient.has('k')).toBe(false)
          expect(await lenient.getMany(['k', 'other'])).toEqual([undefined, undefined])
          let calls = 0
          const load = () => {
            calls++
            return 'from source'
          }
          expect(await lenient.wrap('k', load, { tags: ['t'] })).toBe('from source')
          expect(await lenient.cached(load, { key: () => 'fn' })()).toBe('from source')
          expect(calls).toBe(2)
          await expect(lenient.set('k', 'lost')).resolves.toBeUndefined()
          expect(lenient.stats.errors).toBeGreaterThanOrEqual(6)
          expect(errors.length).toBeGreaterThanOrEqual(6)
          for (const event of errors) expect(isTagCacheError(event.error, 'E_STORE')).toBe(true)
          const strictRead = await settled(() => strict.get('k'))
          expect(isTagCacheError(strictRead, 'E_STORE'), shown(strictRead)).toBe(true)
          // A lost invalidation would serve stale data: it surfaces even under 'miss'.
          const invalidation = await settled(() => lenient.invalidate('t'))
          expect(isTagCacheError(invalidation, 'E_STORE'), shown(invalidation)).toBe(true)
          await endOutage()
          // The write during the outage was lost, the entry from before is intact.
          expect(await lenient.get('k')).toBe('cached')
          expect(await strict.get('k')).toBe('cached')
          await lenient.invalidate('t')
          expect(await lenient.wrap('k', load, { tags: ['t'] })).toBe('from source')
          expect(calls).toBe(3)
          expect(await strict.get('k')).toBe('from source')
        },
      )
    })

    describe('serializers, hooks and failures', () => {
      const otherSerializer: Serializer = {
        id: 'other-format',
        encode: (value) => `OTHER:${JSON.stringify(value)}`,
        decode: (bytes) => JSON.parse(Buffer.from(bytes).toString('utf8').slice(6)),
      }

      // Stores with liveValues keep values unserialized: serializers do not apply.
      const bytesOnly = () => store.capabilities?.liveValues === true

      it("reading another serializer's payload is a miss plus an error event, never a throw", async (ctx) => {
        if (bytesOnly()) ctx.skip()
        const errors: ErrorEvent[] = []
        const writer = cache({ serializer: otherSerializer })
        const reader = cache({ hooks: [{ error: (e) => void errors.push(e) }] })
        await writer.set('k', { a: 1 })
        expect(await reader.get('k')).toBeUndefined()
        expect(errors).toHaveLength(1)
        expect(isTagCacheError(errors[0]?.error, 'E_DESERIALIZE')).toBe(true)
        expect(String((errors[0]?.error as Error | undefined)?.message)).toContain('other-format')
        expect(await reader.wrap('k', () => 'mine')).toBe('mine')
        expect(await reader.get('k')).toBe('mine')
      })

      it('a corrupted payload is a miss plus an error event', async () => {
        const errors: ErrorEvent[] = []
        const c = cache({ hooks: [{ error: (e) => void errors.push(e) }] })
        await c.set('k', 'v')
        const read = await store.get(`${namespace}:e:k`)
        const corrupted = read!.value.slice(0, read!.value.length - 1)
        await store.set(`${namespace}:e:k`, {
          value: corrupted,
          tags: [...read!.tags],
          captured: [...read!.versions],
          candidate: createTagVersion(),
          ttl: 60_000,
        })
        expect(await c.get('k')).toBeUndefined()
        expect(errors.map((e) => (e.error as { code?: string }).code)).toEqual(['E_DESERIALIZE'])
        await store.set(`${namespace}:e:k`, {
          value: new Uint8Array([1, 2, 3]),
          tags: [...read!.tags],
          captured: [...read!.versions],
          candidate: createTagVersion(),
          ttl: 60_000,
        })
        expect(await c.get('k')).toBeUndefined()
        expect(errors).toHaveLength(2)
      })

      it('an unserializable value fails at set with a typed error naming the key; nothing is written', async (ctx) => {
        if (bytesOnly()) ctx.skip()
        const c = cache()
        const cyclic: Record<string, unknown> = {}
        cyclic.self = cyclic
        for (const value of [cyclic, { n: 10n }, () => 1]) {
          const error = await c.set('bad', value).catch((e: unknown) => e)
          expect(isTagCacheError(error, 'E_SERIALIZE')).toBe(true)
          expect((error as Error).message).toContain('"bad"')
        }
        expect(await c.has('bad')).toBe(false)
      })

      it('hooks see events, and a hook that throws never changes a result', async () => {
        const seen: string[] = []
        const thrower = new Proxy(
          {},
          {
            get: () => () => {
              throw new Error('hook bug')
            },
          },
        )
        const c = cache({
          hooks: [
            thrower,
            {
              hit: (e) => void seen.push(`hit:${e.key}`),
              miss: (e) => void seen.push(`miss:${e.key}`),
              set: (e) => void seen.push(`set:${e.key}`),
              invalidate: (e) => void seen.push(`invalidate:${e.tags.join()}`),
            },
          ],
        })
        await c.set('k', 1, { tags: ['t'] })
        expect(await c.get('k')).toBe(1)
        await c.invalidate('t')
        expect(await c.get('k')).toBeUndefined()
        expect(await c.wrap('k', () => 2, { tags: ['t'] })).toBe(2)
        expect(seen).toEqual(['set:k', 'hit:k', 'invalidate:t', 'miss:k', 'miss:k', 'set:k'])
      })

      it('stats count hits, misses, sets and invalidations', async () => {
        const c = cache()
        await c.set('a', 1)
        await c.get('a')
        await c.get('b')
        await c.invalidate('x')
        expect(c.stats).toMatchObject({ hits: 1, misses: 1, sets: 1, invalidations: 1 })
        expect(c.stats.hitRatio).toBe(0.5)
        expect(c.stats.summary).toContain('hits=1')
        c.stats.reset()
        expect(c.stats.hits).toBe(0)
      })
    })
  })
}

export {
  type FidelityCase,
  type SerializerContractOptions,
  serializerContractSuite,
} from './serializer-suite.js'
