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
    dropTagVersion: async (tag) => void (await redis.del(`tagcache:${tag}`)),
  }),
})

storeContractSuite('ioredis with tag hints (plain MGET reads)', {
  createStore: () => ({
    store: ioredisStore(redis, { tagHints: 1000 }),
    dropTagVersion: async (tag) => void (await redis.del(`tagcache:${tag}`)),
  }),
})

storeContractSuite('ioredis cluster', {
  createStore: () => ({
    store: ioredisStore(clusterClient),
    dropTagVersion: async (tag) => void (await clusterClient.del(`tagcache:${tag}`)),
  }),
})
