import { describe, expect, it } from 'vitest'
import { createCache } from '../src/index.js'
import { deferred, testStore } from './support/test-store.js'

describe('wrap', () => {
  it('runs the factory on a miss only, and caches null but not undefined', async () => {
    const store = testStore()
    const cache = createCache({ store })
    let calls = 0
    const factory = async () => {
      calls++
      return { n: calls }
    }
    expect(await cache.wrap('k', factory)).toEqual({ n: 1 })
    expect(await cache.wrap('k', factory)).toEqual({ n: 1 })
    expect(calls).toBe(1)
    expect(await cache.wrap('null', () => null)).toBeNull()
    expect(await cache.wrap('null', () => 'other')).toBeNull()
    expect(await cache.wrap('undef', () => undefined)).toBeUndefined()
    expect(await cache.has('undef')).toBe(false)
    expect(store.writes).toHaveLength(2)
  })

  it('concurrent misses of one key run the factory once', async () => {
    const cache = createCache({ store: testStore() })
    let calls = 0
    const source = deferred<void>()
    const factory = async () => {
      calls++
      await source.promise
      return calls
    }
    const pending = Promise.all(Array.from({ length: 10 }, () => cache.wrap('k', factory)))
    // The source answers only once the first call reached it: every other
    // call was made before, whatever the machine's speed.
    await expect.poll(() => calls, { timeout: 10_000 }).toBe(1)
    source.resolve()
    expect(await pending).toEqual(Array(10).fill(1))
    expect(calls).toBe(1)
    expect(cache.stats.coalesced).toBe(9)
  })

  it('a failing factory rejects every waiter and caches nothing', async () => {
    const store = testStore()
    const cache = createCache({ store })
    const boom = new Error('source down')
    let calls = 0
    const source = deferred<void>()
    const factory = async () => {
      calls++
      await source.promise
      throw boom
    }
    const pending = Promise.allSettled([cache.wrap('k', factory), cache.wrap('k', factory)])
    await expect.poll(() => calls, { timeout: 10_000 }).toBe(1)
    source.resolve()
    const results = await pending
    expect(results).toEqual([
      { status: 'rejected', reason: boom },
      { status: 'rejected', reason: boom },
    ])
    expect(calls).toBe(1)
    expect(store.writes).toEqual([])
    expect(await cache.wrap('k', () => 'ok')).toBe('ok')
  })
})

describe('wrapMany', () => {
  it('calls the batch factory once with the missing keys only, and takes an array, a Map or a record', async () => {
    const cache = createCache({ store: testStore() })
    await cache.set('a', 'A')
    const batches: string[][] = []
    const values = await cache.wrapMany(
      ['a', 'b', 'c', 'b'],
      (missing) => {
        batches.push(missing)
        return missing.map((k) => k.toUpperCase())
      },
      { tags: (k) => [`letter:${k}`] },
    )
    expect(values).toEqual(['A', 'B', 'C', 'B'])
    expect(batches).toEqual([['b', 'c']])
    expect(await cache.getMany(['b', 'c'])).toEqual(['B', 'C'])
    await cache.invalidate('letter:b')
    const again = await cache.wrapMany(
      ['b', 'c'],
      (missing) => new Map(missing.map((k) => [k, `${k}2`])),
    )
    expect(again).toEqual(['b2', 'C'])
    expect(await cache.wrapMany(['x'], () => ({ x: 'X' }))).toEqual(['X'])
  })
})

describe('cached', () => {
  it('keys on arguments, order-independent for plain objects', async () => {
    const cache = createCache({ store: testStore() })
    let calls = 0
    const search = cache.cached(async (query: { q: string; page: number }) => {
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

  it('accepts key, tags and ttl as functions of the arguments', async () => {
    const store = testStore()
    const cache = createCache({ store })
    const getUser = cache.cached(async (id: number) => ({ id }), {
      key: (id) => `user:${id}`,
      tags: (id) => [`user:${id}`],
      ttl: (id) => (id === 8 ? '1m' : '1h'),
    })
    expect(await getUser(7)).toEqual({ id: 7 })
    expect(await cache.get('user:7')).toEqual({ id: 7 })
    await cache.invalidate('user:7')
    expect(await cache.get('user:7')).toBeUndefined()
    await getUser(7)
    await getUser(8)
    expect(store.writes.map((w) => w.ttl)).toEqual([3_600_000, 3_600_000, 60_000])
    await cache.invalidate('user:8')
    expect(await cache.get('user:8')).toBeUndefined()
    expect(await cache.get('user:7')).toEqual({ id: 7 })
  })

  it('captures tag versions before computing: an invalidation meanwhile is not lost', async () => {
    const cache = createCache({ store: testStore() })
    let calls = 0
    const load = cache.cached(
      async (id: number) => {
        calls++
        if (calls === 1) await cache.invalidate(`user:${id}`)
        return { id, calls }
      },
      { tags: (id) => [`user:${id}`] },
    )
    expect(await load(1)).toEqual({ id: 1, calls: 1 })
    expect(await load(1)).toEqual({ id: 1, calls: 2 })
    expect(await load(1)).toEqual({ id: 1, calls: 2 })
  })
})

describe('decorator', () => {
  it('caches a method per instance class and arguments, under its tags', async () => {
    const cache = createCache({ store: testStore() })
    let calls = 0
    const decorate = cache.decorator<[string]>({ tags: ['users'] })
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
    expect(await repo.find('2')).toBe('user-2')
    expect(calls).toBe(2)
    await cache.invalidate('users')
    expect(await repo.find('1')).toBe('user-1')
    expect(calls).toBe(3)
  })
})
