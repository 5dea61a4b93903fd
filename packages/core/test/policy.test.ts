// Core's side of bounded caches: which views it asks the store for, what it
// routes through them, and how their evictions reach events and stats. The
// eviction orders themselves are tested on the real stores (memory, Redis).
import { describe, expect, it } from 'vitest'
import {
  type BoundedStore,
  type BoundOptions,
  createCache,
  type EvictEvent,
  type EvictionPolicy,
  InvalidOptionsError,
  type LocalPolicy,
  type Store,
  type StoreEvictListener,
} from '../src/index.js'
import { testStore } from './support/test-store.js'

const policy = (name: EvictionPolicy['name'] = 'lru', maxSize = 2): EvictionPolicy => ({
  name,
  maxSize,
  shards: 1,
  local: () => ({}) as LocalPolicy,
})

interface View extends BoundedStore {
  readonly options: BoundOptions
  readonly log: string[]
  evict(id: string): void
}

/** A store whose bounded views record what goes through them and can report evictions. */
function boundingStore() {
  const base = testStore()
  const views: View[] = []
  const log: string[] = []
  const store: Store = {
    ...base,
    bounded(options) {
      const listeners: StoreEvictListener[] = []
      const view: View = {
        ...base,
        name: 'test',
        options,
        log,
        policy: options.policy,
        get: (id, record) => {
          log.push(`get ${options.id} ${id}`)
          return base.get(id, record)
        },
        set: (id, write) => {
          log.push(`set ${options.id} ${id}`)
          return base.set(id, write)
        },
        delete: (id) => {
          log.push(`delete ${options.id} ${id}`)
          return base.delete(id)
        },
        invalidate: (tags, version, ttl) => {
          log.push(`invalidate ${tags.join(',')}`)
          return base.invalidate(tags, version, ttl)
        },
        dropIndex: async () => {
          log.push(`dropIndex ${options.id}`)
        },
        close: async () => {
          log.push(`close ${options.id}`)
        },
        onEvict(listener) {
          listeners.push(listener)
          return () => listeners.splice(listeners.indexOf(listener), 1)
        },
        evict: (id) => {
          for (const l of listeners) l(id, 'capacity', options.policy.name)
        },
      }
      views.push(view)
      return view
    },
  }
  return { store, views, log }
}

