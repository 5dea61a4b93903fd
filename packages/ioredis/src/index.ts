import type { Store } from '@tagcache/core'
import { createRedisStore, type RedisArg, type RedisStoreOptions } from '@tagcache/redis'
import { type Cluster, Command, type Redis } from 'ioredis'

/** Options of {@link ioredisStore}. */
export interface IoredisStoreOptions extends RedisStoreOptions {}

/**
 * Most commands one coalesced socket write carries. Unbounded (one write per
 * tick), client and server took turns at 64 in flight, each idle while the
 * other worked through the whole batch, and throughput halved; from 8 to 32
 * per write measured alike (apps/bench).
 */
const WRITE_BATCH = 16

/**
 * Coalesces the commands a standalone store issues within one tick into one
 * socket write, as node-redis does on its own: ioredis writes each command
 * with its own syscall, a fifth of the client's CPU per get at 64 in flight.
 * The socket is corked by the first command of a tick and uncorked at the
 * end of the tick (`process.nextTick`) or after {@link WRITE_BATCH}
 * commands, whichever comes first: nothing waits longer than the current
 * tick. Commands issued while the client is not ready go to ioredis' offline
 * queue, untouched.
 */
function coalescer(client: Redis): { before(): void; after(): void } {
  let corked: Redis['stream'] | undefined
  let count = 0
  const flush = () => {
    const stream = corked
    if (stream === undefined) return
    corked = undefined
    stream.uncork()
  }
  return {
    before() {
      if (corked !== undefined || client.status !== 'ready') return
      const stream = client.stream
      if (typeof stream?.cork !== 'function') return
      stream.cork()
      corked = stream
      count = 0
      process.nextTick(flush)
    },
    after() {
      if (corked !== undefined && ++count >= WRITE_BATCH) flush()
    },
  }
}

/**
 * A tagcache {@link Store} over an existing ioredis `Redis` (standalone or
 * Sentinel) or `Cluster` client. The client is not closed by the store.
 *
 * Standalone: a tagged `get`/`set` is one round trip (Lua via EVALSHA), and the
 * commands the store issues in one tick share one socket write. Cluster: at
 * most two round trips, with keys hashed so no command is cross-slot. The
 * client's `keyPrefix` and `db` options are honoured.
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
    // callBuffer tells ioredis from node-redis, which has a sendCommand too.
    typeof (client as Redis).callBuffer !== 'function' ||
    typeof (client as Redis).sendCommand !== 'function'
  ) {
    throw new TypeError(
      '[tagcache] [ioredis] ioredisStore(client) expects an ioredis Redis or Cluster instance; got ' +
        (client === null ? 'null' : typeof client),
    )
  }
  const cluster = (client as { isCluster?: boolean }).isCluster === true
  const driverPrefix =
    (cluster ? (client as Cluster).options.keyPrefix : (client as Redis).options.keyPrefix) ?? ''
  // Commands are built and sent directly rather than through callBuffer,
  // which ioredis' auto-pipelining breaks (it sends the first argument as the
  // command name: redis/ioredis#1923). Replies come back as Buffers.
  const friendly = (client.options as { showFriendlyErrorStack?: boolean }).showFriendlyErrorStack
  const send = (args: readonly RedisArg[]) => {
    const [name, ...rest] = args as [string, ...RedisArg[]]
    const command = new Command(name, rest, {
      replyEncoding: null,
      keyPrefix: driverPrefix || undefined,
      errorStack: friendly === true ? new Error() : undefined,
    })
    client.sendCommand(command)
    return command.promise as Promise<unknown>
  }
  let call = send
  if (!cluster) {
    const writes = coalescer(client as Redis)
    call = (args) => {
      writes.before()
      const reply = send(args)
      writes.after()
      return reply
    }
  }
  return createRedisStore({ name: 'ioredis', cluster, driverPrefix, call }, options)
}
