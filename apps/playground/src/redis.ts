import type { Store } from '@tagcache/core'

/** The playground's Redis store and how to let go of its client. */
export interface RedisConnection {
  store: Store
  close: () => Promise<void>
}

/** Redis could not be reached or used: main prints the message and exits with code 1. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError'
}

// The playground fails fast on a missing Redis: no reconnect loop, and a bounded connect.
const connectTimeout = 5_000

/** Connects an ioredis client to `url` and checks it answers, or throws RedisUnavailableError. */
export async function connectIoredis(url: string): Promise<RedisConnection> {
  const { Redis } = await import('ioredis')
  const { ioredisStore } = await import('@tagcache/ioredis')
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  })
  // ioredis rejects connect() with a bare "Connection is closed."; the reason is in the
  // error event, which without a listener would also be logged as "Unhandled error event".
  await connectOrExplain(url, client, () => {
    // disconnect() on an ended client would keep the process alive for disconnectTimeout.
    if (client.status !== 'end') client.disconnect()
  })
  return { store: ioredisStore(client), close: async () => void (await client.quit()) }
}

/** Connects a node-redis client to `url` and checks it answers, or throws RedisUnavailableError. */
export async function connectNodeRedis(url: string): Promise<RedisConnection> {
  const { createClient } = await import('redis')
  const { nodeRedisStore } = await import('@tagcache/node-redis')
  const client = createClient({ url, socket: { connectTimeout, reconnectStrategy: false } })
  // Without a listener, node-redis's error event is an uncaught exception.
  await connectOrExplain(url, client, () => {
    if (client.isOpen) client.destroy()
  })
  return { store: nodeRedisStore(client), close: async () => void (await client.close()) }
}

/**
 * Connects `client` and checks it answers a PING; on failure, `abandon()`s it
 * and throws a RedisUnavailableError carrying the first error event's reason
 * (both drivers reject with less than their error event says).
 */
async function connectOrExplain(
  url: string,
  client: {
    on(event: 'error', listener: (error: Error) => void): unknown
    connect(): Promise<unknown>
    ping(): Promise<unknown>
  },
  abandon: () => void,
): Promise<void> {
  let reason: unknown
  client.on('error', (error) => {
    reason ??= error
  })
  try {
    await client.connect()
    await client.ping()
  } catch (error) {
    abandon()
    throw unavailable(url, reason ?? error)
  }
}

function unavailable(url: string, reason: unknown): RedisUnavailableError {
  const { hostname, port, password } = new URL(url)
  const shown = new URL(url)
  if (password) shown.password = '***'
  const code = (reason as NodeJS.ErrnoException | undefined)?.code
  const detail = reason instanceof Error ? reason.message : String(reason)
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(hostname)
  const hint =
    code === 'ECONNREFUSED' && local
      ? `start one with \`redis-server --port ${port || 6379}\`, or run with --store memory`
      : 'check --redis-url, or run with --store memory'
  return new RedisUnavailableError(`cannot connect to Redis at ${shown} (${detail}); ${hint}`)
}
