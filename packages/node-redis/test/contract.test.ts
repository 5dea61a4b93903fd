import { redisForTests, startCluster } from '@tagcache/redis-harness'
import { storeContractSuite } from '@tagcache/testing'
import { createClient, createCluster } from 'redis'
import { afterAll, beforeAll } from 'vitest'
import { nodeRedisStore } from '../src/index.js'

type Server = { stop(): Promise<void> }
let server: Server | undefined
let cluster: Server | undefined
let client: ReturnType<typeof createClient>
const createResp3Client = (url: string) => createClient({ url, RESP: 3 })
let resp3: ReturnType<typeof createResp3Client>
let clusterClient: ReturnType<typeof createCluster>

beforeAll(async () => {
  const [standalone, clustered] = await Promise.all([redisForTests(), startCluster()])
  server = standalone
  cluster = clustered
  client = createClient({ url: standalone.url })
  clusterClient = createCluster({ rootNodes: clustered.urls.map((url) => ({ url })) })
  resp3 = createResp3Client(standalone.url)
  await Promise.all([client.connect(), clusterClient.connect(), resp3.connect()])
})

afterAll(async () => {
  await Promise.allSettled([client?.close(), clusterClient?.close(), resp3?.close()])
  await Promise.allSettled([server?.stop(), cluster?.stop()])
})

storeContractSuite('node-redis', {
  createStore: () => ({
    store: nodeRedisStore(client),
    peer: () => nodeRedisStore(client),
    dropTagVersion: async (tag) => void (await client.del(`tagcache:${tag}`)),
  }),
})

storeContractSuite('node-redis, tagHints: 0 (always the full Lua read)', {
  createStore: () => ({
    store: nodeRedisStore(client, { tagHints: 0 }),
    peer: () => nodeRedisStore(client, { tagHints: 0 }),
    dropTagVersion: async (tag) => void (await client.del(`tagcache:${tag}`)),
  }),
})

storeContractSuite('node-redis, RESP3 client', {
  createStore: () => ({
    store: nodeRedisStore(resp3),
    peer: () => nodeRedisStore(client),
    dropTagVersion: async (tag) => void (await resp3.del(`tagcache:${tag}`)),
  }),
})

storeContractSuite('node-redis cluster', {
  createStore: () => ({
    store: nodeRedisStore(clusterClient),
    peer: () => nodeRedisStore(clusterClient),
    dropTagVersion: async (tag) => void (await clusterClient.del(`tagcache:${tag}`)),
  }),
})
