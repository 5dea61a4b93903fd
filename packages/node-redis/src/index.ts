import type { Store } from '@tagcache/core'
import {
  createRedisStore,
  type RedisArg,
  type RedisDriver,
  type RedisStoreOptions,
} from '@tagcache/redis'
import { RESP_TYPES } from 'redis'

/** Options of {@link nodeRedisStore}. */
export interface NodeRedisStoreOptions extends RedisStoreOptions {}

type Args = readonly (string | Buffer)[]

/** The part of a node-redis client (`createClient()`) the store uses. */
export interface NodeRedisClientLike {
  sendCommand(args: Args, options?: object): Promise<unknown>
}

/** The part of a node-redis cluster (`createCluster()`) the store uses. */
export interface NodeRedisClusterLike {
  sendCommand(
    firstKey: string | Buffer | undefined,
    isReadonly: boolean | undefined,
    args: Args,
    options?: object,
  ): Promise<unknown>
  getSlotMaster?: unknown
  masters?: unknown
}

// Binary-safe replies; and no per-command timer: node-redis arms a timeout
// timer per command by default, which dominates its throughput, while the
// cache has its own `timeout` option.
const COMMAND_OPTIONS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer }, timeout: 0 }

/**
 * A tagcache {@link Store} over an existing, connected node-redis client
 * (`createClient()`) or cluster (`createCluster()`), redis v5 or later. The
 * client is not closed by the store.
 *
 * Standalone: a tagged `get`/`set` is one round trip (Lua via EVALSHA).
 * Cluster: at most two, with keys hashed so no command is cross-slot.
 *
 * @example
 * ```ts
 * import { createCache } from '@tagcache/core'
 * import { nodeRedisStore } from '@tagcache/node-redis'
 * import { createClient } from 'redis'
 *
 * const client = await createClient({ url: 'redis://localhost:6379' }).connect()
 * const cache = createCache({ store: nodeRedisStore(client), namespace: 'app' })
 * ```
 */
export function nodeRedisStore(
  client: NodeRedisClientLike | NodeRedisClusterLike,
  options: NodeRedisStoreOptions = {},
): Store {
  if (typeof client !== 'object' || client === null || typeof client.sendCommand !== 'function') {
    throw new TypeError(
      '[tagcache] [node-redis] nodeRedisStore(client) expects a node-redis client or cluster (createClient() / createCluster()); got ' +
        (client === null ? 'null' : typeof client),
    )
  }
  return createRedisStore(nodeRedisDriver(client), options)
}

/**
 * The {@link RedisDriver} over `client`. `withClient` builds the same driver
 * over a duplicate of the client (`@tagcache/near` reads through one).
 */
function nodeRedisDriver(client: NodeRedisClientLike | NodeRedisClusterLike): RedisDriver {
  const cluster = 'masters' in client && 'getSlotMaster' in client
  const call = cluster
    ? (args: readonly RedisArg[], key?: string) =>
        (client as NodeRedisClusterLike).sendCommand(key, false, args as Args, COMMAND_OPTIONS)
    : (args: readonly RedisArg[]) =>
        (client as NodeRedisClientLike).sendCommand(args as Args, COMMAND_OPTIONS)
  const duplicate = (client as Partial<Duplicable>).duplicate
  return {
    name: 'node-redis',
    cluster,
    driverPrefix: '',
    hintedReads: 'mget',
    call,
    client,
    withClient: (other) => nodeRedisDriver(other as NodeRedisClientLike | NodeRedisClusterLike),
    ...(typeof duplicate === 'function'
      ? {
          subscribe: (channel: string, listener: (message: Buffer) => void) =>
            subscribe(client as unknown as Duplicable, channel, listener),
        }
      : {}),
  }
}

/** What the store needs of a client or cluster to hear lock releases: a duplicate it subscribes. */
interface Duplicable {
  duplicate(): Subscriber
}

interface Subscriber {
  on(event: 'error', listener: (error: unknown) => void): unknown
  connect(): Promise<unknown>
  subscribe(
    channel: string,
    listener: (message: Buffer) => void,
    bufferMode: true,
  ): Promise<unknown>
  close?(): Promise<unknown>
  quit?(): Promise<unknown>
  destroy?(): unknown
}

/**
 * Subscribes to `channel` on a duplicate of `client` (a cluster duplicates as
 * a cluster), in buffer mode; resolves the function that closes it. The
 * duplicate's errors are its own (node-redis reconnects and subscribes again).
 */
async function subscribe(
  client: Duplicable,
  channel: string,
  listener: (message: Buffer) => void,
): Promise<() => Promise<void>> {
  const sub = client.duplicate()
  sub.on('error', () => {})
  const close = async () => {
    if (typeof sub.close === 'function') await sub.close()
    else if (typeof sub.quit === 'function') await sub.quit()
    else sub.destroy?.()
  }
  try {
    await sub.connect()
    await sub.subscribe(channel, listener, true)
  } catch (error) {
    await close().catch(() => {})
    throw error
  }
  return () => close().then(() => undefined)
}
