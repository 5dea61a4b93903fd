import { outage, proxyFor, rawKeyHooks, type TcpProxy } from '@tagcache/redis-harness'
import { sharedCluster, sharedRedis } from '@tagcache/redis-harness/vitest'
import { type StoreHarness, storeContractSuite } from '@tagcache/testing'
import { createClient, createCluster } from 'redis'
import { afterAll, beforeAll } from 'vitest'
import { type NodeRedisStoreOptions, nodeRedisStore } from '../src/index.js'

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
  const via = await proxyFor(standalone.url)
  proxy = via.proxy
  client = createFastFailingClient(via.url)
  resp3 = createFastFailingClient(via.url, 3)
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

type Client = typeof client | typeof clusterClient

/** One raw command with either kind of client (a cluster routes by the first key). */
const sender = (c: Client) => (args: (string | Buffer)[]) =>
  c === clusterClient
    ? clusterClient.sendCommand(args[1], false, args)
    : (c as typeof client).sendCommand(args)

/** Runs the contract suite over the clients `clients()` names (assigned in beforeAll). */
function suite(
  name: string,
  clients: () => { store: Client; peer?: Client },
  options: NodeRedisStoreOptions,
  extra: Pick<StoreHarness, 'outage'> & { peerOptions?: NodeRedisStoreOptions } = {},
) {
  storeContractSuite(name, {
    createStore: () => {
      const { store, peer = store } = clients()
      return {
        store: nodeRedisStore(store, options),
        peer: () => nodeRedisStore(peer, extra.peerOptions ?? options),
        ...rawKeyHooks(sender(store)),
        ...(extra.outage && { outage: extra.outage }),
      }
    },
  })
}

suite('node-redis', () => ({ store: client }), {}, { outage: standaloneOutage })
suite(
  'node-redis, tagHints: 0 (always the full Lua read)',
  () => ({ store: client }),
  { tagHints: 0 },
  {
    outage: standaloneOutage,
  },
)
suite(
  'node-redis, RESP3 client',
  () => ({ store: resp3, peer: client }),
  {},
  { outage: standaloneOutage },
)
suite(
  'node-redis, declaredKeysOnly',
  () => ({ store: client }),
  { declaredKeysOnly: true },
  {
    outage: standaloneOutage,
    peerOptions: { declaredKeysOnly: true, tagHints: 0 },
  },
)
suite('node-redis cluster', () => ({ store: clusterClient }), {})
