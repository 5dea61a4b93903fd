/** Options for {@link startRedis}. */
export interface StartRedisOptions {
  /**
   * Extra `redis-server` command-line arguments, e.g. `['--maxmemory', '10mb']`.
   * They may override the defaults `--save ''`, `--appendonly no` and
   * `--repl-diskless-sync-delay 0`, but not `--bind`, `--port`, `--daemonize`,
   * `--dir`, `--logfile` or (for cluster nodes) the `--cluster-*` options,
   * which the harness controls.
   */
  args?: readonly string[]
}

/** A running standalone redis-server started by {@link startRedis}. */
export interface RedisServer {
  /** Always the loopback address. */
  readonly host: '127.0.0.1'
  /** The TCP port the server listens on. */
  readonly port: number
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string
  /**
   * Stops the server (SIGTERM, then SIGKILL after 2 s) and removes its temp
   * directory. Resolves once the process has exited; safe to call more than once.
   */
  stop(): Promise<void>
}

/** Options for {@link startCluster}. */
export interface StartClusterOptions {
  /** Number of master nodes; at least 3 (the Redis Cluster minimum). Defaults to 3. */
  masters?: number
  /** Number of replicas per master. Defaults to 0. */
  replicas?: number
  /** Extra `redis-server` arguments for every node, as in {@link StartRedisOptions.args}. */
  args?: readonly string[]
}

/** The address of one cluster node. */
export interface RedisClusterNode {
  /** Always the loopback address. */
  readonly host: '127.0.0.1'
  /** The node's client port. */
  readonly port: number
}

/** A running Redis Cluster started by {@link startCluster}. */
export interface RedisCluster {
  /**
   * Every node, masters and replicas alike; which node got which role is
   * decided by `redis-cli --cluster create`.
   */
  readonly nodes: readonly RedisClusterNode[]
  /** `redis://127.0.0.1:<port>` for each of {@link RedisCluster.nodes}, in the same order. */
  readonly urls: readonly string[]
  /** Stops every node and removes their temp directories; safe to call more than once. */
  stop(): Promise<void>
}

/**
 * Starts a standalone `redis-server` on a free 127.0.0.1 port, with
 * `--save '' --appendonly no --daemonize no` and a temp `--dir`, and resolves
 * once it answers PING. The process is killed when the current process exits
 * or receives SIGINT/SIGTERM, even if {@link RedisServer.stop} is never called.
 *
 * @throws Error when `redis-server` is not on `PATH`, or the server does not come up.
 */
export declare function startRedis(options?: StartRedisOptions): Promise<RedisServer>

/**
 * Starts `masters * (1 + replicas)` cluster-enabled `redis-server` processes on
 * free 127.0.0.1 ports, creates the cluster with
 * `redis-cli --cluster create ... --cluster-yes`, and resolves once every node
 * reports `cluster_state:ok` and knows every other node, and every replica's
 * link to its master is up (20 s timeout). Needs `redis-cli` on `PATH`.
 *
 * @throws RangeError when `masters < 3` or `replicas < 0`.
 * @throws Error when `redis-server` or `redis-cli` is not on `PATH`, or the cluster does not come up.
 */
export declare function startCluster(options?: StartClusterOptions): Promise<RedisCluster>

/**
 * The `REDIS_URL` environment variable (`undefined` when unset or blank): when
 * set, tests should use that external server instead of starting one.
 */
export declare function redisUrlFromEnv(): string | undefined

/** The absolute path of `redis-server` found on `PATH`, or `undefined` when it is not installed. */
export declare function findRedisServer(): string | undefined

/**
 * Runs `fn` while a `MONITOR` connection watches the server, and returns the
 * names (lower case) of the commands clients sent meanwhile, leaving out those
 * scripts ran inside Redis. Tests use it to hold the round-trip budget.
 */
export declare function commandsSent(
  server: { readonly host?: string; readonly port: number },
  fn: () => Promise<unknown>,
): Promise<string[]>

/**
 * The `REDIS_CLUSTER_URL` environment variable split on commas (`undefined` when
 * unset or blank): node URLs of an external Redis Cluster tests should use
 * instead of starting one. One seed node is enough.
 */
export declare function redisClusterUrlsFromEnv(): string[] | undefined

/**
 * The absolute paths of the vitest `globalSetup` files that start, once per
 * test run of a package, one standalone server (or use `REDIS_URL`) and, with
 * `cluster: true`, one Redis Cluster (or use `REDIS_CLUSTER_URL`). Test files
 * read them with `sharedRedis()` / `sharedCluster()` from
 * `@tagcache/redis-harness/vitest`; they stop when the run ends.
 *
 * ```ts
 * export default defineTestConfig({ test: { globalSetup: redisGlobalSetup({ cluster: true }) } })
 * ```
 */
export declare function redisGlobalSetup(options?: { cluster?: boolean }): string[]

/**
 * The standalone server tests should use: the external one named by `REDIS_URL`
 * when set (never stopped or flushed: tests isolate themselves by key prefix or
 * namespace), otherwise a throwaway server from {@link startRedis}.
 */
export declare function redisForTests(): Promise<{
  readonly url: string
  readonly external: boolean
  stop(): Promise<void>
}>

