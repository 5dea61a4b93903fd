import { tracingChannel } from 'node:diagnostics_channel'
import { describe, expect, it, vi } from 'vitest'
import {
  type Cache,
  type CacheOptions,
  createCache,
  type ErrorEvent,
  HOOK_METHODS,
  type Hook,
  isTagCacheError,
  type OperationEndEvent,
  type OperationStartEvent,
} from '../src/index.js'
import { deferred, type TestStore, testStore } from './support/test-store.js'

/** Records every hook call as `method` plus the event. */
function recorder() {
  const calls: { method: string; event: Record<string, unknown> }[] = []
  const hook: Hook = {}
  for (const method of HOOK_METHODS) {
    ;(hook as Record<string, unknown>)[method] = (event: Record<string, unknown>) => {
      calls.push({ method, event })
    }
  }
  const names = () =>
    calls.map(({ method, event }) =>
      method === 'before' || method === 'after'
        ? `${method}:${String(event.operation)}`
        : method === 'error'
          ? `error:${String(event.operation)}${event.failedOperation ? ':failed' : ''}`
          : method,
    )
  return { hook, calls, names, clear: () => void calls.splice(0) }
}

/** A test store whose `get` and `set` reject with a StoreError (message `store unavailable`). */
function failingStore(): TestStore {
  const store = testStore()
  store.failing.add('get')
  store.failing.add('set')
  return store
}

