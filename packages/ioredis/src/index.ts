import { type Store, validateOptions } from '@tagcache/core'
import {
  createRedisStore,
  type RedisArg,
  type RedisDriver,
  type RedisStoreOptions,
} from '@tagcache/redis'
import { type Cluster, Command, type Redis } from 'ioredis'
import { z } from 'zod'

/** Options of {@link ioredisStore}. */
export interface IoredisStoreOptions extends RedisStoreOptions {
  /**
   * On a standalone (or Sentinel) client, send the commands issued within one
   * tick in shared socket writes of up to 16 commands, as node-redis does on
   * its own. ioredis writes each command with its own syscall: at 64 gets in
   * flight, sharing writes saves about an eighth of the client's CPU per
   * tagged get, half its system time (apps/bench).
   *
   * It works by corking the client's socket from the store's first command
   * in a tick until the end of that tick, or until 16 commands: **the
   * client's other commands issued in that tick (your own, another store's)
   * are batched into the same writes**. Nothing waits past the current tick.
   * It needs a ready client whose `stream` has `cork()` and `uncork()`, as
   * ioredis 5 and 6 have; on a client without them each command is sent with
   * a plain `sendCommand`. Ignored on a `Cluster`. `false` leaves every write
   * to ioredis.
   * @default true
   */
  coalesceWrites?: boolean
}

// Only this adapter's option: the Redis store checks the others.
const optionsSchema = z.looseObject({ coalesceWrites: z.boolean().optional() })

/**
 * Most commands one coalesced socket write carries. Unbounded (one write per
 * tick), client and server took turns at 64 in flight, each idle while the
 * other worked through the whole batch, and throughput halved; from 8 to 32
 * per write measured alike (apps/bench).
 */
const WRITE_BATCH = 16

/** The names the store sends, in lower case: a hinted read then builds no string for it. */
const LOWER_CASE: ReadonlyMap<string, string> = new Map(
  ['MGET', 'EVALSHA', 'EVAL', 'SET', 'DEL', 'PTTL', 'PEXPIRE', 'PERSIST'].map((n) => [
    n,
    n.toLowerCase(),
  ]),
)

/** A socket whose writes can be held and released together, as Node's are. */
interface Corkable {
  cork(): void
  uncork(): void
}

/**
 * What write coalescing relies on, checked before each batch: a ready client
 * (ioredis then writes a command to `client.stream` within `sendCommand`)
 * whose `stream` has `cork` and `uncork`. `undefined` when the client is not
 * ready (its commands wait in ioredis' offline queue, untouched) or lacks
 * them (the command is sent plainly).
 */
function corkableStream(client: Redis): Corkable | undefined {
  if (client.status !== 'ready') return undefined
  const stream: unknown = client.stream
  if (typeof stream !== 'object' || stream === null) return undefined
  const { cork, uncork } = stream as Partial<Corkable>
  return typeof cork === 'function' && typeof uncork === 'function'
    ? (stream as Corkable)
    : undefined
}

/**
 * Coalesces the commands a standalone store issues within one tick into
 * shared socket writes. The socket is corked by the first command of a tick
 * and uncorked at the end of the tick (`process.nextTick`) or after
 * {@link WRITE_BATCH} commands, whichever comes first.
 */
function coalescer(client: Redis): { before(): void; after(): void } {
  let corked: Corkable | undefined
  let count = 0
  const flush = () => {
    const stream = corked
    if (stream === undefined) return
    corked = undefined
    stream.uncork()
  }
  return {
    before() {
      if (corked !== undefined) return
      const stream = corkableStream(client)
      if (stream === undefined) return
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
 * commands issued in one tick share socket writes (see
 * {@link IoredisStoreOptions.coalesceWrites}). Cluster: at most two round
 * trips, with keys hashed so no command is cross-slot. The client's
 * `keyPrefix`, `db` and `showFriendlyErrorStack` options are honoured.
 *
 * @throws TypeError when `client` is not an ioredis `Redis` or `Cluster`.
 * @throws InvalidOptionsError (`E_INVALID_OPTIONS`) when `options` are not valid.
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
  const { coalesceWrites = true, ...storeOptions } = validateOptions(
    'ioredis',
    optionsSchema,
    options,
  )
  return createRedisStore(ioredisDriver(client, coalesceWrites), storeOptions)
}

/**
 * The {@link RedisDriver} over `client`. `withClient` builds the same driver
 * over a duplicate of the client (`@tagcache/near` reads through one).
 */
function ioredisDriver(client: Redis | Cluster, coalesceWrites: boolean): RedisDriver {
  const cluster = (client as { isCluster?: boolean }).isCluster === true
  const clientOptions = client.options as { keyPrefix?: string; showFriendlyErrorStack?: boolean }
  const driverPrefix = clientOptions.keyPrefix ?? ''
  // Each command is sent as ioredis' own callBuffer sends it when
  // auto-pipelining is off: a Command with the client's keyPrefix (the
  // Command prefixes the keys) and, with showFriendlyErrorStack, the stack of
  // the call; replies as Buffers. Not callBuffer itself, nor the named
  // *Buffer methods: on a client with enableAutoPipelining they go through
  // auto-pipelining, which sends callBuffer's first argument as the command
  // name (redis/ioredis#1923, still in 6.0.0) and, before 6.0.0, routes a
  // cluster EVALSHA by its sha instead of its first key (redis/ioredis#2109).
  const friendlyStack = clientOptions.showFriendlyErrorStack === true
  // Command reads its options and keeps none of them: one object serves every command.
  const shared = { replyEncoding: null, keyPrefix: driverPrefix || undefined }
  const send = (args: readonly RedisArg[]) => {
    const name = args[0] as string
    // In lower case: before 6.0.0 a Command finds its keys (to prefix them,
    // and to route it on a cluster) only under its lower-case name.
    const command = new Command(
      LOWER_CASE.get(name) ?? name.toLowerCase(),
      args.slice(1),
      friendlyStack ? { ...shared, errorStack: new Error() } : shared,
    )
    client.sendCommand(command)
    return command.promise as Promise<unknown>
  }
  let call = send
  if (!cluster && coalesceWrites) {
    const writes = coalescer(client as Redis)
    call = (args) => {
      writes.before()
      const reply = send(args)
      writes.after()
      return reply
    }
  }
  return {
    name: 'ioredis',
    cluster,
    driverPrefix,
    call,
    client,
    withClient: (other) => ioredisDriver(other as Redis | Cluster, coalesceWrites),
    subscribe: (channel, listener) => subscribe(client, channel, listener),
  }
}

/**
 * Subscribes to `channel` on a duplicate of `client` (a `Cluster` duplicates
 * as a cluster), reading messages as bytes (`messageBuffer`); resolves the
 * function that closes that connection. The duplicate's errors are its own
 * (ioredis reconnects and subscribes again): they never reach the client.
 */
async function subscribe(
  client: Redis | Cluster,
  channel: string,
  listener: (message: Buffer) => void,
): Promise<() => Promise<void>> {
  // Both duplicate as their own kind; the union's two signatures are not callable as one.
  const sub = (client.duplicate as () => Redis | Cluster).call(client)
  sub.on('error', () => {})
  sub.on('messageBuffer', (from: Buffer, message: Buffer) => {
    if (from.toString('utf8') === channel) listener(message)
  })
  try {
    // A client made with lazyConnect duplicates as one: connect it (with
    // enableOfflineQueue: false, a command before that fails at once).
    if (sub.status === 'wait') await sub.connect()
    await sub.subscribe(channel)
  } catch (error) {
    sub.disconnect()
    throw error
  }
  return async () => {
    sub.disconnect()
  }
}
