// @keyv/test-suite, the suite Keyv publishes for third-party stores, over the
// memory store and over real Redis (ioredis).
import { randomUUID } from 'node:crypto'
import {
  keyvApiTests,
  keyvIteratorTests,
  keyvNamespaceTest,
  keyvValueTests,
} from '@keyv/test-suite'
import { type Cache, createCache } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { memoryStore } from '@tagcache/memory'
import { sharedRedis } from '@tagcache/redis-harness/vitest'
import { Redis } from 'ioredis'
import Keyv, { type KeyvStoreAdapter } from 'keyv'
import * as vitest from 'vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyvStore } from '../src/index.js'

// The suite is typed against its own vitest (4); it calls only `it`,
// `beforeEach` and `afterEach`, which vitest 5 keeps.
const test = vitest as unknown as Parameters<typeof keyvApiTests>[0]

/** Every suite the installed @keyv/test-suite offers a storage adapter. */
function keyvSuites(store: () => KeyvStoreAdapter) {
  describe('keyvApiTests', () => keyvApiTests(test, Keyv, store))
  describe('keyvValueTests', () => keyvValueTests(test, Keyv, store))
  describe('keyvNamespaceTests', () => keyvNamespaceTest(test, Keyv, store))
  // keyvIteratorTests cannot pass: Keyv 5 builds `keyv.iterator` only for a Map
  // or for adapters whose `opts.dialect`/`opts.url` names one of its SQL, Mongo
  // or Redis adapters, and a tagcache store cannot list its keys (by design:
  // invalidation is a version bump, nothing is indexed or scanned), so there is
  // no iterator to give. Its four tests call `keyv.iterator()` and fail with
  // "keyv.iterator is not a function" (or "keyv.iterator(...) is not a function
  // or its return value is not async iterable"). The suite itself (default export,
  // `keyvTestSuite`) is api + values + namespace, all run above.
  describe.skip('keyvIteratorTests (no key listing in tagcache; see above)', () =>
    keyvIteratorTests(test, Keyv, store))
}

describe('@keyv/test-suite over the memory store', () => {
  const cache = createCache({ store: memoryStore(), namespace: 'keyv-suite' })
  afterAll(() => cache.close())
  keyvSuites(() => keyvStore(cache))
})

describe('@keyv/test-suite over Redis (ioredis)', () => {
  let redis: Redis
  let cache: Cache
  beforeAll(() => {
    redis = new Redis(sharedRedis().url)
    cache = createCache({ store: ioredisStore(redis), namespace: `keyv-suite-${randomUUID()}` })
  })
  afterAll(async () => {
    await cache.close()
    await redis.quit()
  })
  keyvSuites(() => keyvStore(cache))

  it('really writes to Redis', async () => {
    const keyv = new Keyv({ store: keyvStore(cache) })
    await keyv.set('probe', 'written')
    const keys = await redis.keys(`*${cache.namespace}*`)
    expect(keys.length).toBeGreaterThan(0)
    expect(await new Keyv({ store: keyvStore(cache) }).get('probe')).toBe('written')
  })
})