describe('hook lifecycle', () => {
  const cacheWith = (hooks: Hook[], extra: Partial<CacheOptions> = {}) =>
    createCache({ store: testStore(), namespace: 'lifecycle', hooks, ...extra })

  it('every operation runs before, then after with the same object, duration and outcome', async () => {
    const r = recorder()
    const cache = cacheWith([r.hook])
    const expectOp = async (
      run: () => Promise<unknown>,
      operation: string,
      outcome: string,
      between: string[] = [],
    ) => {
      r.clear()
      await run().catch(() => {})
      expect(r.names()).toEqual([`before:${operation}`, ...between, `after:${operation}`])
      const before = r.calls[0]?.event as unknown as OperationStartEvent
      const after = r.calls.at(-1)?.event as unknown as OperationEndEvent
      expect(after).toBe(before)
      expect(after.outcome).toBe(outcome)
      expect(after.duration).toBeGreaterThanOrEqual(0)
      expect(after.namespace).toBe(cache.namespace)
      expect(after.store).toBe(cache.store.name)
      return after
    }

    const set = await expectOp(() => cache.set('a', 1, { tags: ['t'] }), 'set', 'ok', ['set'])
    expect(set.keys).toEqual(['a'])
    expect(set.tags).toEqual(['t'])
    await expectOp(() => cache.get('a'), 'get', 'hit', ['hit'])
    await expectOp(() => cache.get('nope'), 'get', 'miss', ['miss'])
    await expectOp(() => cache.getOrThrow('nope'), 'getOrThrow', 'miss', ['miss'])
    await expectOp(() => cache.has('a'), 'has', 'hit', ['hit'])
    await expectOp(() => cache.setMany([{ key: 'b', value: 2 }]), 'setMany', 'ok', ['set'])
    const many = await expectOp(() => cache.getMany(['a', 'b', 'c']), 'getMany', 'ok', [
      'hit',
      'hit',
      'miss',
    ])
    expect(many.hits).toBe(2)
    const wrapped = await expectOp(
      () => cache.wrap('w', () => 'v', { tags: ['t'] }),
      'wrap',
      'miss',
      ['miss', 'set'],
    )
    expect(wrapped.tags).toEqual(['t'])
    await expectOp(() => cache.wrap('w', () => 'v'), 'wrap', 'hit', ['hit'])
    const fn = cache.cached((id: number) => id * 2, { key: (id) => `c:${id}` })
    await expectOp(() => fn(1), 'cached', 'miss', ['miss', 'set'])
    await expectOp(() => fn(1), 'cached', 'hit', ['hit'])
    const wm = await expectOp(
      () => cache.wrapMany(['a', 'x'], (missing) => missing.map(() => 9)),
      'wrapMany',
      'ok',
      ['hit', 'miss', 'set'],
    )
    expect(wm.hits).toBe(1)
    await expectOp(() => cache.delete('a'), 'delete', 'ok')
    await expectOp(() => cache.deleteMany(['b', 'x']), 'deleteMany', 'ok')
    const inv = await expectOp(() => cache.invalidate('t', 'u'), 'invalidate', 'ok', ['invalidate'])
    expect(inv.tags).toEqual(['t', 'u'])
    await expectOp(() => cache.get('w'), 'get', 'miss', ['evict', 'miss'])
    await expectOp(() => cache.invalidateAll(), 'invalidateAll', 'ok', ['invalidate'])
    await expectOp(() => cache.ttl('c:1'), 'ttl', 'miss', ['evict', 'miss'])
  })

  it('a failed operation runs before, then error with failedOperation (the same object), never after', async () => {
    const r = recorder()
    const cache = createCache({ store: failingStore(), hooks: [r.hook] })
    await expect(cache.get('k')).rejects.toThrow('store unavailable')
    // One error event: the operation's failure, carrying the store's error.
    expect(r.names()).toEqual(['before:get', 'error:get:failed'])
    const before = r.calls[0]?.event
    const failure = r.calls[1]?.event as unknown as ErrorEvent | undefined
    const failed = failure?.failedOperation
    expect(failed).toBe(before)
    expect(failed?.outcome).toBe('error')
    expect(failed?.duration).toBeGreaterThanOrEqual(0)
    expect(failure?.error).toBeInstanceOf(Error)
    expect(cache.stats.errors).toBe(1)
  })

  it('a key or tags of the wrong type: the TypeError reaches error hooks, whose event has arrays', async () => {
    const r = recorder()
    const cache = cacheWith([r.hook])
    await expect(cache.set(undefined as never, 1)).rejects.toThrow(/\[set\] invalid key undefined/)
    await expect(cache.get(5 as never)).rejects.toThrow(/\[get\] invalid key number/)
    await expect(cache.set('k', 1, { tags: 'a' as never })).rejects.toThrow(/invalid tags "a"/)
    expect(r.names()).toEqual([
      'before:set',
      'error:set:failed',
      'before:get',
      'error:get:failed',
      'before:set',
      'error:set:failed',
    ])
    for (const { event } of r.calls) {
      const e = (event.failedOperation ?? event) as OperationEndEvent
      expect(Array.isArray(e.keys) && Array.isArray(e.tags)).toBe(true)
    }
    expect((r.calls[1]?.event as unknown as ErrorEvent | undefined)?.error).toBeInstanceOf(
      TypeError,
    )
  })

  it("an error the operation survives (onError: 'miss') is an error event without failedOperation, then after", async () => {
    const r = recorder()
    const cache = createCache({ store: failingStore(), hooks: [r.hook], onError: 'miss' })
    expect(await cache.wrap('k', () => 'computed')).toBe('computed')
    // The read failed, so the factory's value is served but not written
    // (its tag versions could not be captured).
    expect(r.names()).toEqual(['before:wrap', 'error:wrap', 'miss', 'after:wrap'])
    expect(r.calls.at(-1)?.event.outcome).toBe('miss')
    expect(cache.stats.errors).toBe(1)
  })

  it('concurrent wraps of one key: one factory run, a coalesced event, and a lifecycle per caller', async () => {
    const r = recorder()
    const cache = cacheWith([r.hook])
    let runs = 0
    const source = deferred<void>()
    const slow = async () => {
      runs++
      await source.promise
      return `v${runs}`
    }
    const pending = Promise.all([cache.wrap('k', slow), cache.wrap('k', slow)])
    await expect.poll(() => runs, { timeout: 10_000 }).toBe(1)
    source.resolve()
    const results = await pending
    expect(results).toEqual(['v1', 'v1'])
    expect(runs).toBe(1)
    const names = r.names()
    expect(names.filter((n) => n === 'coalesced')).toHaveLength(1)
    expect(names.filter((n) => n === 'before:wrap')).toHaveLength(2)
    expect(names.filter((n) => n === 'after:wrap')).toHaveLength(2)
    expect(cache.stats.coalesced).toBe(1)
  })
})

