import { ioredisStore } from '@tagcache/ioredis'
import { nodeRedisStore } from '@tagcache/node-redis'
import { outage, proxyFor, type TcpProxy } from '@tagcache/redis-harness'
import { sharedRedis } from '@tagcache/redis-harness/vitest'
import { storeContractSuite } from '@tagcache/testing'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll } from 'vitest'
import { type NearCache, type NearCacheOptions, nearCache } from '../src/index.js'
import { syncedKeyHooks, syncedPeer } from './clients.js'

let proxy: TcpProxy | undefined
let ioredis: Redis
let nodeRedis: ReturnType<typeof createClient>

beforeAll(async () => {
  // The clients reach Redis through a proxy the outage tests cut; the near
  // cache's own connections (duplicates of them) go through it too.
  const via = await proxyFor(sharedRedis().url)
  proxy = via.proxy
  ioredis = new Redis(via.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 50,
  })
  ioredis.on('error', () => {})
  nodeRedis = createClient({
    url: via.url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: () => 50 },
  })
  nodeRedis.on('error', () => {})
  await Promise.all([ioredis.connect(), nodeRedis.connect()])
})

afterAll(async () => {
  await Promise.allSettled([ioredis?.quit(), nodeRedis?.close()])
  await proxy?.close()
})

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
          : (args: (string | Buffer)[]) => nodeRedis.sendCommand(args)
      const hooks = syncedKeyHooks(send, near)
      let current: NearCache = near
      return {
        store: near,
        peer: () => syncedPeer(store(), () => current),
        ...hooks,
        outage: () =>
          outage(proxy!, () =>
            driver === 'ioredis' ? ioredis.status === 'ready' : nodeRedis.isReady,
          ),
        async close() {
          current = near
          await near.shutdown()
        },
      }
    },
  })
}

suite('near over ioredis', 'ioredis')
suite('near over node-redis', 'node-redis')
suite('near over ioredis, tags only', 'ioredis', { values: false })
suite('near over node-redis, tags only', 'node-redis', { values: false })
