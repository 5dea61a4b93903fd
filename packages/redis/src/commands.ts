import { StoreError, type StoreWrite } from '@tagcache/core'
import type { RedisArg, RedisDriver } from './driver.js'
import type { LuaScript } from './scripts/index.js'

/** Sends commands and scripts through a driver, turning its failures into `StoreError`s. */
export class Commands {
  readonly driver: RedisDriver
  /** The store's key prefix, as the driver sends keys. */
  readonly prefix: string
  /** Prefix of keys as Lua and entries see them: the driver's own prefix, then the store's. */
  readonly luaPrefix: string

  constructor(driver: RedisDriver, prefix: string) {
    this.driver = driver
    this.prefix = prefix
    this.luaPrefix = driver.driverPrefix + prefix
  }

  /** `EVALSHA` of `script` (`prebuilt`: that command, built ahead), `EVAL` after NOSCRIPT. */
  script(
    script: LuaScript,
    keys: readonly string[],
    args: readonly RedisArg[],
    operation: string,
    prebuilt?: readonly RedisArg[],
  ): Promise<unknown> {
    const n = String(keys.length)
    let command = prebuilt
    if (command === undefined) {
      const built: RedisArg[] = ['EVALSHA', script.sha, n]
      for (const key of keys) built.push(key)
      for (const arg of args) built.push(arg)
      command = built
    }
    return this.driver.call(command, keys[0]).catch((error: unknown) => {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        // First use on this server (or after SCRIPT FLUSH / failover): EVAL loads it.
        return this.call(['EVAL', script.lua, n, ...keys, ...args], keys[0], operation)
      }
      throw this.wrap(error, operation)
    })
  }

  call(args: readonly RedisArg[], key: string | undefined, operation: string): Promise<unknown> {
    return this.driver.call(args, key).catch((error: unknown) => {
      throw this.wrap(error, operation)
    })
  }

  /** `MGET` of `keys` (one command, or one per key on a cluster): a key of another type reads as nil. */
  mget(keys: readonly string[], operation: string): Promise<(Buffer | null)[]> {
    if (keys.length === 0) return Promise.resolve([])
    if (!this.driver.cluster) {
      return this.call(['MGET', ...keys], keys[0], operation) as Promise<(Buffer | null)[]>
    }
    return Promise.all(
      keys.map(async (key) => {
        const [value] = (await this.call(['MGET', key], key, operation)) as (Buffer | null)[]
        return value ?? null
      }),
    )
  }

  wrap(error: unknown, operation: string): StoreError {
    if (error instanceof StoreError) return error
    const message = error instanceof Error ? error.message : String(error)
    return new StoreError(
      `[tagcache] [${this.driver.name}] ${operation} failed: ${message}; expected Redis to accept the command (is the server reachable and the user allowed on keys ${JSON.stringify(`${this.prefix}*`)}?)`,
      { cause: error },
    )
  }
}

/** A ttl in ms as the scripts and `PX` take it: `'0'` for none, else a whole number >= 1. */
export function ttlArg(ttl: number): string {
  return Number.isFinite(ttl) ? String(Math.max(1, Math.round(ttl))) : '0'
}

/** A `Buffer` over the same bytes, without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * A write's captured versions, checked to be one per tag; `undefined` when
 * the write has none (the store then chooses versions itself).
 * @throws TypeError when their number differs from the tags'.
 */
export function checkedCaptured(store: string, write: StoreWrite): readonly string[] | undefined {
  const captured = write.captured
  if (captured !== undefined && captured.length !== write.tags.length) {
    throw new TypeError(
      `[tagcache] [${store}] ${captured.length} captured versions for ${write.tags.length} tags; expected one per tag`,
    )
  }
  return captured
}
