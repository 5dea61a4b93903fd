import { type RedisServer, startRedis } from '@tagcache/redis-harness'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll } from 'vitest'

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
