/**
 * The Redis protocol shared by tagcache's Redis adapters: the entry format,
 * the Lua scripts, tag hints and a Store over a minimal driver interface.
 * Adapters for Redis clients implement {@link RedisDriver} and call
 * {@link createRedisStore}; entries stay readable across adapters.
 *
 * @experimental
 * @packageDocumentation
 */
export type { RedisArg, RedisDriver } from './driver.js'
export {
  type DecodedEntry,
  decodeEntry,
  ENTRY_FORMAT_VERSION,
  ENTRY_HEADER_BYTES,
  encodeEntry,
  MAX_ENTRY_TAGS,
} from './entry-format.js'
export {
  REDIS_BOUNDED_INTERNALS,
  REDIS_STORE_INTERNALS,
  type RedisBoundedInternals,
  type RedisStoreInternals,
  redisBoundedInternals,
  redisStoreInternals,
} from './internals.js'
export type { RedisStoreOptions, ResolvedRedisStoreOptions } from './options.js'
export { createRedisStore } from './redis-store.js'
export {
  BOUNDED_DELETE_SCRIPT,
  type BoundedScripts,
  boundedScripts,
  DELETE_IF_SCRIPT,
  EXPIRE_SCRIPT,
  GET_OR_CAPTURE_SCRIPT,
  GET_SCRIPT,
  HINTED_GET_SCRIPT,
  type LuaScript,
  SET_SCRIPT,
  TAGS_SCRIPT,
} from './scripts/index.js'
