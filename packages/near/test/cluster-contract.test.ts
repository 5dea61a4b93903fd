import { ioredisStore } from '@tagcache/ioredis'
import { nodeRedisStore } from '@tagcache/node-redis'
import { type ClusterProxies, outage, proxiesForCluster } from '@tagcache/redis-harness'
import { sharedCluster } from '@tagcache/redis-harness/vitest'
import { storeContractSuite } from '@tagcache/testing'
import { Cluster } from 'ioredis'
import { createCluster } from 'redis'
import { afterAll, beforeAll } from 'vitest'
import { type NearCache, type NearCacheOptions, nearCache } from '../src/index.js'
import { syncedKeyHooks, syncedPeer } from './clients.js'

// The cluster clients reach every node through a proxy of its own, which the
// outage tests cut all at once; the near cache's connections (duplicates of
// the clients' node clients) go through them too.
let proxies: ClusterProxies | undefined
let ioredis: Cluster
let nodeRedis: ReturnType<typeof createCluster>

beforeAll(async () => {
  proxies = await proxiesForCluster(sharedCluster().nodes)
  ioredis = new Cluster([...proxies.seeds], {
    natMap: proxies.addressMap,
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: () => 50,
    redisOptions: { maxRetriesPerRequest: 1 },
  })
  ioredis.on('error', () => {})
  nodeRedis = createCluster({
    rootNodes: proxies.seeds.map((node) => ({ socket: node })),
    nodeAddressMap: proxies.addressMap,
    defaults: { disableOfflineQueue: true, socket: { reconnectStrategy: () => 50 } },
  })
  nodeRedis.on('error', () => {})
  await Promise.all([ioredis.connect(), nodeRedis.connect()])
})

afterAll(async () => {
  await Promise.allSettled([ioredis?.quit(), nodeRedis?.close()])
  await proxies?.close()
})

/** The cluster client's view of its connection: every master answers. */
const ioredisReady = async () => {
  if (ioredis.status !== 'ready') return false
  const masters = ioredis.nodes('master')
  const pings = await Promise.allSettled(masters.map((node) => node.ping()))
  return masters.length > 0 && pings.every((ping) => ping.status === 'fulfilled')
}
const nodeRedisReady = () => {
  const { masters } = nodeRedis
  return masters.length > 0 && masters.every((master) => master.client?.isReady === true)
}

function suite(name: string, driver: 'ioredis' | 'node-redis', options: NearCacheOptions = {}) {
  storeContractSuite(name, {
    createStore: async () => {
      const store = () => (driver === 'ioredis' ? ioredisStore(ioredis) : nodeRedisStore(nodeRedis))
      const near = nearCache(store(), options)
      await near.ready()
      const send =
        driver === 'ioredis'
          ? (args: (string | Buffer)[]) =>
              ioredis.call(...(args as [string, ...(string | Buffer)[]]))
          : (args: (string | Buffer)[]) => nodeRedis.sendCommand(args[1], false, args)
      const hooks = syncedKeyHooks(send, near)
      const current: NearCache = near
      return {
        store: near,
        peer: () => syncedPeer(store(), () => current),
        ...hooks,
        outage: () =>
          outage(proxies!.proxies, driver === 'ioredis' ? ioredisReady : nodeRedisReady),
        async close() {
          await near.shutdown()
        },
      }
    },
  })
}

suite('near over an ioredis cluster', 'ioredis')
suite('near over a node-redis cluster', 'node-redis')
suite('near over an ioredis cluster, tags only', 'ioredis', { values: false })
suite('near over a node-redis cluster, tags only', 'node-redis', { values: false })
