// The connections a near cache opens beside the store's client, one pair
// (ioredis) or one connection (node-redis) per near cache, and what they
// tell it: which keys changed, and when the invalidation stream may have a
// gap (then the local copy is emptied before it serves again).
//
// Tracking is Redis's default mode (not BCAST): the server remembers the
// keys each read through the tracking connection touched, entries and tag
// versions alike (keys a Lua script reads are tracked too), and tells this
// client once when one of them changes, expires or is evicted.
import type { RedisDriver } from '@tagcache/redis'

/** What a tracking link reports to the near cache. */
export interface TrackingEvents {
  /** Redis says these keys (as Redis names them) changed; `null`: everything (FLUSHALL/FLUSHDB). */
  invalidate(keys: readonly (string | Buffer)[] | null): void
  /** The stream of invalidations may have a gap from now on: empty the local copy, stop storing. */
  gap(reason: string): void
  /** Tracking is (again) on and every later read through the link is tracked. */
  live(): void
  /** Redis refused to track (an error reply to `CLIENT TRACKING` or `CLIENT ID`): it will not be retried. */
  refused(error: unknown): void
  /**
   * Anything heard on the invalidation connection (a message, a pong);
   * `at`: when the quietest of several connections last spoke (cluster).
   */
  heard(at?: number): void
  /**
   * Cluster: the local copies (entries and tag versions) of keys hashing to
   * these slots go, and replies of reads in flight are not kept; the rest of
   * the copy, tracked by masters whose streams had no gap, keeps serving.
   * `'moved'`: the slots may now live on another master than the one that
   * tracked this cache's reads (the slot table changed, or a node redirected
   * a read). `'gap'`: their master's invalidation stream may have a gap.
   */
  dropSlots?(slots: ReadonlySet<number>, why: 'moved' | 'gap'): void
  /**
   * Cluster: `key` (as the store names it, before the driver's prefix) is
   * being read untracked (its master's link is not live yet): the reply is
   * served, not kept.
   */
  untracked?(key: string): void
}

/** The connections of one near cache. */
export interface TrackingLink {
  /** Sends through the tracking connection: reads through it are tracked. */
  readonly driver: RedisDriver
  /**
   * Resolves once every invalidation Redis had queued for this client when
   * it was called has been handed to {@link TrackingEvents.invalidate}
   * (a PING on the invalidation connection, answered after them).
   */
  sync(): Promise<void>
  /** Pings the invalidation connection (the answer counts as heard). */
  ping(): void
  /** Forces a new session: reconnects the invalidation connection (ioredis) or re-issues tracking. */
  restart(): void
  /** Closes the connections the link opened. */
  close(): Promise<void>
}

/** The ioredis `Redis` members a link uses. */
interface IoredisLike {
  readonly status: string
  duplicate(options?: object): IoredisLike
  connect(): Promise<void>
  call(...args: (string | number)[]): Promise<unknown>
  subscribe(channel: string): Promise<unknown>
  ping(): Promise<unknown>
  quit(): Promise<unknown>
  disconnect(reconnect?: boolean): void
  on(event: string, listener: (...args: never[]) => void): unknown
}

/** The node-redis client members a link uses. */
interface NodeRedisLike {
  readonly isReady?: boolean
  duplicate(overrides?: object): NodeRedisLike
  connect(): Promise<unknown>
  sendCommand(args: readonly string[]): Promise<unknown>
  close?(): Promise<unknown>
  quit?(): Promise<unknown>
  destroy?(): void
  on(event: string, listener: (...args: never[]) => void): unknown
}

const INVALIDATE_CHANNEL = '__redis__:invalidate'

/**
 * Whether `error` is Redis's error reply to a command (ioredis `ReplyError`,
 * node-redis `ErrorReply` and its subclasses), not a connection failure.
 */
