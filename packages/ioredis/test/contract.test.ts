import {
  type ClusterProxies,
  outage,
  proxiesForCluster,
  proxyFor,
  rawKeyHooks,
  type TcpProxy,
} from '@tagcache/redis-harness'
import { sharedCluster, sharedRedis } from '@tagcache/redis-harness/vitest'
import { type StoreHarness, storeContractSuite } from '@tagcache/testing'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { type IoredisStoreOptions, ioredisStore } from '../src/index.js'

let proxy: TcpProxy | undefined
let clusterProxies: ClusterProxies | undefined
let redis: Redis
let clusterClient: Cluster

beforeAll(async () => {
  // Shared with the package's other test files (vitest globalSetup): tests isolate by namespace.
  const [standalone, clustered] = [sharedRedis(), sharedCluster()]
  // The standalone client reaches Redis through a proxy the outage tests cut.
  const via = await proxyFor(standalone.url)
  proxy = via.proxy
  redis = new Redis(via.url, {
    lazyConnect: true,
    // While disconnected, commands fail at once instead of waiting in a queue.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 50,
  })
  redis.on('error', () => {}) // connection errors are expected during outages
  await redis.connect()
  // The cluster client reaches every node through its own proxy, which the outage tests cut all at once.
  clusterProxies = await proxiesForCluster(clustered.nodes)
  clusterClient = new Cluster([...clusterProxies.seeds], {
    natMap: clusterProxies.addressMap,
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: () => 50,
    redisOptions: { maxRetriesPerRequest: 1 },
  })
  clusterClient.on('error', () => {})
  await clusterClient.connect()
})

afterAll(async () => {
  await Promise.allSettled([redis?.quit(), clusterClient?.quit()])
  await Promise.all([proxy?.close(), clusterProxies?.close()])
})

const standaloneOutage = () => outage(proxy!, () => redis.status === 'ready')
/**
 * The cluster client's status alone is not enough: ioredis 5 stays `ready`
 * while the nodes it has not connected to yet (lazily) keep the pool from
 * draining, so every master must also answer PING.
 */
const clusterReady = async () => {
  if (clusterClient.status !== 'ready') return false
  const masters = clusterClient.nodes('master')
  const pings = await Promise.allSettled(masters.map((node) => node.ping()))
  return masters.length > 0 && pings.every((ping) => ping.status === 'fulfilled')
}
const clusterOutage = () => outage(clusterProxies!.proxies, clusterReady)

/** Runs the contract suite over `client()` (assigned in beforeAll) with these store options. */
function suite(
  name: string,
  client: () => Redis | Cluster,
  options: IoredisStoreOptions,
  extra: Pick<StoreHarness, 'outage'> & { peerOptions?: IoredisStoreOptions } = {},
) {
  storeContractSuite(name, {
    createStore: () => {
      const c = client()
      return {
        store: ioredisStore(c, options),
        peer: () => ioredisStore(c, extra.peerOptions ?? options),
        ...rawKeyHooks((args) => c.call(...(args as [string, ...(string | Buffer)[]]))),
        ...(extra.outage && { outage: extra.outage }),
      }
    },
  })
}

suite('ioredis', () => redis, {}, { outage: standaloneOutage })
suite(
  'ioredis, tagHints: 0 (always the full Lua read)',
  () => redis,
  { tagHints: 0 },
  {
    outage: standaloneOutage,
  },
)
suite(
  'ioredis, declaredKeysOnly and tagHints: 0 (every read in two steps)',
  () => redis,
  { declaredKeysOnly: true, tagHints: 0 },
  { outage: standaloneOutage, peerOptions: { declaredKeysOnly: true } },
)
suite('ioredis cluster', () => clusterClient, {}, { outage: clusterOutage })
