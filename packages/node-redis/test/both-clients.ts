import { type Cache, createCache, type Store } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { type RedisServer, startRedis } from '@tagcache/redis-harness'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll } from 'vitest'
import { nodeRedisStore } from '../src/index.js'

/** The calling test file's redis-server, once {@link useBothClients}' `beforeAll` ran. */
export let server: RedisServer
/** An ioredis client on {@link server}. */
export let ioredis: Redis
/** A node-redis client on {@link server}. */
export let nodeRedis: ReturnType<typeof createClient>

/** Starts a redis-server for the calling test file, with an ioredis and a node-redis client on it. */
export function useBothClients(): void {
  beforeAll(async () => {
    server = await startRedis()
    ioredis = new Redis(server.port, '127.0.0.1')
    nodeRedis = createClient({ url: server.url })
    await nodeRedis.connect()
  })

  afterAll(async () => {
    await Promise.allSettled([ioredis?.quit(), nodeRedis?.close()])
    await server?.stop()
  })
}

/** A store over `driver` on a connection of its own to {@link server}, and the function that closes that connection. */
export async function connect(driver: string): Promise<[Store, () => Promise<unknown>]> {
  if (driver === 'ioredis') {
    const client = new Redis(server.port, '127.0.0.1')
    return [ioredisStore(client), () => client.quit()]
  }
  const client = createClient({ url: server.url })
  await client.connect()
  return [nodeRedisStore(client), () => client.close()]
}

/** `n` caches of namespace `ns`, each over a store on its own connection (as separate processes would be). */
export async function cachesOn(
  driver: string,
  ns: string,
  n: number,
): Promise<{ caches: Cache[]; close: () => Promise<unknown> }> {
  const connections = await Promise.all(Array.from({ length: n }, () => connect(driver)))
  return {
    caches: connections.map(([store]) => createCache({ store, namespace: ns })),
    close: () => Promise.all(connections.map(([, close]) => close())),
  }
}