export function isErrorReply(error: unknown): boolean {
  for (let p = error; typeof p === 'object' && p !== null; p = Object.getPrototypeOf(p)) {
    const name = (p as { constructor?: { name?: unknown } }).constructor?.name
    if (name === 'ReplyError' || name === 'ErrorReply') return true
  }
  return false
}

/** Swallows a rejection: connection failures reach the link through connection events. */
const ignore = (): void => {}

/**
 * ioredis: a tracking connection (a duplicate of the client) with
 * `CLIENT TRACKING ON REDIRECT <id>` pointing at a listener connection in
 * RESP2, subscribed to `__redis__:invalidate` and read with `messageBuffer`
 * (ioredis 6 drops RESP3 pushes, and its `message` event joins the key
 * array into one string). The redirect id changes whenever the listener
 * reconnects, and Redis tells no one when a redirect target goes away: any
 * close of either connection is a gap, and tracking is re-issued once both
 * are back. `overrides` are options for the duplicates (a cluster's node
 * clients: a retry strategy of their own, the cluster's `keyPrefix`).
 */
export function ioredisLink(
  client: unknown,
  base: RedisDriver,
  events: TrackingEvents,
  overrides: { both?: object; tracked?: object } = {},
): TrackingLink {
  const source = client as IoredisLike
  // No auto-resubscribe: the listener's client id must be read before it subscribes.
  const listener = source.duplicate({
    ...overrides.both,
    lazyConnect: true,
    autoResubscribe: false,
    enableOfflineQueue: true,
    protocol: 2,
  })
  const tracked = source.duplicate({
    ...overrides.both,
    ...overrides.tracked,
    lazyConnect: true,
    enableOfflineQueue: true,
  })
  let closed = false
  /** Bumped by every gap: an establishment begun before one does not go live. */
  let attempt = 0
  /** The listener's client id once it has subscribed, until it closes. */
  let subscribed: Promise<string> | undefined
  const subscribe = async () => {
    const id = await listener.call('CLIENT', 'ID')
    await listener.subscribe(INVALIDATE_CHANNEL)
    return String(id)
  }
  const establish = async () => {
    const mine = ++attempt
    if (closed || listener.status !== 'ready' || tracked.status !== 'ready') return
    try {
      subscribed ??= subscribe()
      const id = await subscribed
      await tracked.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', id)
      if (mine === attempt && !closed) events.live()
    } catch (error) {
      // Refused (CLIENT ID or CLIENT TRACKING answered with an error): said once, not retried.
      if (isErrorReply(error)) {
        subscribed = undefined
        if (!closed) events.refused(error)
        return
      }
      // A connection failed meanwhile: its close event starts the next attempt
      // (and a listener that failed to subscribe tries again then).
      if (listener.status !== 'ready') subscribed = undefined
    }
  }
  const gap = (reason: string) => {
    attempt++
    if (!closed) events.gap(reason)
  }
  listener.on('close', () => {
    subscribed = undefined
    gap('the invalidation connection closed')
  })
  tracked.on('close', () => gap('the tracking connection closed'))
  listener.on('ready', () => void establish())
  tracked.on('ready', () => void establish())
  listener.on('error', ignore)
  tracked.on('error', ignore)
  listener.on('messageBuffer', ((channel: Buffer, message: unknown) => {
    events.heard()
    if (channel.toString() !== INVALIDATE_CHANNEL) return
    events.invalidate(Array.isArray(message) ? (message as Buffer[]) : null)
  }) as (...args: never[]) => void)
  listener.connect().catch(ignore)
  tracked.connect().catch(ignore)
  return {
    driver: withClient(base, tracked),
    async sync() {
      await listener.ping()
    },
    ping() {
      if (listener.status === 'ready') listener.ping().then(() => events.heard(), ignore)
    },
    restart() {
      // The close that follows is the gap; the reconnect re-establishes tracking.
      listener.disconnect(true)
    },
    async close() {
      closed = true
      attempt++
      await Promise.allSettled([listener.quit(), tracked.quit()])
    },
  }
}

