/** An argument of a Redis command: binary data always arrives as a `Buffer`. */
export type RedisArg = string | Buffer

/**
 * The little a Redis client must offer to back a tagcache Store. Adapters
 * (`@tagcache/ioredis`, `@tagcache/node-redis`) implement it over their driver.
 *
 * @experimental
 */
export interface RedisDriver {
  /** Name used in errors, e.g. `'ioredis'`. */
  readonly name: string
  /** True for a Redis Cluster client: multi-key work is then split per key. */
  readonly cluster: boolean
  /**
   * A prefix the driver itself adds to every key it sends (ioredis
   * `keyPrefix`), so that keys built inside Lua can add it too. `''` if none.
   */
  readonly driverPrefix: string
  /**
   * How to read an entry whose tag keys the store remembers (see
   * `RedisStoreOptions.tagHints`); both are one round trip, atomic, and
   * far cheaper for Redis than the full Lua read. `'mget'`: one plain `MGET`
   * of the entry and its tag versions, compared in JavaScript. `'script'`: a
   * short script does that `MGET` and the comparison in Redis and replies with
   * one bulk string, for clients that pay much per reply element. Measured:
   * node-redis is fastest with `'mget'`; ioredis spends about a sixth less
   * client CPU per read with `'script'`, while `'mget'` costs Redis less (on
   * a 2-core machine running both, ioredis then got 1.1-1.2x the reads).
   * @default 'script'
   */
  readonly hintedReads?: 'mget' | 'script'
  /**
   * Sends one command. Bulk strings must come back as `Buffer`s (binary safe),
   * arrays as arrays, nil as `null`. `key` is the first key of the command,
   * for cluster routing. Commands issued without awaiting each other must be
   * pipelined (sent without waiting for replies), and on a standalone
   * client run in the order they were issued.
   */
  call(args: readonly RedisArg[], key?: string): Promise<unknown>
  /**
   * Optional: subscribes to `channel` on a connection of the driver's own
   * (a duplicate of its client: a subscribed connection sends no other
   * commands), calling `listener` with each message's bytes, and resolves
   * the function that closes that connection. The store opens it on the
   * first wait for a stampede lock, so that waiters hear the holder's
   * release (`Store.awaitUnlock`); without it they poll.
   */
  subscribe?(channel: string, listener: (message: Buffer) => void): Promise<() => Promise<void>>
  /**
   * The client the driver sends through, as the adapter was given it.
   * `@tagcache/near` duplicates it to open connections of its own.
   * @internal For `@tagcache/near`; adapters set it, other drivers may leave it out.
   */
  readonly client?: unknown
  /**
   * The same driver (same options) over another client of the same kind, e.g.
   * a duplicate of {@link RedisDriver.client}.
   * @internal For `@tagcache/near`; adapters set it, other drivers may leave it out.
   */
  readonly withClient?: (client: unknown) => RedisDriver
}
