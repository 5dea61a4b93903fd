// Tracking on Redis Cluster, as coredis's ClusterTrackingCache does: one
// tracking link per master (the standalone links of tracking.ts, opened over
// duplicates of the cluster client's own node clients), and reads routed to
// the link of the master that owns the key's slot, so that the server that
// will see the key change is the one that remembers this cache read it.
//
// What may have a gap is one master's invalidation stream (a disconnect or
// reconnect of one of its connections), and only the local copies (entries
// and tag versions) of the slots it owns go: the other masters still track
// theirs. A key may also come to live elsewhere than where it was read: the
// slot table changed, or a node answered MOVED, ASK or TRYAGAIN; then the
// copies of the slots concerned go. A key whose master's link is not live
// (not yet, or not again) is read untracked, and not kept. The whole local
// copy is emptied only when the cluster as a whole may have a gap: before
// every master's link was first live, silence (`maxIdle`) on a live link,
// or a cluster client that does not know every slot; it then serves again
// once every master's link is live over the slot table the client holds.
import type { RedisArg, RedisDriver } from '@tagcache/redis'
import { keySlot } from './slot.js'
import { ioredisLink, nodeRedisLink, type TrackingEvents, type TrackingLink } from './tracking.js'

/** Redis Cluster's slot count. */
const SLOTS = 16_384

/** Swallows a rejection: failures reach the link through connection events, or the next try. */
const ignore = (): void => {}

/** What the cluster link needs of a driver's cluster client. */
interface Topology {
  /** Slot -> address of the master owning it, or `undefined` while the client does not know every slot. */
  owners(): string[] | undefined
  /** A node client of master `address` to duplicate; `undefined` when the cluster client has none now. */
  client(address: string): Promise<unknown>
  /** A tracking link over duplicates of `client`, a node client from {@link Topology.client}. */
  link(client: unknown, events: TrackingEvents): TrackingLink
  /** Calls `check` on every topology event of the cluster client; returns the unsubscribe. */
  watch(check: () => void): () => void
  /**
   * Whether the cluster client, answered MOVED, refreshes its slot table and
   * then emits an event {@link Topology.watch} hears: the table is then read
   * at that event, not right after the redirection.
   */
  readonly refreshesOnRedirect: boolean
}

interface Watchable {
  on(event: string, listener: () => void): unknown
  removeListener?(event: string, listener: () => void): unknown
  off?(event: string, listener: () => void): unknown
}

function watch(emitter: Watchable, events: readonly string[], check: () => void): () => void {
  const listener = () => check()
  for (const event of events) emitter.on(event, listener)
  return () => {
    for (const event of events)
      (emitter.removeListener ?? emitter.off)?.call(emitter, event, listener)
  }
}

/** The ioredis `Cluster` members the topology reads. */
interface IoredisClusterLike extends Watchable {
  readonly slots: readonly (readonly string[] | undefined)[]
  nodes(role: 'master'): readonly { readonly options: { host?: string; port?: number } }[]
}

/**
 * ioredis: `slots[slot][0]` is the master's node key (`host:port`, after
 * `natMap`), as `nodes('master')` name theirs. Their duplicates reconnect on
 * their own (a cluster's node clients are made not to), and the tracking one
 * carries the cluster's `keyPrefix` (the cluster adds it, not its nodes).
 */
function ioredisTopology(cluster: IoredisClusterLike, base: RedisDriver): Topology {
  const overrides = {
    both: { retryStrategy: (times: number) => Math.min(100 * times, 2_000) },
    tracked: { keyPrefix: base.driverPrefix === '' ? undefined : base.driverPrefix },
  }
  return {
    owners() {
      const slots = cluster.slots
      if (slots.length < SLOTS) return undefined
      const owners: string[] = new Array(SLOTS)
      for (let i = 0; i < SLOTS; i++) {
        const master = slots[i]?.[0]
        if (master === undefined) return undefined
        owners[i] = master
      }
      return owners
    },
    async client(address) {
      return cluster
        .nodes('master')
        .find(({ options }) => `${options.host}:${options.port}` === address)
    },
    link: (client, events) => ioredisLink(client, base, events, overrides),
    watch: (check) => watch(cluster, ['+node', '-node', 'refresh', 'ready'], check),
    // On MOVED, ioredis 5 writes the new owner into the array that its table
    // shares across the redirected slot's whole range (`slots[slot][0] = key`),
    // then refreshes the table and emits `refresh`. Read before that, the
    // table says the whole range moved, and its local copies would go.
    refreshesOnRedirect: true,
  }
}

interface NodeRedisShard {
  readonly address: string
}

/** The node-redis cluster (`createCluster()`) members the topology reads. */
interface NodeRedisClusterLike extends Watchable {
  readonly slots: readonly ({ readonly master: NodeRedisShard } | undefined)[]
  readonly masters: readonly NodeRedisShard[]
  nodeClient(node: NodeRedisShard): unknown
}

/**
 * node-redis: `slots[slot].master.address` names the master as the cluster
 * announces it; `nodeClient(master)` is the cluster's own client of it (its
 * socket after `nodeAddressMap`), which the link duplicates in RESP3.
 */
