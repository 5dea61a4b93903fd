// Bounded caches (`createCache({ policy })`) over ioredis, standalone and
// cluster: the shared bounded suite. Round trips, processes writing at once
// and the cluster layout are checked for both drivers in
// packages/node-redis/test/bounded-redis.test.ts.
import { rawKeyHooks } from '@tagcache/redis-harness'
import { sharedCluster, sharedRedis } from '@tagcache/redis-harness/vitest'
import { boundedStoreSuite } from '@tagcache/testing'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { type IoredisStoreOptions, ioredisStore } from '../src/index.js'

let redis: Redis
let cluster: Cluster

beforeAll(async () => {
  redis = new Redis(sharedRedis().url)
  cluster = new Cluster(sharedCluster().nodes.map((n) => ({ host: n.host, port: n.port })))
  await cluster.ping()
})

afterAll(async () => {
  await Promise.allSettled([redis?.quit(), cluster?.quit()])
})

function suite(name: string, client: () => Redis | Cluster, options: IoredisStoreOptions = {}) {
  boundedStoreSuite(name, {
    createStore: () => {
      const c = client()
      return {
        store: ioredisStore(c, options),
        ...rawKeyHooks((args) => c.call(...(args as [string, ...(string | Buffer)[]]))),
      }
    },
  })
}

suite('ioredis', () => redis)
suite('ioredis, declaredKeysOnly', () => redis, { declaredKeysOnly: true })
suite('ioredis cluster', () => cluster)
