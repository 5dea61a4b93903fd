import { outage, startProxy, type TcpProxy } from '@tagcache/redis-harness'
import { sharedCluster, sharedRedis } from '@tagcache/redis-harness/vitest'
import { type ForeignVersion, storeContractSuite } from '@tagcache/testing'
import { createClient, createCluster } from 'redis'
import { afterAll, beforeAll } from 'vitest'
import { nodeRedisStore } from '../src/index.js'

let proxy: TcpProxy | undefined
// The standalone clients reach Redis through a proxy the outage tests cut.
// While disconnected, their commands fail at once instead of waiting in a queue.
const createFastFailingClient = (url: string, RESP?: 3) =>
  createClient({ url, RESP, disableOfflineQueue: true, socket: { reconnectStrategy: () => 50 } })
let client: ReturnType<typeof createFastFailingClient>
let resp3: ReturnType<typeof createFastFailingClient>
let clusterClient: ReturnType<typeof createCluster>

beforeAll(async () => {
  // Shared with the package's other test files (vitest globalSetup): tests isolate by namespace.
  const [standalone, clustered] = [sharedRedis(), sharedCluster()]
  const direct = new URL(standalone.url)
  proxy = await startProxy({ host: direct.hostname, port: Number(direct.port) })
  const via = new URL(standalone.url)
  via.host = `${proxy.host}:${proxy.port}`
  client = createFastFailingClient(via.toString())
  resp3 = createFastFailingClient(via.toString(), 3)
  // Connection errors are expected during outages; unheard, they would crash the process.
  for (const c of [client, resp3]) c.on('error', () => {})
  clusterClient = createCluster({ rootNodes: clustered.urls.map((url) => ({ url })) })
  await Promise.all([client.connect(), clusterClient.connect(), resp3.connect()])
})

afterAll(async () => {
  await Promise.allSettled([client?.close(), clusterClient?.close(), resp3?.close()])
  await proxy?.close()
})

const standaloneOutage = () => outage(proxy!, () => client.isReady && resp3.isReady)

storeContractSuite('node-redis', {
  createStore: () => ({
    store: nodeRedisStore(client),
    peer: () => nodeRedisStore(client),
    dropTagVersion: async (tag) => void (await client.del(`tagcache:${tag}`)),
    corruptTagVersion: (tag, kind) => corrupt(client, `tagcache:${tag}`, kind),
    outage: standaloneOutage,
  }),
})

storeContractSuite('node-redis, tagHints: 0 (always the full Lua read)', {
  createStore: () => ({
    store: nodeRedisStore(client, { tagHints: 0 }),
    peer: () => nodeRedisStore(client, { tagHints: 0 }),
    dropTagVersion: async (tag) => void (await client.del(`tagcache:${tag}`)),
    corruptTagVersion: (tag, kind) => corrupt(client, `tagcache:${tag}`, kind),
    outage: standaloneOutage,
  }),
})

storeContractSuite('node-redis, RESP3 client', {
  createStore: () => ({
    store: nodeRedisStore(resp3),
    peer: () => nodeRedisStore(client),
    dropTagVersion: async (tag) => void (await resp3.del(`tagcache:${tag}`)),
    corruptTagVersion: (tag, kind) => corrupt(resp3, `tagcache:${tag}`, kind),
    outage: standaloneOutage,
  }),
})

storeContractSuite('node-redis, declaredKeysOnly', {
  createStore: () => ({
    store: nodeRedisStore(client, { declaredKeysOnly: true }),
    peer: () => nodeRedisStore(client, { declaredKeysOnly: true, tagHints: 0 }),
    dropTagVersion: async (tag) => void (await client.del(`tagcache:${tag}`)),
    corruptTagVersion: (tag, kind) => corrupt(client, `tagcache:${tag}`, kind),
    outage: standaloneOutage,
  }),
})

storeContractSuite('node-redis cluster', {
  createStore: () => ({
    store: nodeRedisStore(clusterClient),
    peer: () => nodeRedisStore(clusterClient),
    dropTagVersion: async (tag) => void (await clusterClient.del(`tagcache:${tag}`)),
    corruptTagVersion: (tag, kind) => corrupt(clusterClient, `tagcache:${tag}`, kind),
  }),
})

/** A stray write from another program under a version key. */
async function corrupt(
  client: {
    set(k: string, v: Buffer): Promise<unknown>
    del(k: string): Promise<unknown>
    hSet(k: string, f: string, v: string): Promise<unknown>
  },
  key: string,
  kind: ForeignVersion,
) {
  if (kind === 'bytes') await client.set(key, Buffer.from([0xff, 0x00, 0x41, 0x20]))
  else {
    await client.del(key)
    await client.hSet(key, 'not', 'a version')
  }
}
