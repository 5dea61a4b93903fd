// End to end: every serializer through the memory store (which copies values) and
// both Redis adapters, including a project that switches serializer.
import {
  createCache,
  type ErrorEvent,
  jsonSerializer,
  type Serializer,
  type Store,
} from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { memoryStore } from '@tagcache/memory'
import { nodeRedisStore } from '@tagcache/node-redis'
import { type SharedRedis, sharedRedis } from '@tagcache/redis-harness/vitest'
import { compressed } from '@tagcache/serializer-compress'
import { msgpackSerializer } from '@tagcache/serializer-msgpack'
import { superjsonSerializer } from '@tagcache/serializer-superjson'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let server: SharedRedis
let ioredis: Redis
let nodeRedis: ReturnType<typeof createClient>

beforeAll(async () => {
  server = sharedRedis() // the run's shared server (vitest globalSetup); own namespaces
  ioredis = new Redis(server.url)
  nodeRedis = createClient({ url: server.url })
  await nodeRedis.connect()
})

afterAll(async () => {
  await Promise.allSettled([ioredis?.quit(), nodeRedis?.close()])
})

const plain = { id: 1, name: 'žluť 🐎', tags: ['a', 'b'], nested: { n: 1.5, ok: true, none: null } }
const rich = {
  ...plain,
  at: new Date('2026-01-02T03:04:05.678Z'),
  map: new Map([['k', 1]]),
  set: new Set([1, 2]),
}
const big = {
  rows: Array.from({ length: 2000 }, (_, i) => ({ i, text: `row ${i} lorem ipsum dolor` })),
}

const serializers: [string, () => Serializer, unknown][] = [
  ['json', () => jsonSerializer(), plain],
  ['superjson', () => superjsonSerializer(), { ...rich, big: 10n }],
  // Without records msgpack refuses Maps (a Map and an object are the same on the wire).
  [
    'msgpack',
    () => msgpackSerializer(),
    { ...plain, at: rich.at, set: rich.set, bin: new Uint8Array([0, 255]) },
  ],
  ['msgpack records', () => msgpackSerializer({ records: true }), rich],
  ['gzip(json)', () => compressed(jsonSerializer(), { algorithm: 'gzip', threshold: 64 }), big],
  ['brotli(msgpack)', () => compressed(msgpackSerializer(), { algorithm: 'brotli' }), big],
  ['zstd(json)', () => compressed(jsonSerializer(), { algorithm: 'zstd' }), big],
]

const stores: [string, () => Store][] = [
  ['memory', () => memoryStore()],
  ['ioredis', () => ioredisStore(ioredis)],
  ['node-redis', () => nodeRedisStore(nodeRedis)],
]

describe.each(stores)('serializers end to end on %s', (storeName, makeStore) => {
  it.each(serializers)('%s round-trips and invalidates', async (name, make, value) => {
    const cache = createCache({
      store: makeStore(),
      serializer: make(),
      namespace: `e2e-${storeName}-${name}`,
    })
    await cache.set('k', value, { tags: ['t'] })
    expect(await cache.get('k')).toEqual(value)
    await cache.invalidate('t')
    expect(await cache.get('k')).toBeUndefined()
  })

  it('a project that switches serializer reads old entries as misses, then keeps running', async () => {
    const store = makeStore()
    const namespace = `e2e-switch-${storeName}`
    await createCache({ store, namespace, serializer: jsonSerializer() }).set('k', plain)
    const errors: ErrorEvent[] = []
    const next = createCache({
      store,
      namespace,
      serializer: msgpackSerializer({ records: true }),
      hooks: [{ error: (e) => void errors.push(e) }],
    })
    expect(await next.get('k')).toBeUndefined()
    expect(errors.map((e) => (e.error as { code?: string }).code)).toEqual(['E_DESERIALIZE'])
    expect(await next.wrap('k', () => rich)).toEqual(rich)
    expect(await next.get('k')).toEqual(rich)
  })
})
