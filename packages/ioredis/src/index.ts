import type { Store } from '@tagcache/core'
import { createRedisStore, type RedisArg, type RedisStoreOptions } from '@tagcache/core/redis'
import type { Cluster, Redis } from 'ioredis'

/** Options of {@link ioredisStore}. */
export interface IoredisStoreOptions extends RedisStoreOptions {}

/**
 * A tagcache {@link Store} over an existing ioredis `Redis` (standalone or
 * Sentinel) or `Cluster` client. The client is not closed by the store.
 *
 * Standalone: a tagged `get`/`set` is one round trip (Lua via EVALSHA). Cluster:
 * at most two, with keys hashed so no command is cross-slot. The client's
 * `keyPrefix` and `db` options are honoured.
 *
 * @example
 * ```ts
 * import { createCache } from '@tagcache/core'
 * import { ioredisStore } from '@tagcache/ioredis'
 * import { Redis } from 'ioredis'
 *
 * const cache = createCache({ store: ioredisStore(new Redis()), namespace: 'app' })
 * ```
 */
export function ioredisStore(client: Redis | Cluster, options: IoredisStoreOptions = {}): Store {
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof (client as Redis).callBuffer !== 'function'
  ) {
    throw new TypeError(
      '[tagcache] [ioredis] ioredisStore(client) expects an ioredis Redis or Cluster instance; got ' +
        (client === null ? 'null' : typeof client),
    )
  }
  const cluster = (client as { isCluster?: boolean }).isCluster === true
  const driverPrefix =
    (cluster ? (client as Cluster).options.keyPrefix : (client as Redis).options.keyPrefix) ?? ''
  return createRedisStore(
    {
      name: 'ioredis',
      cluster,
      driverPrefix,
      call: (args: readonly RedisArg[]) => {
        const [command, ...rest] = args as [string, ...RedisArg[]]
        return client.callBuffer(command, ...(rest as (string | Buffer)[])) as Promise<unknown>
      },
    },
    options,
  )
}
