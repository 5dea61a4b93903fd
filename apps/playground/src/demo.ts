import { inspect } from 'node:util'
import { type Cache, createCache, type Hook, type Serializer, type Store } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { formatSnapshot, type MetricsSnapshot, metricsCollector } from '@tagcache/observability'
import { lru } from '@tagcache/policies'

export interface DemoOptions {
  /** Where lines go. */
  log: (line: string) => void
  /** The store to run on (default: a fresh memory store). */
  store?: Store
  /** Namespace of the demo's entries (default: 'playground'). */
  namespace?: string
  /** The serializer (default: JSON). */
  serializer?: Serializer
  /** More hooks on the demo's cache, e.g. a Prometheus exporter. */
  hooks?: Hook[]
}

const users: Record<number, { id: number; name: string }> = {
  1: { id: 1, name: 'Ada' },
  2: { id: 2, name: 'Grace' },
}
let dbQueries = 0
async function loadUser(id: number) {
  dbQueries++
  await new Promise((resolve) => setTimeout(resolve, 20))
  return { ...users[id] }
}

/** Runs the demo on a fresh memory-store cache and returns that cache. */
export async function runDemo({
  log,
  store = memoryStore(),
  namespace = 'playground',
  serializer,
  hooks = [],
}: DemoOptions): Promise<Cache> {
  const events: string[] = []
  const recorder: Hook = {
    hit: (e) => void events.push(`hit ${e.key}`),
    miss: (e) => void events.push(`miss ${e.key}`),
    coalesced: (e) => void events.push(`coalesced ${e.key}`),
  }
  const metrics = metricsCollector()
  const cache = createCache({
    store,
    namespace,
    hooks: [recorder, metrics, ...hooks],
    ...(serializer ? { serializer } : {}),
  })
  // A rerun against a shared Redis starts from a clean namespace: O(1), nothing scanned.
  await cache.invalidateAll()
  const show = (label: string, value: unknown) =>
    log(
      `  ${label.padEnd(44)} ${inspect(value, { breakLength: Number.POSITIVE_INFINITY, colors: false })}`,
    )
  const stats = () => log(`  [stats] ${statsLine(metrics.snapshot())}`)

  log(`tagcache playground (store: ${store.name}, serializer: ${serializer?.id ?? 'json'})\n`)

  log('1. set with tags, then read it back')
  await cache.set('user:1', users[1], { tags: ['users', 'user:1'], ttl: '10m' })
  await cache.set('user:2', users[2], { tags: ['users', 'user:2'], ttl: '10m' })
  show("get('user:1')", await cache.get('user:1'))
  const ttl = await cache.ttl('user:1')
  show("ttl('user:1') about 10 minutes", ttl !== undefined && ttl > 599_000 && ttl <= 600_000)

  stats()

  log('\n2. invalidate one tag: O(1), only entries carrying it miss')
  await cache.invalidate('user:1')
  show("get('user:1') after invalidate('user:1')", await cache.get('user:1'))
  show("get('user:2') is untouched", await cache.get('user:2'))

  stats()

  log('\n3. invalidate a shared tag')
  await cache.invalidate('users')
  show("getMany(['user:1', 'user:2'])", await cache.getMany(['user:1', 'user:2']))

  stats()

  log('\n4. wrap (cache-aside): 5 concurrent misses, one database query')
  dbQueries = 0
  const results = await Promise.all(
    Array.from({ length: 5 }, () =>
      cache.wrap('user:1', () => loadUser(1), { tags: ['users', 'user:1'] }),
    ),
  )
  show(
    'results',
    results.map((u) => u.name),
  )
  show('database queries', dbQueries)
  show('wrap again (hit, no query)', (await cache.wrap('user:1', () => loadUser(1))).name)
  show('database queries', dbQueries)

  stats()

  log('\n5. an invalidation during a computation is never lost')
  const stale = await cache.wrap(
    'user:2',
    async () => {
      const user = await loadUser(2)
      users[2] = { id: 2, name: 'Grace Hopper' } // the source changes meanwhile...
      await cache.invalidate('user:2') // ...and says so
      return user
    },
    { tags: ['users', 'user:2'] },
  )
  show('value returned to this caller', stale.name)
  show("get('user:2') afterwards (miss, not stale)", await cache.get('user:2'))
  show('recomputed', (await cache.wrap('user:2', () => loadUser(2), { tags: ['user:2'] })).name)

  stats()

  log('\n6. cached(): memoized function with per-argument tags')
  const getUser = cache.cached(loadUser, {
    key: (id) => `fn:user:${id}`,
    tags: (id) => [`user:${id}`],
    ttl: '1h',
  })
  dbQueries = 0
  await getUser(1)
  await getUser(1)
  show('two calls, database queries', dbQueries)
  await getUser.invalidate(1)
  await getUser(1)
  show('after getUser.invalidate(1), queries', dbQueries)

  stats()

  log('\n7. invalidateAll(): the whole namespace in O(1)')
  await cache.invalidateAll()
  show("has('user:1')", await cache.has('user:1'))

  stats()

  log('\n8. a bounded cache: lru({ maxSize: 3 }) evicts the least recently used')
  const evicted: string[] = []
  const bounded = createCache({
    store,
    namespace: `${namespace}-bounded`,
    policy: lru({ maxSize: 3 }),
    hooks: [{ evict: (e) => void evicted.push(`${e.key} (${e.reason}, ${e.policy})`) }],
  })
  await bounded.invalidateAll()
  for (const key of ['a', 'b', 'c']) await bounded.set(key, key.toUpperCase())
  await bounded.get('a') // a is now the most recently used; b the least
  await bounded.set('d', 'D')
  show('evict events', evicted)
  show("getMany(['a', 'b', 'c', 'd'])", await bounded.getMany(['a', 'b', 'c', 'd']))
  show('stats.evictions', bounded.stats.evictions)

  log(`\nevents seen by a hook: ${events.length} (${events.slice(0, 4).join(', ')}, ...)`)
  log(`stats: ${cache.stats.summary}`)
  return cache
}

/** The counters that move in the demo, and the latency of its reads and computations. */
export function statsLine(s: MetricsSnapshot): string {
  return formatSnapshot(s, { operations: ['get', 'wrap'] })
}

export function ms(value: number): string {
  return `${value < 1 ? value.toPrecision(2) : value.toFixed(1)}ms`
}
