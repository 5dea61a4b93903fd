import { redisForTests, startCluster } from '@tagcache/redis-harness'
import { storeContractSuite } from '@tagcache/testing'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { ioredisStore } from '../src/index.js'

type Server = { stop(): Promise<void> }
let server: Server | undefined
let cluster: Server | undefined
let redis: Redis
let clusterClient: Cluster

beforeAll(async () => {
  const [standalone, clustered] = await Promise.all([redisForTests(), startCluster()])
  server = standalone
  cluster = clustered
  redis = new Redis(standalone.url)
  clusterClient = new Cluster(clustered.nodes.map((n) => ({ host: n.host, port: n.port })))
})

afterAll(async () => {
  await Promise.allSettled([redis?.quit(), clusterClient?.quit()])
  await Promise.allSettled([server?.stop(), cluster?.stop()])
})

storeContractSuite('ioredis', {
  createStore: () => ({
    store: ioredisStore(redis),
    peer: () => ioredisStore(redis),
    dropTagVersion: async (tag) => void (await redis.del(`tagcache:${tag}`)),
  }),
})

storeContractSuite('ioredis, tagHints: 0 (always the full Lua read)', {
  createStore: () => ({
    store: ioredisStore(redis, { tagHints: 0 }),
    peer: () => ioredisStore(redis, { tagHints: 0 }),
    dropTagVersion: async (tag) => void (await redis.del(`tagcache:${tag}`)),
  }),
})

storeContractSuite('ioredis cluster', {
  createStore: () => ({
    store: ioredisStore(clusterClient),
    peer: () => ioredisStore(clusterClient),
    dropTagVersion: async (tag) => void (await clusterClient.del(`tagcache:${tag}`)),
  }),
})
