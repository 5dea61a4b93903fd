// Bounded caches (`createCache({ store: nearCache(store), policy })`) over
// the near cache: the shared bounded suite, standalone and cluster, on both
// drivers. Round trips and coherence with other processes' evictions:
// bounded-coherence.test.ts.
import { ioredisStore } from '@tagcache/ioredis'
import { nodeRedisStore } from '@tagcache/node-redis'
import type { RawCommand } from '@tagcache/redis-harness'
import { sharedCluster, sharedRedis } from '@tagcache/redis-harness/vitest'
import { boundedStoreSuite } from '@tagcache/testing'
import { Cluster, Redis } from 'ioredis'
import { createClient, createCluster } from 'redis'
import { afterAll, beforeAll } from 'vitest'
import { type NearCacheOptions, nearCache } from '../src/index.js'
import { syncedKeyHooks, syncedPeer } from './clients.js'

let ioredis: Redis
let nodeRedis: ReturnType<typeof createClient>
let ioredisCluster: Cluster
let nodeRedisCluster: ReturnType<typeof createCluster>

beforeAll(async () => {
  ioredis = new Redis(sharedRedis().url)
  nodeRedis = createClient({ url: sharedRedis().url })
  const nodes = sharedCluster().nodes
  ioredisCluster = new Cluster(nodes.map((n) => ({ host: n.host, port: n.port })))
  nodeRedisCluster = createCluster({ rootNodes: nodes.map((socket) => ({ socket })) })
  await Promise.all([nodeRedis.connect(), nodeRedisCluster.connect(), ioredisCluster.ping()])
})

afterAll(async () => {
  await Promise.allSettled([
    ioredis?.quit(),
    nodeRedis?.close(),
    ioredisCluster?.quit(),
    nodeRedisCluster?.close(),
  ])
})

type Client = 'ioredis' | 'node-redis' | 'ioredis cluster' | 'node-redis cluster'

const stores = {
  ioredis: () => ioredisStore(ioredis),
  'node-redis': () => nodeRedisStore(nodeRedis),
  'ioredis cluster': () => ioredisStore(ioredisCluster),
  'node-redis cluster': () => nodeRedisStore(nodeRedisCluster),
}

const senders: Record<Client, () => RawCommand> = {
  ioredis: () => (args) => ioredis.call(...(args as [string, ...(string | Buffer)[]])),
  'node-redis': () => (args) => nodeRedis.sendCommand(args),
  'ioredis cluster': () => (args) =>
    ioredisCluster.call(...(args as [string, ...(string | Buffer)[]])),
  'node-redis cluster': () => (args) => nodeRedisCluster.sendCommand(args[1], false, args),
}

function suite(name: string, client: Client, options: NearCacheOptions = {}) {
  boundedStoreSuite(name, {
    createStore: async () => {
      const near = nearCache(stores[client](), options)
      await near.ready()
      const hooks = syncedKeyHooks(senders[client](), near)
      return {
        store: near,
        // Another process's store, its changes synced into this near cache.
        peer: () => syncedPeer(stores[client](), () => near),
        ...hooks,
        close: () => near.shutdown(),
      }
    },
  })
}

suite('near over ioredis', 'ioredis')
suite('near over node-redis', 'node-redis')
suite('near over ioredis, tags only', 'ioredis', { values: false })
suite('near over an ioredis cluster', 'ioredis cluster')
suite('near over a node-redis cluster', 'node-redis cluster')