/** A TCP proxy started by {@link startProxy}. */
export interface TcpProxy {
  /** Always the loopback address. */
  readonly host: '127.0.0.1'
  /** The port clients connect to instead of the target's. */
  readonly port: number
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string
  /** Sockets open through the proxy right now, client and upstream sides alike. */
  readonly connections: number
  /**
   * Chunks the proxy has read from its clients so far, all connections
   * together: one per read that returned data. TCP keeps no write
   * boundaries, so writes that reach the proxy before it reads are read as
   * one chunk; a write (below 64 KiB, over loopback) is never split. The
   * count is thus at most the number of socket writes the clients made, and
   * fewer when the proxy reads late. To see separate writes that a client
   * makes in one tick of the caller's thread, start the proxy with
   * `thread: true`: on the caller's own loop it reads only after that tick,
   * when most of them have arrived together.
   */
  readonly chunks: number
  /**
   * Resets every connection through the proxy (the client sees the link fail,
   * as when the server crashes or the network partitions) and refuses new
   * ones until {@link TcpProxy.restore}. Resolves once every socket is closed.
   */
  cut(): Promise<void>
  /** Lets new connections through again. Open ones stay closed: clients reconnect. */
  restore(): void
  /** Cuts every connection and stops listening. */
  close(): Promise<void>
}

/** Options for {@link startProxy}. */
export interface StartProxyOptions {
  /**
   * Run the proxy on a worker thread instead of the caller's event loop, so
   * that it reads while the caller's thread is still writing (see
   * {@link TcpProxy.chunks}). `connections`, `chunks` and `restore()` stay
   * synchronous. Defaults to false.
   */
  thread?: boolean
}

/**
 * Starts a TCP proxy on a free 127.0.0.1 port that forwards each connection
 * to `target` (default host 127.0.0.1), so that a test can cut a client off its
 * server ({@link TcpProxy.cut}) and let it reconnect ({@link TcpProxy.restore})
 * while the server itself keeps running and keeps its data, or count the
 * chunks a client's writes arrive in ({@link TcpProxy.chunks}).
 */
export declare function startProxy(
  target: {
    readonly host?: string
    readonly port: number
  },
  options?: StartProxyOptions,
): Promise<TcpProxy>

/**
 * Begins an outage for clients connected through `proxies` (one proxy, or one
 * per cluster node, see {@link proxiesForCluster}): cuts them all at once
 * ({@link TcpProxy.cut}), then waits (up to 30 s) until `ready()`, the clients'
 * own view of their connection, turns false. `ready` may be async, e.g. a
 * probe command that must fail. The returned `restore()` lets connections
 * through again and resolves once `ready()` is true (up to 30 s).
 */
export declare function outage(
  proxies: TcpProxy | readonly TcpProxy[],
  ready: () => boolean | Promise<boolean>,
): Promise<{ restore(): Promise<void> }>

/** Sends one raw command with an adapter's own client. */
export type RawCommand = (args: (string | Buffer)[]) => Promise<unknown>

/**
 * The Store contract harness's direct-access hooks for a Redis store, over
 * `send` (one raw command with the adapter's client). `prefix` is the store's
 * key prefix, `'tagcache:'` by default.
 */
export declare function rawKeyHooks(
  send: RawCommand,
  prefix?: string,
): {
  /** `DEL`s the tag version, as eviction would. */
  dropTagVersion(tagId: string): Promise<void>
  /** Leaves binary bytes (`'bytes'`) or a hash (`'type'`) under the version key. */
  corruptTagVersion(tagId: string, kind: 'bytes' | 'type'): Promise<void>
  /**
   * How many entry ids each shard of the bounded cache `id` indexes: `ZCARD`
   * of `<prefix>{<id>:<shard>}#i` (the Redis stores' layout), per shard.
   */
  boundedIndexSizes(id: string, shards: number): Promise<number[]>
}

/**
 * A proxy ({@link startProxy}) in front of the Redis at `url`, and the URL
 * that reaches Redis through it, for clients an outage test will cut off.
 */
export declare function proxyFor(url: string): Promise<{ proxy: TcpProxy; url: string }>

/** The proxies {@link proxiesForCluster} put in front of a Redis Cluster. */
export interface ClusterProxies {
  /** One proxy per node; pass them to {@link outage} to cut the whole cluster off. */
  readonly proxies: readonly TcpProxy[]
  /** The proxies' addresses, as seed (root) nodes for a cluster client. */
  readonly seeds: readonly { readonly host: string; readonly port: number }[]
  /**
   * Each node's address as the cluster announces it (`'host:port'`) to the
   * proxy in front of it: ioredis' `natMap`, node-redis' `nodeAddressMap`, so
   * that the client reaches every node it discovers through its proxy.
   */
  readonly addressMap: Readonly<Record<string, { host: string; port: number }>>
  /** Closes every proxy. */
  close(): Promise<void>
}

/**
 * A proxy ({@link startProxy}) in front of every node of the Redis Cluster
 * `seeds` belong to: the seeds and every node the first one lists in
 * `CLUSTER NODES`. For cluster clients an outage test will cut off.
 *
 * @throws RangeError when `seeds` is empty.
 */
export declare function proxiesForCluster(
  seeds: readonly { readonly host: string; readonly port: number }[],
): Promise<ClusterProxies>
