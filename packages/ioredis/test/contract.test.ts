import { outage, startProxy, type TcpProxy } from '@tagcache/redis-harness'
import { sharedCluster, sharedRedis } from '@tagcache/redis-harness/vitest'
import { type ForeignVersion, storeContractSuite } from '@tagcache/testing'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { ioredisStore } from '../src/index.js'

let proxy: TcpProxy | undefined
let redis: Redis
let clusterClient: Cluster

beforeAll(async () => {
  // Shared with the package's other test files (vitest globalSetup): tests isolate by namespace.
  const [standalone, clustered] = [sharedRedis(), sharedCluster()]
  // The standalone client reaches Redis through a proxy the outage tests cut.
  const direct = new URL(standalone.url)
  proxy = await startProxy({ host: direct.hostname, port: Number(direct.port) })
  const via = new URL(standalone.url)
  via.host = `${proxy.host}:${proxy.port}`
  redis = new Redis(via.toString(), {
    lazyConnect: true,
    // While disconnected, commands fail at once instead of waiting in a queue.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 50,
  })
  redis.on('error', () => {}) // connection errors are expected during outages
  await redis.connect()
  clusterClient = new Cluster(clustered.nodes.map((n) => ({ host: n.host, port: n.port })))
})

afterAll(async () => {
  await Promise.allSettled([redis?.quit(), clusterClient?.quit()])
  await proxy?.close()
})

const standaloneOutage = () => outage(proxy!, () => redis.status === 'ready')

storeContractSuite('ioredis', {
  createStore: () => ({
    store: ioredisStore(redis),
    peer: () => ioredisStore(redis),
    dropTagVersion: async (tag) => void (await redis.del(`tagcache:${tag}`)),
    corruptTagVersion: (tag, kind) => corrupt(redis, `tagcache:${tag}`, kind),
    outage: standaloneOutage,
  }),
})

storeContractSuite('ioredis, tagHints: 0 (always the full Lua read)', {
  createStore: () => ({
    store: ioredisStore(redis, { tagHints: 0 }),
    peer: () => ioredisStore(redis, { tagHints: 0 }),
    dropTagVersion: async (tag) => void (await redis.del(`tagcache:${tag}`)),
    corruptTagVersion: (tag, kind) => corrupt(redis, `tagcache:${tag}`, kind),
    outage: standaloneOutage,
  }),
})

storeContractSuite('ioredis, declaredKeysOnly and tagHints: 0 (every read in two steps)', {
  createStore: () => ({
    store: ioredisStore(redis, { declaredKeysOnly: true, tagHints: 0 }),
    peer: () => ioredisStore(redis, { declaredKeysOnly: true }),
    dropTagVersion: async (tag) => void (await redis.del(`tagcache:${tag}`)),
    corruptTagVersion: (tag, kind) => corrupt(redis, `tagcache:${tag}`, kind),
    outage: standaloneOutage,
  }),
})

storeContractSuite('ioredis cluster', {
  createStore: () => ({
    store: ioredisStore(clusterClient),
    peer: () => ioredisStore(clusterClient),
    dropTagVersion: async (tag) => void (await clusterClient.del(`tagcache:${tag}`)),
    corruptTagVersion: (tag, kind) => corrupt(clusterClient, `tagcache:${tag}`, kind),
  }),
})

/** A stray write from another program under a version key. */
async function corrupt(client: Redis | Cluster, key: string, kind: ForeignVersion) {
  if (kind === 'bytes') await client.set(key, Buffer.from([0xff, 0x00, 0x41, 0x20]))
  else await client.multi().del(key).hset(key, 'not', 'a version').exec()
}
