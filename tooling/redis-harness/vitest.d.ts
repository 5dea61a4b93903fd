/** The standalone server started once per test run by the harness's globalSetup. */
export interface SharedRedis {
  /** `redis://<host>:<port>`, or `REDIS_URL` as given. */
  readonly url: string
  readonly host: string
  readonly port: number
  /** True when it is the `REDIS_URL` server, which the harness did not start. */
  readonly external: boolean
}

/** The Redis Cluster started once per test run by the harness's globalSetup. */
export interface SharedRedisCluster {
  /** `redis://<host>:<port>` for each node (or the `REDIS_CLUSTER_URL` seeds as given). */
  readonly urls: readonly string[]
  /** The same nodes as host and port, in the same order. */
  readonly nodes: readonly { readonly host: string; readonly port: number }[]
  /** True when it is the `REDIS_CLUSTER_URL` cluster, which the harness did not start. */
  readonly external: boolean
}

declare module 'vitest' {
  export interface ProvidedContext {
    tagcacheRedis?: SharedRedis
    tagcacheRedisCluster?: SharedRedisCluster
  }
}

/**
 * The standalone server this test run shares (see `redisGlobalSetup()`). Tests
 * isolate themselves by namespace or key prefix; one that flushes, reconfigures,
 * MONITORs or stops its server starts its own with `startRedis()` instead.
 *
 * @throws Error when the package's vitest config does not run the harness's globalSetup.
 */
export declare function sharedRedis(): SharedRedis

/**
 * The Redis Cluster this test run shares (see `redisGlobalSetup({ cluster: true })`).
 *
 * @throws Error when the package's vitest config does not start a shared cluster.
 */
export declare function sharedCluster(): SharedRedisCluster