describe('createCache({ policy })', () => {
  it("bounds the namespace through the store's bounded view, and keeps cache.store the user's store", async () => {
    const { store, views, log } = boundingStore()
    const p = policy('lfu', 5)
    const cache = createCache({ store, namespace: 'app', policy: p })
    expect(cache.store).toBe(store)
    expect(views).toHaveLength(1)
    expect(views[0]?.options).toEqual({ id: 'app:b:', policy: p })
    await cache.set('k', 1)
    expect(await cache.get('k')).toBe(1)
    await cache.delete('k')
    expect(log).toEqual(['set app:b: app:e:k', 'get app:b: app:e:k', 'delete app:b: app:e:k'])
  })

  it('refuses a store that cannot bound a cache, naming the option and what is expected', () => {
    expect(() => createCache({ store: testStore(), policy: policy() })).toThrow(InvalidOptionsError)
    expect(() => createCache({ store: testStore(), policy: policy() })).toThrow(
      /policy: the "test" store cannot bound a cache; expected a store with bounded\(\)/,
    )
  })

  it('refuses what is not a policy', () => {
    const { store } = boundingStore()
    for (const bad of [{}, { name: 'lru', maxSize: 0, shards: 1, local: () => ({}) }, 'lru']) {
      expect(() => createCache({ store, policy: bad as never })).toThrow(
        /policy: expected an eviction policy from @tagcache\/policies/,
      )
    }
  })

  it("reports the view's evictions as `evict` events with the policy's name and counts them", () => {
    const { store, views } = boundingStore()
    const events: EvictEvent[] = []
    const cache = createCache({
      store,
      namespace: 'app',
      policy: policy('fifo'),
      hooks: [{ evict: (e) => events.push(e) }],
    })
    views[0]?.evict('app:e:a')
    views[0]?.evict('other:e:b') // another namespace's id: not ours
    expect(events).toEqual([
      { namespace: 'app', store: 'test', key: 'a', reason: 'capacity', policy: 'fifo' },
    ])
    expect(cache.stats.evictions).toBe(1)
    expect(cache.stats.summary).toContain('evictions=1')
    cache.stats.reset()
    expect(cache.stats.evictions).toBe(0)
  })

  it('counts evictions when no hook watches, and at close stops listening and closes the views, then the store', async () => {
    const { store, views } = boundingStore()
    const cache = createCache({ store, namespace: 'app', policy: policy() })
    views[0]?.evict('app:e:a')
    expect(cache.stats.evictions).toBe(1)
    const f = cache.cached((n: number) => n, { name: 'f', policy: policy() })
    views[1]?.evict('app:e:c')
    expect(cache.stats.evictions).toBe(2)
    let storeClosed = false
    store.close = async () => {
      storeClosed = views.every((v) => v.log.filter((l) => l.startsWith('close')).length === 2)
    }
    await cache.close()
    views[0]?.evict('app:e:b')
    views[1]?.evict('app:e:d')
    expect(cache.stats.evictions).toBe(2)
    // Each view is closed once, before the store.
    expect(views[0]?.log.filter((l) => l.startsWith('close'))).toEqual([
      'close app:b:',
      expect.stringMatching(/^close app:b:f#/),
    ])
    expect(storeClosed).toBe(true)
    expect(typeof f).toBe('function')
  })

  it('invalidateAll drops every bounded index before it replaces the namespace version', async () => {
    const { store, log } = boundingStore()
    const cache = createCache({ store, namespace: 'app', policy: policy() })
    cache.cached((n: number) => n, { name: 'twice', policy: policy('mru') })
    log.length = 0
    await cache.invalidateAll()
    expect(log).toHaveLength(3)
    expect(log[0]).toBe('dropIndex app:b:')
    expect(log[1]).toMatch(/^dropIndex app:b:twice#/)
    expect(log[2]).toBe('invalidate app:n')
  })
})

describe('cached(fn, { policy })', () => {
  it('gets a view of its own, named after the function, and .invalidate deletes through it', async () => {
    const { store, views, log } = boundingStore()
    const cache = createCache({ store, namespace: 'app' })
    const double = cache.cached((n: number) => n * 2, {
      name: 'double',
      key: (n) => `d:${n}`,
      policy: policy('rr', 3),
    })
    expect(views).toHaveLength(1)
    expect(views[0]?.options.id).toMatch(/^app:b:double#[\w-]{8}$/)
    const id = views[0]?.options.id
    expect(await double(2)).toBe(4)
    expect(await double(2)).toBe(4)
    await double.invalidate(2)
    expect(log.filter((l) => !l.startsWith('invalidate'))).toEqual([
      `get ${id} app:e:d:2`,
      `set ${id} app:e:d:2`,
      `get ${id} app:e:d:2`,
      `delete ${id} app:e:d:2`,
    ])
    // The rest of the namespace is not bounded by the function's policy.
    log.length = 0
    await cache.set('other', 1)
    expect(log).toEqual([])
  })

  it("reports the function's evictions and counts them in the cache's stats", () => {
    const { store, views } = boundingStore()
    const events: EvictEvent[] = []
    const cache = createCache({
      store,
      namespace: 'app',
      hooks: [{ evict: (e) => events.push(e) }],
    })
    cache.cached((n: number) => n, { key: (n) => `k${n}`, policy: policy('lfu') })
    views[0]?.evict('app:e:k1')
    expect(events).toEqual([
      { namespace: 'app', store: 'test', key: 'k1', reason: 'capacity', policy: 'lfu' },
    ])
    expect(cache.stats.evictions).toBe(1)
  })

  it('refuses a policy on a store that cannot bound', () => {
    const cache = createCache({ store: testStore() })
    expect(() => cache.cached((n: number) => n, { policy: policy() })).toThrow(
      /\[cached\] invalid options:\n {2}- policy: the "test" store cannot bound a cache/,
    )
  })

  it('a cached function runs against a closed cache like any other operation', async () => {
    const { store } = boundingStore()
    const cache = createCache({ store })
    const f = cache.cached((n: number) => n, { policy: policy() })
    await cache.close()
    await expect(f(1)).rejects.toMatchObject({ code: 'E_CLOSED' })
  })
})

describe('decorator({ policy })', () => {
  it('bounds the decorated method through a view of its own', async () => {
    const { store, views, log } = boundingStore()
    const cache = createCache({ store, namespace: 'app' })
    const decorate = cache.decorator<[string]>({ key: (id) => `u:${id}`, policy: policy('lru', 9) })
    class Repo {
      async find(id: string) {
        return id
      }
    }
    const context = {
      kind: 'method',
      name: 'find',
      static: false,
      private: false,
    } as ClassMethodDecoratorContext<Repo, (this: Repo, id: string) => Promise<string>>
    Repo.prototype.find = decorate(Repo.prototype.find, context)
    expect(views.map((v) => v.options.id)).toEqual(['app:b:method:find'])
    expect(await new Repo().find('1')).toBe('1')
    expect(log).toEqual(['get app:b:method:find app:e:u:1', 'set app:b:method:find app:e:u:1'])
  })
})