function nodeRedisTopology(cluster: NodeRedisClusterLike, base: RedisDriver): Topology {
  return {
    owners() {
      const slots = cluster.slots
      if (slots.length < SLOTS) return undefined
      const owners: string[] = new Array(SLOTS)
      for (let i = 0; i < SLOTS; i++) {
        const master = slots[i]?.master.address
        if (master === undefined) return undefined
        owners[i] = master
      }
      return owners
    },
    async client(address) {
      const master = cluster.masters.find((m) => m.address === address)
      if (master === undefined) return undefined
      try {
        return await cluster.nodeClient(master)
      } catch {
        return undefined
      }
    },
    link: (client, events) => nodeRedisLink(client, base, events),
    watch: (check) =>
      watch(cluster, ['connect', 'node-ready', 'node-disconnect', 'node-reconnecting'], check),
    refreshesOnRedirect: false,
  }
}

/** Whether `error` says the key is, or may be, served by another node than the one asked. */
function redirected(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error)
  return /^(MOVED|ASK|TRYAGAIN)\b/.test(message)
}

/** One master's tracking link. */
interface NodeLink {
  readonly link: TrackingLink
  /** Its tracking is on and its invalidation stream has had no gap since. */
  live: boolean
  /** When its invalidation connection last spoke (`performance.now()`). */
  lastHeard: number
}

/**
 * A link per master of the cluster `client` (an ioredis `Cluster` or a
 * node-redis cluster), behind one {@link TrackingLink}: its driver sends
 * each command to the link of the master owning its key's slot (commands
 * name one key each). Live when every master's link is.
 */
export function clusterLink(
  client: unknown,
  base: RedisDriver,
  events: TrackingEvents,
  maxIdle: number,
): TrackingLink {
  const topology =
    base.name === 'node-redis'
      ? nodeRedisTopology(client as NodeRedisClusterLike, base)
      : ioredisTopology(client as IoredisClusterLike, base)
  return new ClusterLink(topology, base, events, maxIdle)
}

class ClusterLink implements TrackingLink {
  readonly driver: RedisDriver
  readonly #topology: Topology
  readonly #base: RedisDriver
  readonly #events: TrackingEvents
  /** Master address -> its link. */
  readonly #nodes = new Map<string, NodeLink>()
  /** The slot table the links were opened for. */
  #owners: string[] | undefined
  /** Slots whose copies a redirection dropped since the table was last read. */
  readonly #redirected = new Set<number>()
  #masters = new Set<string>()
  /** Whether the near cache was told the cluster is live (and no gap since). */
  #live = false
  #closed = false
  #reconciling: Promise<void> | undefined
  #again = false
  readonly #unwatch: () => void
  /** Milliseconds without a word from a master after which its stream counts as having a gap. */
  readonly #silentAfter: number

  constructor(topology: Topology, base: RedisDriver, events: TrackingEvents, maxIdle: number) {
    this.#topology = topology
    this.#base = base
    this.#events = events
    // Pings go every third of maxIdle, and a master answers each: half of
    // maxIdle without a word is two missed answers, found at a ping a whole
    // interval before the near cache's own maxIdle check would empty the
    // whole copy.
    this.#silentAfter = maxIdle / 2
    this.driver = {
      name: base.name,
      cluster: true,
      driverPrefix: base.driverPrefix,
      call: (args, key) => this.#call(args, key),
    }
    this.#unwatch = topology.watch(() => this.#reconcile())
    this.#reconcile()
  }

  /**
   * Sends `args` through the link of the master owning `key`'s slot. With
   * no live link for it, through the cluster client, untracked (after a gap,
   * so that nothing it finds is kept). A redirection is a gap too: the key
   * may live where this cache does not track it; the command is sent again
   * through the cluster client, which follows it.
   */
  #call(args: readonly RedisArg[], key: string | undefined): Promise<unknown> {
    const base = this.#base
    if (key === undefined) {
      // Not a read of one key (none is sent so): nothing of it is kept.
      if (this.#live) this.#gap('a command without a key')
      return base.call(args, key)
    }
    const slot = keySlot(base.driverPrefix + key)
    const address = this.#owners?.[slot]
    const node = address === undefined ? undefined : this.#nodes.get(address)
    if (node === undefined || !node.live) {
      this.#events.untracked?.(key)
      return base.call(args, key)
    }
    return node.link.driver.call(args, key).catch((error: unknown) => {
      if (!redirected(error)) throw error
      // The slot lives elsewhere, or is moving: its copies go (once until the
      // table is read again: nothing of it is kept meanwhile, every read of it
      // being redirected), and this reply is not kept.
      if (!this.#redirected.has(slot)) {
        this.#redirected.add(slot)
        this.#events.dropSlots?.(new Set([slot]), 'moved')
      }
      this.#events.untracked?.(key)
      const reply = base.call(args, key)
      return this.#topology.refreshesOnRedirect ? reply : reply.finally(() => this.#reconcile())
    })
  }

  #gap(reason: string): void {
    this.#live = false
    if (!this.#closed) this.#events.gap(reason)
  }