/**
 * node-redis: one RESP3 duplicate of the client with `emitInvalidate`
 * (node-redis sends `CLIENT TRACKING ON` in its handshake on every
 * connection, and emits each invalidated key), its replies and pushes on one
 * socket, in order. A reconnect is a gap; tracking is checked
 * (`CLIENT TRACKINGINFO`) before the link goes live again.
 */
export function nodeRedisLink(
  client: unknown,
  base: RedisDriver,
  events: TrackingEvents,
): TrackingLink {
  const source = client as NodeRedisLike
  const tracked = source.duplicate({ RESP: 3, emitInvalidate: true, clientSideCache: undefined })
  let closed = false
  let attempt = 0
  /** Redis refused tracking: said once, the connection dropped. */
  let refused = false
  const establish = async () => {
    const mine = ++attempt
    try {
      const info = await tracked.sendCommand(['CLIENT', 'TRACKINGINFO'])
      if (!trackingOn(info)) await tracked.sendCommand(['CLIENT', 'TRACKING', 'ON'])
      if (mine === attempt && !closed) events.live()
    } catch (error) {
      if (isErrorReply(error) && !refused && !closed) {
        refused = true
        events.refused(error)
        return
      }
      // The connection failed meanwhile: its next ready starts another attempt.
    }
  }
  const gap = (reason: string) => () => {
    attempt++
    if (!closed) events.gap(reason)
  }
  // node-redis sends CLIENT TRACKING ON in its handshake: refused, the
  // handshake fails and the client would retry forever. Said once; the
  // connection is dropped (reads then go to the store's own client).
  const failed = gap('the tracking connection failed')
  tracked.on('error', ((error: unknown) => {
    failed()
    if (refused || closed || !isErrorReply(error)) return
    refused = true
    events.refused(error)
    tracked.destroy?.()
  }) as (...args: never[]) => void)
  tracked.on('reconnecting', gap('the tracking connection reconnects'))
  tracked.on('end', gap('the tracking connection closed'))
  tracked.on('ready', () => void establish())
  tracked.on('invalidate', ((key: Buffer | string | null) => {
    events.heard()
    events.invalidate(key === null ? null : [key])
  }) as (...args: never[]) => void)
  // The first 'ready' establishes tracking.
  tracked.connect().catch(ignore)
  return {
    driver: withClient(base, tracked),
    async sync() {
      await tracked.sendCommand(['PING'])
    },
    ping() {
      if (tracked.isReady !== false)
        tracked.sendCommand(['PING']).then(() => events.heard(), ignore)
    },
    restart() {
      // The near cache has emptied its copy already; check tracking before it fills again.
      attempt++
      void establish()
    },
    async close() {
      closed = true
      attempt++
      if (refused) return // destroyed already
      try {
        await (tracked.close ?? tracked.quit)?.call(tracked)
      } catch {
        tracked.destroy?.()
      }
    },
  }
}

/** Whether a `CLIENT TRACKINGINFO` reply (RESP3 map, or RESP2 array) lists the flag `on`. */
function trackingOn(info: unknown): boolean {
  let flags: unknown
  if (info instanceof Map) flags = info.get('flags') ?? info.get(Buffer.from('flags'))
  else if (Array.isArray(info)) flags = info[info.findIndex((x) => String(x) === 'flags') + 1]
  else if (typeof info === 'object' && info !== null) flags = (info as { flags?: unknown }).flags
  return Array.isArray(flags) && flags.some((f) => String(f) === 'on')
}

function withClient(base: RedisDriver, client: unknown): RedisDriver {
  if (base.withClient === undefined) {
    throw new TypeError(
      `[tagcache] [near] the ${base.name} driver cannot open a connection of its own; expected a store made by ioredisStore() or nodeRedisStore()`,
    )
  }
  return base.withClient(client)
}
