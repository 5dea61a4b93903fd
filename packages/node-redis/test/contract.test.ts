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
import { createClient, createCluster } from 'redis'
import { afterAll, beforeAll } from 'vitest'
import { type NodeRedisStoreOptions, nodeRedisStore } from '../src/index.js'

let proxy: TcpProxy | undefined
let clusterProxies: ClusterProxies | undefined
// The clients reach Redis through proxies the outage tests cut (the cluster
// client one per node). While disconnected, their commands fail at once
// instead of waiting in a queue.
const fastFailing = {
  disableOfflineQueue: true,
  socket: { reconnectStrategy: () => 50 },
} as const
const createFastFailingClient = (url: string, RESP?: 3) =>
  createClient({ url, RESP, ...fastFailing })
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
  clusterProxies = await proxiesForCluster(clustered.nodes)
  clusterClient = createCluster({
    rootNodes: clusterProxies.seeds.map((node) => ({ socket: node })),
    nodeAddressMap: clusterProxies.addressMap,
    defaults: fastFailing,
  })
  // Connection errors are expected during outages; unheard, they would crash the process.
  for (const c of [client, resp3, clusterClient]) c.on('error', () => {})
  await Promise.all([client.connect(), clusterClient.connect(), resp3.connect()])
})

afterAll(async () => {
  await Promise.allSettled([client?.close(), clusterClient?.close(), resp3?.close()])
  await Promise.all([proxy?.close(), clusterProxies?.close()])
})

const standaloneOutage = () => outage(proxy!, () => client.isReady && resp3.isReady)
/** The cluster's own `isReady` only says `connect()` succeeded: each master's client says more. */
const clusterReady = () => {
  const { masters } = clusterClient
  return masters.length > 0 && masters.every((master) => master.client?.isReady === true)
}
const clusterOutage = () => outage(clusterProxies!.proxies, clusterReady)

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
suite('node-redis cluster', () => ({ store: clusterClient }), {}, { outage: clusterOutage })
