// `--near`: the web view's store wrapped in a near cache, with its stats on the page and the
// latency of each store `get` split by where it was answered (the local copy or Redis).
import { READ_ASYNC, type Store } from '@tagcache/core'
import { type NearCache, type NearCacheOptions, nearCache } from '@tagcache/near'
import type { LatencyView, LayerState } from './api.ts'
import type { StoreLayer } from './stores.ts'

/** Most recent reads kept per kind for the percentiles. */
const WINDOW = 2000

/** The last {@link WINDOW} durations of one kind of read, in ms. */
class Samples {
  readonly #values = new Float64Array(WINDOW)
  #count = 0

  add(ms: number): void {
    this.#values[this.#count % WINDOW] = ms
    this.#count++
  }

  clear(): void {
    this.#count = 0
  }

  view(): LatencyView {
    const n = Math.min(this.#count, WINDOW)
    if (n === 0) return { count: 0, p50: 0, p99: 0 }
    const sorted = this.#values.slice(0, n).sort()
    const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))] ?? 0
    return { count: this.#count, p50: at(0.5), p99: at(0.99) }
  }
}

const counted = ['hits', 'misses', 'invalidations', 'dirty', 'flushes', 'evictions'] as const

/**
 * The near cache as a web view layer: `wrap` puts `nearCache(store, options)` around the Redis
 * store; `state` reports its stats (counters since the last reset, what it holds now, whether it
 * is healthy) and the latencies of store `get`s, split into near hits (answered locally, no
 * round trip) and Redis reads. Only `get` is timed; `getMany` and `wrap`'s reads are counted in
 * the stats but not in the split.
 */
export function nearLayer(options: NearCacheOptions = {}): StoreLayer {
  let near: NearCache | undefined
  const local = new Samples()
  const remote = new Samples()
  let base: Record<(typeof counted)[number], number> | undefined
  return {
    name: 'near',
    detail: 'local copy kept coherent by Redis CLIENT TRACKING',
    wrap(store: Store): Store {
      near = nearCache(store, options)
      return timedGets(near, near, local, remote)
    },
    state(): LayerState {
      if (near === undefined) return { counters: {}, latency: {} }
      const stats = near.stats
      const counters: LayerState['counters'] = {}
      for (const name of counted) counters[name] = stats[name] - (base?.[name] ?? 0)
      counters.entries = stats.entries
      counters.tagVersions = stats.tagVersions
      counters.healthy = near.healthy
      return { counters, latency: { 'get: near hit': local.view(), 'get: Redis': remote.view() } }
    },
    reset(): void {
      if (near === undefined) return
      const stats = near.stats
      base = { ...stats }
      local.clear()
      remote.clear()
    },
  }
}

/**
 * `near` with its `get` timed: a local hit counts `hits` before `get` returns (its promise is
 * already resolved), so a read that moved the counter synchronously was answered locally, even
 * with other reads in flight. The bounded view `createCache({ policy })` asks of it is timed the
 * same way (its hits count in `near.stats`). Everything else passes through to `near` itself.
 */
function timedGets<S extends Store>(near: NearCache, store: S, local: Samples, remote: Samples): S {
  const get: Store['get'] = (key, record) => {
    const hits = near.stats.hits
    const started = performance.now()
    const pending = store.get(key, record)
    const returned = performance.now()
    if (near.stats.hits !== hits) {
      local.add(returned - started)
      return pending
    }
    return pending.then((entry) => {
      remote.add(performance.now() - started)
      return entry
    })
  }
  // Core answers a local hit through getSync (one promise per read); a read it
  // defers (READ_ASYNC) comes back through `get` above.
  const getSync: NonNullable<Store['getSync']> = (key, record, now) => {
    const started = performance.now()
    const entry = (store.getSync as NonNullable<Store['getSync']>)(key, record, now)
    if (entry !== READ_ASYNC) local.add(performance.now() - started)
    return entry
  }
  const bounded: NonNullable<Store['bounded']> = (options) =>
    timedGets(near, (store.bounded as NonNullable<Store['bounded']>)(options), local, remote)
  const bound = new Map<PropertyKey, unknown>()
  return new Proxy(store, {
    get(target, property) {
      if (property === 'get') return get
      if (property === 'getSync' && typeof target.getSync === 'function') return getSync
      if (property === 'bounded' && typeof target.bounded === 'function') return bounded
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      // The near cache's methods use private fields: they run on the near cache itself.
      let method = bound.get(property)
      if (method === undefined) {
        method = value.bind(target)
        bound.set(property, method)
      }
      return method
    },
  })
}
