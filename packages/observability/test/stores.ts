import type { Store } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { memoryStore } from '@tagcache/memory'
import { nodeRedisStore } from '@tagcache/node-redis'
import { sharedRedis } from '@tagcache/redis-harness/vitest'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll } from 'vitest'

export interface StoreCase {
  name: string
  /** A fresh store; Redis cases share one server and differ by namespace. */
  create(): Store
}

/**
 * The stores observability is tested on: memory, and both Redis adapters
 * against the redis-server the harness starts once for the package's test run
 * (vitest globalSetup; or REDIS_URL).
 */
export function storeCases(): StoreCase[] {
  let redis: Redis | undefined
  let nodeRedis: ReturnType<typeof createClient> | undefined
  beforeAll(async () => {
    const server = sharedRedis()
    redis = new Redis(server.url)
    nodeRedis = createClient({ url: server.url })
    await nodeRedis.connect()
  })
  afterAll(async () => {
    await redis?.quit()
    await nodeRedis?.close()
  })
  return [
    { name: 'memory', create: () => memoryStore() },
    { name: 'ioredis', create: () => ioredisStore(redis as Redis) },
    {
      name: 'node-redis',
      create: () => nodeRedisStore(nodeRedis as ReturnType<typeof createClient>),
    },
  ]
}

let counter = 0
/** A namespace no other test uses, so tests sharing a Redis server never meet. */
export function uniqueNamespace(): string {
  return `obs-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`
}

/** Wraps a store so that `get` and `set` reject while `failing.on` is true. */
export function flakyStore(inner: Store): { store: Store; failing: { on: boolean } } {
  const failing = { on: false }
  const fail = () => Promise.reject(new Error('store unavailable'))
  const store: Store = {
    name: inner.name,
    get: (key) => (failing.on ? fail() : inner.get(key)),
    getMany: (keys) => inner.getMany(keys),
    set: (key, write) => (failing.on ? fail() : inner.set(key, write)),
    setMany: (writes) => inner.setMany(writes),
    delete: (key) => inner.delete(key),
    deleteMany: (keys) => inner.deleteMany(keys),
    tagVersions: (tags, candidate, ttl) => inner.tagVersions(tags, candidate, ttl),
    invalidate: (tags, version, ttl) => inner.invalidate(tags, version, ttl),
    ttl: (key) => inner.ttl(key),
    expire: (key, ttl) => inner.expire(key, ttl),
  }
  return { store, failing }
}
