// Bounded caches (`createCache({ policy })`) over node-redis, standalone and
// cluster: the shared bounded suite. Round trips, processes writing at once
// and the cluster layout: bounded-redis.test.ts (both drivers).
import { rawKeyHooks } from '@tagcache/redis-harness'
import { sharedCluster, sharedRedis } from '@tagcache/redis-harness/vitest'
import { boundedStoreSuite } from '@tagcache/testing'
import { createClient, createCluster } from 'redis'
import { afterAll, beforeAll } from 'vitest'
import { type NodeRedisStoreOptions, nodeRedisStore } from '../src/index.js'

let client: ReturnType<typeof createClient>
let cluster: ReturnType<typeof createCluster>

beforeAll(async () => {
  client = createClient({ url: sharedRedis().url })
  cluster = createCluster({ rootNodes: sharedCluster().nodes.map((socket) => ({ socket })) })
  await Promise.all([client.connect(), cluster.connect()])
})

afterAll(async () => {
  await Promise.allSettled([client?.close(), cluster?.close()])
})

function suite(name: string, clustered: boolean, options: NodeRedisStoreOptions = {}) {
  boundedStoreSuite(name, {
    createStore: () => ({
      store: nodeRedisStore(clustered ? cluster : client, options),
      ...rawKeyHooks((args) =>
        clustered ? cluster.sendCommand(args[1], false, args) : client.sendCommand(args),
      ),
    }),
  })
}

suite('node-redis', false)
suite('node-redis, declaredKeysOnly', false, { declaredKeysOnly: true })
suite('node-redis cluster', true)
