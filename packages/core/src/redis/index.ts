/**
 * The Redis protocol shared by tagcache's Redis adapters: the entry format,
 * the Lua scripts and a Store over a minimal driver interface. Adapters for
 * other Redis clients implement {@link RedisDriver} and call
 * {@link createRedisStore}; entries stay readable across adapters.
 *
 * @experimental
 * @packageDocumentation
 */
export { type DecodedEntry, decodeEntry, encodeEntry } from './entry-format.js'
export {
  createRedisStore,
  type RedisArg,
  type RedisDriver,
  type RedisStoreOptions,
} from './redis-store.js'
export {
  EXPIRE_SCRIPT,
  GET_OR_CAPTURE_SCRIPT,
  GET_SCRIPT,
  HINTED_GET_SCRIPT,
  type LuaScript,
  SET_SCRIPT,
  TAGS_SCRIPT,
} from './scripts.js'