describe('around: hooks that wrap the execution', () => {
  it('nests in hooks order between before and after, and runs the operation once', async () => {
    const seen: string[] = []
    const store = testStore()
    const storeReads = () => store.calls.filter((c) => c.method === 'get').length
    const wrapper = (name: string): Hook => ({
      before: () => void seen.push(`${name}:before`),
      around: async (_event, proceed) => {
        seen.push(`${name}:enter`)
        await proceed()
        await proceed() // a second call returns the same promise: no second run
        seen.push(`${name}:exit`)
      },
      after: (e) => void seen.push(`${name}:after:${e.outcome}`),
    })
    const cache = createCache({ store, hooks: [wrapper('a'), wrapper('b')] })
    await cache.set('k', 1)
    seen.splice(0)
    expect(await cache.get('k')).toBe(1)
    expect(storeReads()).toBe(1)
    expect(seen).toEqual([
      'a:before',
      'b:before',
      'a:enter',
      'b:enter',
      'b:exit',
      'a:exit',
      'a:after:hit',
      'b:after:hit',
    ])
  })

  it('an around that throws, rejects on its own or never proceeds changes no result, and is reported', async () => {
    const script = async (hooks: Hook[]) => {
      const cache = createCache({ store: testStore(), hooks })
      await cache.set('k', { v: 1 }, { tags: ['t'] })
      const out = [await cache.get('k'), await cache.wrap('w', () => 2), await cache.get('none')]
      await cache.invalidate('t')
      out.push(await cache.get('k'), await cache.getOrThrow('k').catch((e: Error) => e.name))
      return out
    }
    const expected = await script([])
    const reports: { method: string; message: string }[] = []
    const reporter: Hook = {
      hookError: (e) =>
        void reports.push({ method: e.method, message: (e.error as Error).message }),
    }
    const bad: Record<string, Hook['around']> = {
      throws: () => {
        throw new Error('around threw')
      },
      rejects: async (_e, proceed) => {
        await proceed()
        throw new Error('around rejected')
      },
      neverProceeds: async () => 'a value of its own',
      returnsEarly: (_e, proceed) => void proceed().catch(() => {}),
    }
    for (const [name, around] of Object.entries(bad)) {
      reports.splice(0)
      expect(await script([{ around }, reporter]), name).toEqual(expected)
      expect(reports, name).toHaveLength(name === 'returnsEarly' ? 0 : 1)
      expect(reports[0]?.method ?? 'around', name).toBe('around')
    }
    expect(expected[0]).toEqual({ v: 1 })
  })

  it('passes a failed operation through: the operation rejects with its own error', async () => {
    const errors: ErrorEvent[] = []
    const cache = createCache({
      store: failingStore(),
      hooks: [{ around: (_e, proceed) => proceed(), error: (e) => void errors.push(e) }],
    })
    await expect(cache.get('k')).rejects.toThrow('store unavailable')
    expect(errors.map((e) => e.failedOperation?.operation)).toEqual(['get'])
  })
})

