import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createCache,
  type ErrorEvent,
  FactoryTimeoutError,
  isTagCacheError,
  type SetEvent,
  type WrapFactoryContext,
} from '../src/index.js'
import { deferred, testStore } from './support/test-store.js'

afterEach(() => {
  vi.useRealTimers()
})

/** What a TC39 decorator call site does to `find`, done by hand. */
function applyDecorator<This extends { find(id: string): Promise<number> }>(
  decorate: (
    method: (this: This, id: string) => Promise<number>,
    context: ClassMethodDecoratorContext<This, (this: This, id: string) => Promise<number>>,
  ) => (this: This, id: string) => Promise<number>,
  cls: { prototype: This },
) {
  return decorate(cls.prototype.find, { kind: 'method', name: 'find' } as never)
}

describe('forceFresh', () => {
  it('recomputes and rewrites over a valid entry; without it the entry is served', async () => {
    const store = testStore()
    const cache = createCache({ store })
    let calls = 0
    const load = () => ++calls
    expect(await cache.wrap('k', load, { tags: ['t'] })).toBe(1)
    expect(await cache.wrap('k', load, { tags: ['t'] })).toBe(1)
    const before = store.calls.length
    expect(await cache.wrap('k', load, { tags: ['t'], forceFresh: true })).toBe(2)
    // The forced call read no entry: it captured the versions, then wrote.
    expect(store.calls.slice(before).map((c) => c.method)).toEqual(['tagVersions', 'set'])
    expect(await cache.wrap('k', load, { tags: ['t'] })).toBe(2)
    expect(await cache.get('k')).toBe(2)
    expect(calls).toBe(2)
    expect(store.writes).toHaveLength(2)
    expect(await cache.wrap('k', load, { forceFresh: false })).toBe(2)
  })

  it('captures tag versions before the factory: an invalidation while it runs is not lost', async () => {
    const store = testStore()
    const cache = createCache({ store })
    await cache.wrap('k', () => 'old', { tags: ['t'] })
    const source = deferred<string>()
    let started = false
    const forced = cache.wrap(
      'k',
      () => {
        started = true
        return source.promise
      },
      { tags: ['t'], forceFresh: true },
    )
    await vi.waitFor(() => expect(started).toBe(true))
    await cache.invalidate('t') // lands while the factory runs
    source.resolve('computed before the invalidation')
    expect(await forced).toBe('computed before the invalidation')
    // Written with the versions from before: born stale, never served.
    expect(await cache.get('k')).toBeUndefined()
  })

  it('callers without forceFresh that arrive meanwhile join the forced computation', async () => {
    const cache = createCache({ store: testStore() })
    await cache.set('k', 'old')
    const source = deferred<string>()
    let calls = 0
    const load = () => {
      calls++
      return source.promise
    }
    const forced = cache.wrap('k', load, { forceFresh: true })
    await vi.waitFor(() => expect(calls).toBe(1))
    const joined = cache.wrap('k', () => 'never runs')
    source.resolve('new')
    expect(await Promise.all([forced, joined])).toEqual(['new', 'new'])
    expect(calls).toBe(1)
    expect(cache.stats.coalesced).toBe(1)
    // A forced call does not join one in flight: it starts its own.
    const slow = deferred<string>()
    const first = cache.wrap('j', () => slow.promise)
    const second = cache.wrap('j', () => 'forced', { forceFresh: true })
    expect(await second).toBe('forced')
    slow.resolve('slow')
    expect(await first).toBe('slow')
  })

  it('cached and decorator take it as an option; a non-boolean is refused', async () => {
    const cache = createCache({ store: testStore() })
    let calls = 0
    const fn = cache.cached((id: number) => `${id}:${++calls}`, { forceFresh: true })
    expect(await fn(1)).toBe('1:1')
    expect(await fn(1)).toBe('1:2')
    expect(() => cache.cached(() => 1, { forceFresh: 'yes' as never })).toThrow(
      /forceFresh: expected a boolean/,
    )
    await expect(cache.wrap('k', () => 1, { forceFresh: 1 as never })).rejects.toThrow(
      '[tagcache] [wrap] invalid forceFresh number; expected a boolean',
    )
    class Repo {
      n = 0
      async find(_id: string) {
        return ++this.n
      }
    }
    // Applied by hand: Vite's transformer does not lower TC39 decorators.
    const find = applyDecorator(cache.decorator<[string]>({ forceFresh: true }), Repo)
    const repo = new Repo()
    expect(await find.call(repo, 'a')).toBe(1)
    expect(await find.call(repo, 'a')).toBe(2)
  })
})

