import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  type CachedOptions,
  createCache,
  type Hook,
  InvalidOptionsError,
  type OperationEndEvent,
} from '../src/index.js'
import { deferred, testStore } from './support/test-store.js'

/** A `cached` user loader whose `force` argument bypasses the cache, as in the seed. */
function setup(options: { hooks?: Hook[] } = {}) {
  const store = testStore()
  const cache = createCache({ store, ...options })
  const runs: number[] = []
  let version = 0
  const getUser = cache.cached(
    async (id: number, _force?: boolean) => {
      runs.push(id)
      version++
      return { id, version }
    },
    {
      key: (id) => `user:${id}`,
      tags: (id) => [`user:${id}`, 'users'],
      ttl: '10m',
      bypass: (_id, force) => force,
    },
  )
  return { store, cache, getUser, runs }
}

describe('cached(fn, { bypass })', () => {
  it('runs the function although a valid entry exists, returns and writes its result', async () => {
    const { cache, getUser, runs } = setup()
    expect(await getUser(1)).toEqual({ id: 1, version: 1 })
    expect(await getUser(1)).toEqual({ id: 1, version: 1 })
    expect(runs).toEqual([1])

    expect(await getUser(1, true)).toEqual({ id: 1, version: 2 })
    expect(runs).toEqual([1, 1])
    // The next call without bypass is a hit on what the bypassed call wrote.
    expect(await getUser(1)).toEqual({ id: 1, version: 2 })
    expect(runs).toEqual([1, 1])
    expect(await cache.get('user:1')).toEqual({ id: 1, version: 2 })
  })

  it('writes under the same key, tags and ttl as a miss, and does not read the entry', async () => {
    const { store, getUser } = setup()
    await getUser(1)
    store.calls.length = 0
    await getUser(1, true)
    expect(store.calls.map((c) => c.method)).toEqual(['tagVersions', 'set'])
    const [miss, bypassed] = store.writes
    expect(store.writes).toHaveLength(2)
    expect(bypassed?.key).toBe(miss?.key)
    expect(bypassed?.tags).toEqual(miss?.tags)
    expect(bypassed?.ttl).toBe(600_000)
    expect(miss?.ttl).toBe(600_000)
    expect(bypassed?.captured).toEqual(miss?.captured)
  })

  it('captures tag versions before the function runs: an invalidation meanwhile is not lost', async () => {
    const store = testStore()
    const cache = createCache({ store })
    const release = deferred<void>()
    const started = deferred<void>()
    let version = 0
    const load = cache.cached(
      async (_force: boolean) => {
        version++
        const mine = version
        if (mine === 2) {
          started.resolve()
          await release.promise
        }
        return mine
      },
      { key: () => 'k', tags: ['t'], bypass: (force) => force },
    )
    expect(await load(false)).toBe(1)

    const bypassed = load(true)
    await started.promise
    await cache.invalidate('t')
    release.resolve()
    // The caller gets the value computed before the invalidation...
    expect(await bypassed).toBe(2)
    // ...but the entry it wrote carries the versions from before: a miss.
    expect(await cache.get('k')).toBeUndefined()
    expect(await load(false)).toBe(3)
  })

  it('shares the recomputation with concurrent calls that do not bypass', async () => {
    const store = testStore()
    const cache = createCache({ store })
    const gate = deferred<void>()
    let runs = 0
    const load = cache.cached(
      async (_force: boolean) => {
        runs++
        if (runs > 1) await gate.promise
        return runs
      },
      { key: () => 'k', bypass: (force) => force },
    )
    expect(await load(false)).toBe(1)
    const bypassed = load(true)
    const joined = load(false)
    gate.resolve()
    expect(await Promise.all([bypassed, joined])).toEqual([2, 2])
    expect(runs).toBe(2)
    expect(cache.stats.coalesced).toBe(1)
  })

  it('does not join a computation in flight, and leaves its callers unharmed', async () => {
    const store = testStore()
    const cache = createCache({ store })
    const old = deferred<string>()
    const fresh = deferred<string>()
    let runs = 0
    const load = cache.cached(
      (force: boolean) => {
        runs++
        return force ? fresh.promise : old.promise
      },
      { key: () => 'k', bypass: (force) => force },
    )
    const first = load(false)
    const second = load(false) // joins `first`
    const bypassed = load(true) // starts its own run
    const third = load(false) // joins the bypassed run, the freshest in flight
    // Let every call reach its function before settling any of them.
    await expect.poll(() => runs).toBe(2)
    old.resolve('old')
    fresh.resolve('fresh')
    expect(await Promise.all([first, second, bypassed, third])).toEqual([
      'old',
      'old',
      'fresh',
      'fresh',
    ])
    expect(runs).toBe(2)
    expect(await cache.get('k')).toBe('fresh')
    expect(await load(false)).toBe('fresh')
    expect(runs).toBe(2)
  })

  it('passes the call arguments to the predicate, and a false result caches as usual', async () => {
    const store = testStore()
    const cache = createCache({ store })
    const seen: unknown[][] = []
    let runs = 0
    const load = cache.cached(
      async (a: number, b: string) => {
        runs++
        return `${a}${b}`
      },
      {
        bypass: (...args) => {
          seen.push(args)
          return false
        },
      },
    )
    expect(await load(1, 'x')).toBe('1x')
    expect(await load(1, 'x')).toBe('1x')
    expect(runs).toBe(1)
    expect(seen).toEqual([
      [1, 'x'],
      [1, 'x'],
    ])
  })

  it('rejects the call with the error of a throwing predicate; nothing runs or is written', async () => {
    const store = testStore()
    const cache = createCache({ store })
    const boom = new Error('predicate failed')
    let runs = 0
    const load = cache.cached(
      async (_id: number) => {
        runs++
        return 1
      },
      {
        bypass: () => {
          throw boom
        },
      },
    )
    await expect(load(1)).rejects.toBe(boom)
    expect(runs).toBe(0)
    expect(store.calls).toEqual([])
  })

  it('rejects with a TypeError when the predicate returns something else than a boolean', async () => {
    const store = testStore()
    const cache = createCache({ store })
    let runs = 0
    const load = cache.cached(
      async (_id: number) => {
        runs++
        return 1
      },
      { bypass: (async () => true) as unknown as () => boolean },
    )
    const error = await load(1).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe(
      '[tagcache] [cached] invalid bypass result object; expected a boolean (true: recompute and rewrite)',
    )
    expect(runs).toBe(0)
  })

  it('rejects a bypass that is not a function when the function is created', () => {
    const { cache } = setup()
    const make = () => cache.cached(async () => 1, { bypass: true as never })
    expect(make).toThrow(InvalidOptionsError)
    expect(make).toThrow(
      /\[tagcache\] \[cached\] invalid options:\n {2}- bypass: expected a function/,
    )
    expect(() => cache.decorator({ bypass: 'yes' as never })).toThrow(
      /\[tagcache\] \[decorator\] invalid options:\n {2}- bypass: expected a function/,
    )
  })

  it('reports a bypassed call with outcome ok, neither hit nor miss', async () => {
    const events: OperationEndEvent[] = []
    const { getUser, cache } = setup({ hooks: [{ after: (e) => void events.push(e) }] })
    await getUser(1)
    await getUser(1)
    await getUser(1, true)
    expect(events.map((e) => e.outcome)).toEqual(['miss', 'hit', 'ok'])
    expect(cache.stats.hits).toBe(1)
    expect(cache.stats.misses).toBe(1)
    expect(cache.stats.sets).toBe(2)
  })

  it('types the predicate parameters as the function parameters', () => {
    const { cache } = setup()
    cache.cached(async (id: number, name: string) => `${id}${name}`, {
      bypass: (id, name) => {
        expectTypeOf(id).toEqualTypeOf<number>()
        expectTypeOf(name).toEqualTypeOf<string>()
        return false
      },
    })
    cache.cached(async (id: number) => id, {
      // @ts-expect-error: the predicate takes the function's parameters
      bypass: (id: string) => id === '1',
    })
    // A key function of fewer parameters does not narrow the memoized function's.
    const load = cache.cached(async (id: number, force?: boolean) => (force ? id : 0), {
      key: (id) => `k${id}`,
      bypass: (_id, force) => {
        expectTypeOf(force).toEqualTypeOf<boolean | undefined>()
        return force
      },
    })
    expectTypeOf(load).parameters.toEqualTypeOf<[id: number, force?: boolean]>()
    expectTypeOf<NonNullable<CachedOptions<[number, boolean], number>['bypass']>>().toEqualTypeOf<
      (id: number, force: boolean) => boolean | undefined
    >()
  })

  it('keeps .bypass(...args): calls the function without reading or writing the cache', async () => {
    const { store, getUser, runs } = setup()
    await getUser(1)
    store.calls.length = 0
    expect(await getUser.bypass(1)).toEqual({ id: 1, version: 2 })
    expect(runs).toEqual([1, 1])
    expect(store.calls).toEqual([])
    expect(await getUser(1)).toEqual({ id: 1, version: 1 })
  })
})

describe('decorator({ bypass })', () => {
  // Applied by hand: Vite's transformer does not lower TC39 decorators (the
  // playground tests the @ syntax through tsc).
  it('recomputes and rewrites when the predicate is true for the method arguments', async () => {
    const store = testStore()
    const cache = createCache({ store })
    class Repo {
      runs = 0
      async find(id: string, _fresh?: boolean) {
        this.runs++
        return `${id}#${this.runs}`
      }
    }
    const decorate = cache.decorator<[id: string, fresh?: boolean]>({
      key: (id) => `user:${id}`,
      bypass: (_id, fresh) => fresh,
    })
    const find = decorate(Repo.prototype.find, {
      kind: 'method',
      name: 'find',
    } as ClassMethodDecoratorContext<Repo, Repo['find']>)
    const repo = new Repo()
    expect(await find.call(repo, 'a')).toBe('a#1')
    expect(await find.call(repo, 'a')).toBe('a#1')
    expect(await find.call(repo, 'a', true)).toBe('a#2')
    expect(await find.call(repo, 'a')).toBe('a#2')
    expect(repo.runs).toBe(2)
  })
})