describe('hooks never break an operation', () => {
  /** The same script of operations; returns every result. */
  async function script(cache: Cache): Promise<unknown[]> {
    const out: unknown[] = []
    await cache.set('a', { n: 1 }, { tags: ['t'] })
    out.push(await cache.get('a'))
    out.push(await cache.get('missing'))
    out.push(await cache.getOrThrow('missing').catch((e: unknown) => (e as Error).name))
    out.push(await cache.has('a'))
    out.push(await cache.getMany(['a', 'missing']))
    await cache.setMany([{ key: 'b', value: [1, 2] }])
    out.push(await cache.wrap('w', () => 'computed', { tags: ['t'] }))
    out.push(await cache.wrapMany(['a', 'z'], (missing) => missing.map((k) => `made:${k}`)))
    out.push(await cache.cached((x: number) => x + 1)(41))
    await cache.invalidate('t')
    out.push(await cache.get('a'))
    out.push(await cache.delete('b'))
    out.push(await cache.deleteMany(['w', 'z']))
    await cache.invalidateAll()
    out.push(await cache.get('z'))
    out.push(await cache.ttl('a'))
    out.push(await cache.set('bad', undefined).catch((e: unknown) => (e as { code?: string }).code))
    const { hits, misses, sets, deletes, invalidations, errors } = cache.stats
    out.push({ hits, misses, sets, deletes, invalidations, errors })
    return out
  }

  const throwingHook = (): Hook => {
    const hook: Hook = {}
    for (const method of HOOK_METHODS) {
      ;(hook as Record<string, unknown>)[method] = () => {
        throw new Error(`hook bug in ${method}`)
      }
    }
    return hook
  }
  const rejectingHook = (): Hook => {
    const hook: Hook = {}
    for (const method of HOOK_METHODS) {
      ;(hook as Record<string, unknown>)[method] = async () => {
        throw new Error(`async hook bug in ${method}`)
      }
    }
    return hook
  }

  it('a hook that throws (or rejects) on every call leaves every result unchanged', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error) => void warnings.push(w.message)
    process.on('warning', onWarning)
    try {
      const plain = await script(createCache({ store: testStore(), namespace: 'x' }))
      const withThrower = await script(
        createCache({ store: testStore(), namespace: 'x', hooks: [throwingHook()] }),
      )
      const withRejecter = await script(
        createCache({ store: testStore(), namespace: 'x', hooks: [rejectingHook()] }),
      )
      expect(withThrower).toEqual(plain)
      expect(withRejecter).toEqual(plain)
      // The script is not trivial: it saw hits, misses and an invalidated entry.
      expect(plain[0]).toEqual({ n: 1 })
      expect(plain.at(-1)).toMatchObject({ hits: expect.any(Number), invalidations: 2 })
      await new Promise((resolve) => setImmediate(resolve))
      // Reported, once per failing hook, not swallowed.
      expect(warnings.filter((w) => w.includes('hook #0 threw'))).toHaveLength(2)
    } finally {
      process.off('warning', onWarning)
    }
  })

  it("a hook's failure goes to the other hooks' hookError once, instead of a process warning", async () => {
    const warn = vi.fn()
    const reports: unknown[] = []
    const cache = createCache({
      store: testStore(),
      hooks: [throwingHook(), { hookError: (e) => void reports.push(e) }],
    })
    process.on('warning', warn)
    try {
      await cache.set('k', 1)
      await cache.get('k')
      await cache.get('k')
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', warn)
    }
    expect(reports).toEqual([
      expect.objectContaining({ hookIndex: 0, method: 'before', error: expect.any(Error) }),
    ])
    expect(warn).not.toHaveBeenCalled()
  })

  it('with no hooks (or hooks without before/after/error), operations are not timed', async () => {
    const clockReads = async (hooks: Hook[]) => {
      const cache = createCache({ store: testStore(), hooks })
      const spy = vi.spyOn(performance, 'now')
      try {
        await cache.set('k', 1)
        await cache.get('k')
        return spy.mock.calls.length
      } finally {
        spy.mockRestore()
      }
    }
    // Core's lifecycle reads the clock twice per observed operation, and only then.
    const none = await clockReads([])
    expect(await clockReads([{}])).toBe(none)
    expect(await clockReads([{ hit() {} }])).toBe(none)
    expect(await clockReads([{ after() {} }])).toBe(none + 4)
  })

  it('errors thrown by the cache itself are unchanged by hooks (typed, same code)', async () => {
    const cache = createCache({ store: testStore(), hooks: [throwingHook()] })
    const error = await cache.set('k', undefined).catch((e: unknown) => e)
    expect(isTagCacheError(error, 'E_INVALID_VALUE')).toBe(true)
  })
})