describe('hardTimeout', () => {
  it('rejects with E_FACTORY_TIMEOUT once the limit passes, naming the key and the limit', async () => {
    vi.useFakeTimers()
    const store = testStore()
    const cache = createCache({ store })
    const source = deferred<string>()
    const call = cache.wrap('slow', () => source.promise, { hardTimeout: '100ms' })
    const joined = cache.wrap('slow', () => 'never runs')
    const outcome = Promise.allSettled([call, joined])
    await vi.advanceTimersByTimeAsync(99)
    expect(store.writes).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    const [own, other] = await outcome
    expect(own.status).toBe('rejected')
    const error = (own as PromiseRejectedResult).reason
    expect(error).toBeInstanceOf(FactoryTimeoutError)
    expect(isTagCacheError(error, 'E_FACTORY_TIMEOUT')).toBe(true)
    expect(error.message).toBe(
      '[tagcache] [core] factory of key "slow" did not settle within 100 ms; expected it to settle within the call\'s `hardTimeout` (abandoned: its late result is not cached)',
    )
    expect(error.key).toBe('slow')
    expect(error.ms).toBe(100)
    // The caller that joined the computation shares its outcome.
    expect((other as PromiseRejectedResult).reason).toBe(error)
  })

  it('does not write the late result of an abandoned factory', async () => {
    vi.useFakeTimers()
    const store = testStore()
    const cache = createCache({ store })
    const source = deferred<string>()
    let ctx: WrapFactoryContext | undefined
    const call = cache.wrap(
      'k',
      (c) => {
        ctx = c
        return source.promise
      },
      { hardTimeout: 50, ttl: '1h' },
    )
    const settled = expect(call).rejects.toBeInstanceOf(FactoryTimeoutError)
    await vi.advanceTimersByTimeAsync(50)
    await settled
    // The factory finishes later, and would have liked its result cached longer.
    ctx?.setTtl('1d')
    source.resolve('late')
    await vi.runAllTimersAsync()
    expect(store.writes).toHaveLength(0)
    expect(await cache.get('k')).toBeUndefined()
    // The next call computes afresh.
    expect(await cache.wrap('k', () => 'next', { hardTimeout: 50 })).toBe('next')
    expect(await cache.get('k')).toBe('next')
  })

  it('a factory within the limit is cached; its error propagates as is; a late error is dropped', async () => {
    vi.useFakeTimers()
    const cache = createCache({ store: testStore() })
    const fast = cache.wrap('a', async () => 'fast', { hardTimeout: '1s' })
    expect(await fast).toBe('fast')
    expect(await cache.get('a')).toBe('fast')
    const boom = new Error('source down')
    await expect(cache.wrap('b', () => Promise.reject(boom), { hardTimeout: '1s' })).rejects.toBe(
      boom,
    )
    const source = deferred<string>()
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const call = cache.wrap('c', () => source.promise, { hardTimeout: 10 })
      const settled = expect(call).rejects.toBeInstanceOf(FactoryTimeoutError)
      await vi.advanceTimersByTimeAsync(10)
      await settled
      source.reject(new Error('late failure'))
      await vi.runAllTimersAsync()
      vi.useRealTimers()
      await new Promise((resolve) => setImmediate(resolve))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('is validated like a ttl; Infinity means no limit; cached and decorator take it', async () => {
    const cache = createCache({ store: testStore() })
    await expect(cache.wrap('k', () => 1, { hardTimeout: '5x' })).rejects.toThrow(
      /^\[tagcache\] \[wrap\] invalid hardTimeout "5x"/,
    )
    await expect(cache.wrap('k', () => 1, { hardTimeout: -1 })).rejects.toThrow(RangeError)
    await expect(cache.wrap('k', () => 1, { hardTimeout: 0 })).rejects.toThrow(
      '[tagcache] [wrap] hardTimeout 0 would abandon every factory at once; expected a duration > 0, or Infinity for no limit',
    )
    expect(await cache.wrap('k', () => 1, { hardTimeout: Infinity })).toBe(1)
    expect(await cache.wrap('big', () => 2, { hardTimeout: '30d' })).toBe(2)
    expect(() => cache.cached(() => 1, { hardTimeout: '1hfoo' })).toThrow(/hardTimeout/)
    expect(() => cache.decorator({ hardTimeout: 'soon' })).toThrow(/hardTimeout/)

    vi.useFakeTimers()
    const source = deferred<number>()
    const fn = cache.cached((_id: number) => source.promise, { hardTimeout: 20 })
    const call = expect(fn(1)).rejects.toBeInstanceOf(FactoryTimeoutError)
    await vi.advanceTimersByTimeAsync(20)
    await call
    class Repo {
      async find(_id: string): Promise<number> {
        return source.promise
      }
    }
    const find = applyDecorator(cache.decorator<[string]>({ hardTimeout: 20 }), Repo)
    const method = expect(find.call(new Repo(), 'a')).rejects.toBeInstanceOf(FactoryTimeoutError)
    await vi.advanceTimersByTimeAsync(20)
    await method
  })
})

describe('the factory ctx', () => {
  it('factories that ignore it keep working; cached(fn) gets its own arguments, not ctx', async () => {
    const cache = createCache({ store: testStore() })
    expect(await cache.wrap('k', () => 'plain')).toBe('plain')
    const seen: unknown[][] = []
    const fn = cache.cached((...args: unknown[]) => {
      seen.push(args)
      return args.length
    })
    expect(await fn()).toBe(0)
    expect(await fn('a', 2)).toBe(2)
    expect(seen).toEqual([[], ['a', 2]])
    let key: string | undefined
    await cache.wrap('named', (ctx) => {
      key = ctx.key
      return 1
    })
    expect(key).toBe('named')
  })

  it('setTtl overrides the ttl of the write; an invalid ttl rejects the call', async () => {
    const store = testStore()
    const sets: SetEvent[] = []
    const cache = createCache({ store, hooks: [{ set: (e) => void sets.push(e) }] })
    await cache.wrap(
      'k',
      (ctx) => {
        ctx.setTtl('10s')
        return 1
      },
      { ttl: '1h' },
    )
    expect(store.writes.at(-1)?.ttl).toBe(10_000)
    expect(sets.at(-1)?.ttl).toBe(10_000)
    const remaining = await cache.ttl('k')
    expect(remaining).toBeLessThanOrEqual(10_000)
    expect(remaining).toBeGreaterThan(5_000)
    await expect(
      cache.wrap('bad', (ctx) => {
        ctx.setTtl(0)
        return 1
      }),
    ).rejects.toThrow(/^\[tagcache\] \[wrap\] ttl 0 would expire the entry at once/)
    await expect(
      cache.wrap('bad', (ctx) => {
        ctx.setTtl('1hfoo')
        return 1
      }),
    ).rejects.toThrow(/^\[tagcache\] \[wrap\] invalid ttl "1hfoo"/)
    expect(await cache.has('bad')).toBe(false)
  })

  it('skip returns the value without caching it, to every caller of the computation', async () => {
    const store = testStore()
    const cache = createCache({ store })
    const source = deferred<void>()
    const factory = async (ctx: WrapFactoryContext) => {
      await source.promise
      ctx.skip()
      return 'uncached'
    }
    const both = Promise.all([cache.wrap('k', factory), cache.wrap('k', factory)])
    source.resolve()
    expect(await both).toEqual(['uncached', 'uncached'])
    expect(store.writes).toHaveLength(0)
    expect(await cache.has('k')).toBe(false)
    expect(cache.stats.sets).toBe(0)
  })

  it('setTags narrows to declared tags, written with versions captured before the factory (rule 2)', async () => {
    const store = testStore()
    const sets: SetEvent[] = []
    const cache = createCache({ store, hooks: [{ set: (e) => void sets.push(e) }] })
    const source = deferred<{ category: number }>()
    const pending = cache.wrap(
      'product:1',
      async (ctx) => {
        const product = await source.promise
        ctx.setTags([`category:${product.category}`])
        return product
      },
      { tags: ['category:1', 'category:2'] },
    )
    await vi.waitFor(() => expect(store.calls.some((c) => c.method === 'tagVersions')).toBe(true))
    // Invalidated while the factory reads the source: the value it returns is already stale.
    await cache.invalidate('category:2')
    source.resolve({ category: 2 })
    expect(await pending).toEqual({ category: 2 })
    const write = store.writes.at(-1)
    expect(write?.tags).toHaveLength(2) // the namespace tag and category:2 only
    expect(sets.at(-1)?.tags).toEqual(['category:2'])
    // Written with category:2's version from before the invalidation: never served.
    expect(await cache.get('product:1')).toBeUndefined()

    // Without an invalidation the narrowed entry is served, and only its own tag invalidates it.
    await cache.wrap(
      'product:2',
      (ctx) => {
        ctx.setTags(['category:1'])
        return 'p2'
      },
      { tags: ['category:1', 'category:2'] },
    )
    await cache.invalidate('category:2')
    expect(await cache.get('product:2')).toBe('p2')
    await cache.invalidate('category:1')
    expect(await cache.get('product:2')).toBeUndefined()
  })

  it('setTags with a tag not declared up front returns the value uncached and reports E_UNDECLARED_TAG', async () => {
    const store = testStore()
    const errors: ErrorEvent[] = []
    const cache = createCache({ store, hooks: [{ error: (e) => void errors.push(e) }] })
    const value = await cache.wrap(
      'product:1',
      (ctx) => {
        ctx.setTags(['category:1', 'category:9'])
        return 'p1'
      },
      { tags: ['category:1'] },
    )
    expect(value).toBe('p1')
    expect(store.writes).toHaveLength(0)
    expect(await cache.has('product:1')).toBe(false)
    expect(cache.stats.errors).toBe(1)
    expect(errors).toHaveLength(1)
    expect(errors[0]?.failedOperation).toBeUndefined()
    const error = errors[0]?.error
    expect(isTagCacheError(error, 'E_UNDECLARED_TAG')).toBe(true)
    expect((error as Error).message).toContain('ctx.setTags() named "category:9"')
    expect((error as Error).message).toContain('"product:1"')
    // A malformed list rejects the call.
    await expect(
      cache.wrap('x', (ctx) => {
        ctx.setTags('category:1' as never)
        return 1
      }),
    ).rejects.toThrow('[tagcache] [wrap] invalid tags "category:1"; expected an array of strings')
  })

  it('calls after the factory settled have no effect', async () => {
    const store = testStore()
    const cache = createCache({ store })
    let saved: WrapFactoryContext | undefined
    await cache.wrap(
      'k',
      (ctx) => {
        saved = ctx
        return 1
      },
      { ttl: '1h' },
    )
    saved?.skip()
    saved?.setTtl('1s')
    saved?.setTags(['x'])
    expect(await cache.get('k')).toBe(1)
    expect(store.writes).toHaveLength(1)
    expect(store.writes[0]?.ttl).toBe(3_600_000)
  })
})

describe('lock option', () => {
  it('a store without lock/unlock: wrap and cached throw InvalidOptionsError naming lock', async () => {
    const cache = createCache({ store: testStore() })
    await expect(cache.wrap('k', () => 1, { lock: { ttl: '1s' } })).rejects.toThrow(
      /\[wrap\] invalid options:\n {2}- lock: the "test" store cannot lock/,
    )
    expect(() => cache.cached(async () => 1, { lock: { ttl: '1s' } })).toThrow(
      /\[cached\] invalid options:\n {2}- lock: /,
    )
    // Without the option, nothing changes.
    expect(await cache.wrap('k', () => 1)).toBe(1)
  })

  it('refuses malformed lock options, naming each path', async () => {
    const store = testStore()
    // Any lock/unlock pair passes the capability check; options are checked next.
    store.lock = async () => true
    store.unlock = async () => {}
    const cache = createCache({ store })
    const bad: [unknown, RegExp][] = [
      [true, /lock: got boolean; expected an object/],
      [null, /lock: got null/],
      [{ ttl: 0 }, /lock\.ttl: got 0; expected a duration > 0/],
      [{ ttl: 'forever' }, /lock\.ttl: .*expected a finite duration/],
      [{ ttl: -5 }, /lock\.ttl: invalid ttl -5/],
      [{ wait: '1hfoo' }, /lock\.wait: invalid ttl "1hfoo"/],
      [{ ttl: 100, timeout: 5 }, /lock\.timeout: unknown option/],
    ]
    for (const [lock, message] of bad) {
      const attempt = cache.wrap('k', () => 1, { lock: lock as never })
      await expect(attempt).rejects.toThrow(message)
      await expect(attempt).rejects.toMatchObject({ code: 'E_INVALID_OPTIONS' })
    }
  })

  it('inline lock objects (a new one per call) are parsed by value: each value keeps its own ttl, a bad one keeps failing', async () => {
    const store = testStore()
    const ttls: number[] = []
    store.lock = async (_key, _owner, ttl) => {
      ttls.push(ttl)
      return true
    }
    store.unlock = async () => {}
    const cache = createCache({ store })
    let n = 0
    const miss = (lock: unknown) => cache.wrap(`k${n++}`, () => 1, { lock: lock as never })
    for (const lock of [
      { ttl: '1s', wait: '5s' },
      { ttl: '1s', wait: '5s' },
      { ttl: '2s', wait: '5s' },
      { ttl: 1000 },
      { ttl: '1s', wait: '5s' },
      { wait: '5s' },
    ])
      await miss(lock)
    expect(ttls).toEqual([1000, 1000, 2000, 1000, 1000, 10_000])
    for (let i = 0; i < 3; i++) {
      await expect(miss({ ttl: '1hfoo', wait: '5s' })).rejects.toThrow(/lock\.ttl: invalid ttl/)
      await expect(miss({ ttl: '1s', wait: '5s', extra: 1 })).rejects.toThrow(
        /lock\.extra: unknown option/,
      )
    }
  })
})

describe('grace, graceBackoff, timeout, refreshAhead options', () => {
  it('refuses malformed options, naming each path and what was expected', async () => {
    const cache = createCache({ store: testStore() })
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ grace: 0 }, /grace: got 0; expected a duration > 0/],
      [{ grace: 'forever' }, /grace: got "forever"; expected a finite duration/],
      [{ grace: '1hfoo' }, /grace: invalid ttl "1hfoo"/],
      [{ graceBackoff: '1s' }, /graceBackoff: given without grace/],
      [{ timeout: '50ms' }, /timeout: given without grace/],
      [{ grace: '1m', timeout: -1 }, /timeout: invalid ttl -1/],
      [{ refreshAhead: 1 }, /refreshAhead: got 1; expected a share of the ttl between 0 and 1/],
      [{ refreshAhead: '20%' }, /refreshAhead: got "20%"/],
    ]
    for (const [options, message] of bad) {
      await expect(cache.wrap('k', () => 1, options)).rejects.toThrow(message)
      expect(() => cache.cached(async () => 1, options)).toThrow(message)
    }
    // Several issues at once: one error listing each.
    await expect(cache.wrap('k', () => 1, { graceBackoff: 'x', refreshAhead: 2 })).rejects.toThrow(
      /graceBackoff: given without grace[\s\S]*refreshAhead: got 2/,
    )
    expect(await cache.wrap('k', () => 1, { grace: false, refreshAhead: false })).toBe(1)
  })

  it('a graced write lives ttl + grace in the store, and the set event reports the ttl', async () => {
    const store = testStore()
    const sets: SetEvent[] = []
    const cache = createCache({ store, hooks: [{ set: (e) => void sets.push(e) }] })
    await cache.wrap('k', () => 1, { ttl: '1m', grace: '10m' })
    expect(store.writes.at(-1)?.ttl).toBe(11 * 60_000)
    expect(sets.at(-1)?.ttl).toBe(60_000)
    // No grace: the ttl as given.
    await cache.wrap('j', () => 1, { ttl: '1m' })
    expect(store.writes.at(-1)?.ttl).toBe(60_000)
  })

  it('past its ttl a graced value is a miss for get and stale for wrap; a factory error is reported, not thrown', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const cache = createCache({ store: testStore() })
    const errors: ErrorEvent[] = []
    const watched = createCache({
      store: cache.store,
      hooks: [{ error: (e) => void errors.push(e) }],
    })
    await watched.wrap('k', () => 'old', { ttl: '1m', grace: '1h' })
    vi.setSystemTime(Date.now() + 2 * 60_000)
    expect(await watched.get('k')).toBeUndefined()
    const value = await watched.wrap('k', () => Promise.reject(new Error('down')), {
      ttl: '1m',
      grace: '1h',
    })
    expect(value).toBe('old')
    expect(watched.stats.stale).toBe(1)
    expect(errors.map((e) => (e.error as Error).message)).toEqual(['down'])
  })

  it('expireTags on a store without it throws InvalidOptionsError naming the store', async () => {
    const cache = createCache({ store: testStore() })
    await expect(cache.expireTags('t')).rejects.toThrow(
      /\[expireTags\] invalid options:\n {2}- store: the "test" store cannot expire tags softly/,
    )
  })
})

describe('ttl() of a graced entry', () => {
  it('reports what is left of its freshness, not of its life in the store', async () => {
    const cache = createCache({ store: testStore() })
    await cache.wrap('k', () => 1, { ttl: '1m', grace: '1h' })
    const left = (await cache.ttl('k')) as number
    expect(left).toBeGreaterThan(50_000)
    expect(left).toBeLessThanOrEqual(60_000)
  })
})