  /**
   * Master `address`'s invalidation stream may have a gap: the local copies
   * of the slots it owns go (its link is not live: their reads are not kept
   * until it is again). The other masters' streams had none: their slots'
   * copies keep serving.
   */
  #nodeGap(address: string, reason: string): void {
    const owners = this.#owners
    if (owners === undefined || !this.#live) {
      this.#gap(`${address}: ${reason}`)
      return
    }
    const slots = new Set<number>()
    for (let i = 0; i < SLOTS; i++) if (owners[i] === address) slots.add(i)
    this.#events.dropSlots?.(slots, 'gap')
  }

  /** When the quietest master with a live link last spoke (a master without one serves nothing). */
  #quietest(): number {
    let at = performance.now()
    for (const node of this.#nodes.values()) {
      if (node.live && node.lastHeard < at) at = node.lastHeard
    }
    return at
  }

  /** Tells the near cache the cluster is live once every master's link is, over the current slot table. */
  #maybeLive(): void {
    if (this.#live || this.#closed || this.#owners === undefined || this.#reconciling) return
    for (const address of this.#masters) if (this.#nodes.get(address)?.live !== true) return
    this.#live = true
    this.#events.live()
  }

  /** Brings the links in line with the cluster client's slot table (one run at a time). */
  #reconcile(): void {
    if (this.#closed) return
    if (this.#reconciling !== undefined) {
      this.#again = true
      return
    }
    this.#reconciling = this.#align()
      .catch(ignore)
      .finally(() => {
        this.#reconciling = undefined
        if (this.#again) {
          this.#again = false
          this.#reconcile()
        } else this.#maybeLive()
      })
  }

  async #align(): Promise<void> {
    const owners = this.#topology.owners()
    if (owners === undefined) {
      // Not connected yet, or rediscovering: the next topology event or ping tries again.
      if (this.#live) this.#gap('the cluster client does not know every slot')
      return
    }
    this.#redirected.clear()
    const previous = this.#owners
    const changed = new Set<number>()
    if (previous !== undefined) {
      for (let i = 0; i < SLOTS; i++) if (owners[i] !== previous[i]) changed.add(i)
    }
    if (previous === undefined || changed.size > 0) {
      // With the new table, synchronously: reads routed by the old one are not kept.
      if (changed.size > 0) this.#events.dropSlots?.(changed, 'moved')
      this.#owners = owners
      this.#masters = new Set(owners)
    }
    const masters = this.#masters
    for (const [address, node] of this.#nodes) {
      if (masters.has(address)) continue
      this.#nodes.delete(address)
      void node.link.close().catch(ignore)
    }
    await Promise.all(
      [...masters].filter((a) => !this.#nodes.has(a)).map((a) => this.#open(a, masters)),
    )
  }

  /** Opens the link of master `address`. */
  async #open(address: string, masters: Set<string>): Promise<void> {
    const client = await this.#topology.client(address)
    if (client === undefined || this.#closed || this.#nodes.has(address)) return
    if (this.#masters !== masters) return // the table changed meanwhile: the next run decides
    const events = this.#events
    const state = { live: false, lastHeard: performance.now() }
    const link = this.#topology.link(client, {
      invalidate: (keys) => events.invalidate(keys),
      gap: (reason) => {
        const was = state.live
        state.live = false
        // Not live already: its slots' copies went then, and nothing of them was kept since.
        if (was && this.#nodes.get(address)?.link === link) this.#nodeGap(address, reason)
      },
      live: () => {
        state.live = true
        state.lastHeard = performance.now()
        this.#maybeLive()
      },
      // One node refusing is the cluster refusing: the same ACLs and version everywhere.
      refused: (error) => events.refused(error),
      heard: () => {
        state.lastHeard = performance.now()
        events.heard(this.#quietest())
      },
    })
    // The link's events arrive later (its connections open asynchronously).
    const node: NodeLink = Object.assign(state, { link })
    this.#nodes.set(address, node)
  }

  async sync(): Promise<void> {
    await Promise.all([...this.#nodes.values()].map((node) => node.link.sync()))
  }

  ping(): void {
    this.#reconcile()
    const now = performance.now()
    let silent = false
    for (const [address, node] of this.#nodes) {
      if (node.live && now - node.lastHeard > this.#silentAfter) {
        // A master that stopped answering (frozen, stalled, cut off): its
        // slots' copies go, and its link starts over; the others keep serving.
        node.live = false
        silent = true
        this.#nodeGap(address, `silent for ${Math.round(now - node.lastHeard)} ms`)
        node.link.restart()
      }
      node.link.ping()
    }
    // The near cache's own silence check now looks at the masters still live.
    if (silent) this.#events.heard(this.#quietest())
  }

  restart(): void {
    // Every link goes live again only once it has re-established tracking.
    this.#live = false
    for (const node of this.#nodes.values()) {
      node.live = false
      node.link.restart()
    }
    this.#reconcile()
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#live = false
    this.#unwatch()
    const links = [...this.#nodes.values()].map((node) => node.link)
    this.#nodes.clear()
    await Promise.allSettled(links.map((link) => link.close()))
  }
}