describe('latency: false (a hook that reads no durations)', () => {
  /** A hook recording every operation's end event, and whether it claims latency. */
  const ends = (latency?: boolean | number) => {
    const events: OperationEndEvent[] = []
    const hook: Hook = {
      ...(latency === undefined ? {} : { latency }),
      after: (event) => void events.push(event),
      error: (event) => void (event.failedOperation && events.push(event.failedOperation)),
    }
    return { hook, events }
  }

  /** performance.now() calls during a set, a get (hit), a get (miss) and a failed get. */
  const clockReads = async (hooks: Hook[], sync: boolean) => {
    const store = testStore({ sync })
    const cache = createCache({ store, hooks })
    const spy = vi.spyOn(performance, 'now')
    try {
      await cache.set('k', 1)
      await cache.get('k')
      await cache.get('nope')
      store.failing.add('get')
      await cache.get('k').catch(() => {})
      return spy.mock.calls.length
    } finally {
      spy.mockRestore()
    }
  }

  it.each([
    ['an async store', false],
    ['a sync store (getSync)', true],
  ])('on %s, operations read no clock and duration is NaN', async (_name, sync) => {
    const none = await clockReads([], sync)
    // The baseline: a hook that needs durations costs two reads per operation.
    expect(await clockReads([ends().hook], sync)).toBe(none + 8)
    const quiet = ends(false)
    expect(await clockReads([quiet.hook], sync)).toBe(none)
    expect(quiet.events.map((e) => e.outcome)).toEqual(['ok', 'hit', 'miss', 'error'])
    for (const event of quiet.events) expect(event.duration).toBeNaN()
  })

  it('a fraction times a random sample of operations; the largest demand of the hooks wins', async () => {
    /** Durations `after` saw for four gets, with Math.random() drawing `draws`. */
    const durations = async (latencies: (boolean | number)[], draws: number[]) => {
      const hooks = latencies.map((latency) => ends(latency))
      const cache = createCache({
        store: testStore({ sync: true }),
        hooks: hooks.map((h) => h.hook),
      })
      await cache.set('k', 1)
      for (const h of hooks) h.events.length = 0
      const random = vi.spyOn(Math, 'random').mockImplementation(() => draws.shift() ?? 0.99)
      try {
        for (let i = 0; i < 4; i++) await cache.get(i % 2 === 0 ? 'k' : 'nope')
        return {
          timed: (hooks[0]?.events ?? []).map((e) => !Number.isNaN(e.duration)),
          draws: random.mock.calls.length,
        }
      } finally {
        random.mockRestore()
      }
    }
    expect(await durations([0.1], [0.05, 0.5, 0.0999, 0.1])).toEqual({
      timed: [true, false, true, false],
      draws: 4,
    })
    // The largest fraction wins, and so does `true` (every operation, no draw).
    expect(await durations([0.1, 0.3], [0.2, 0.5, 0.05, 0.3])).toEqual({
      timed: [true, false, true, false],
      draws: 4,
    })
    expect(await durations([0.1, true], [0.5, 0.5, 0.5, 0.5])).toEqual({
      timed: [true, true, true, true],
      draws: 0,
    })
    // 0 (or less) is `false`: never timed, no draw.
    expect(await durations([0, -1], [0, 0, 0, 0])).toEqual({
      timed: [false, false, false, false],
      draws: 0,
    })
  })

  it('another hook that needs durations gets them, and so does the quiet one', async () => {
    const quiet = ends(false)
    const timed = ends(true)
    const cache = createCache({ store: testStore({ sync: true }), hooks: [quiet.hook, timed.hook] })
    await cache.set('k', 1)
    await cache.get('k')
    expect(timed.events).toEqual(quiet.events)
    for (const event of timed.events) {
      expect(event.duration).toBeGreaterThanOrEqual(0)
      expect(Number.isFinite(event.duration)).toBe(true)
    }
  })

  it('a tagcache:operation subscriber gets durations whatever the hooks declared', async () => {
    const quiet = ends(false)
    const cache = createCache({ store: testStore({ sync: true }), hooks: [quiet.hook] })
    const seen: number[] = []
    const channel = tracingChannel<object, OperationEndEvent & object>('tagcache:operation')
    const handlers = { asyncEnd: (event: OperationEndEvent) => void seen.push(event.duration) }
    channel.subscribe(handlers as never)
    try {
      await cache.set('k', 1)
      await cache.get('k')
    } finally {
      channel.unsubscribe(handlers as never)
    }
    expect(seen).toHaveLength(2)
    for (const duration of seen) expect(duration).toBeGreaterThanOrEqual(0)
    // The hook sees the same events, so the same durations.
    expect(quiet.events.map((e) => e.duration)).toEqual(seen)
  })
})
