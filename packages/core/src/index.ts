export { createCache } from './cache.js'
// The public types of the Cache API (Cache, SetOptions, WrapOptions, CachedOptions...).
export type * from './cache-api.js'
export { type ChannelEvent, channelNames } from './diagnostics.js'
export {
  CacheMiss,
  CircuitOpenError,
  DeserializationError,
  FactoryTimeoutError,
  InvalidOptionsError,
  isTagCacheError,
  SchemaMismatchError,
  SerializationError,
  StoreError,
  TagCacheError,
  type TagCacheErrorCode,
  TimeoutError,
} from './errors.js'
export {
  type BreakerEvent,
  type BreakerState,
  type CacheOperation,
  type ErrorEvent,
  type EvictEvent,
  type EvictReason,
  HOOK_METHODS,
  type Hook,
  type HookErrorEvent,
  type HookEventBase,
  type InvalidateEvent,
  type KeyEvent,
  type OperationEndEvent,
  type OperationOutcome,
  type OperationStartEvent,
  type SetEvent,
} from './hooks.js'
export {
  type CacheOptions,
  type ErrorContext,
  type OnErrorHandler,
  validateOptions,
} from './options.js'
export type { EvictionPolicy, LocalPolicy, PolicyEntry, PolicyName } from './policy.js'
export { jsonSerializer, type Serializer } from './serializer.js'
export type { StandardSchemaV1 } from './standard-schema.js'
export type { CacheStats } from './stats.js'
export {
  type BoundedStore,
  type BoundOptions,
  EntryMemo,
  type GetOrCaptureResult,
  type KeyRecord,
  READ_ASYNC,
  type Store,
  type StoreCapabilities,
  type StoredEntry,
  type StoreEvictionReason,
  type StoreEvictListener,
  type StoreWrite,
  type StoreWriteWithKey,
} from './store.js'
export { parseTtl, type Ttl } from './ttl.js'
export {
  anchorOf,
  compareVersion,
  createTagVersion,
  isTagVersion,
  softVersion,
} from './versions.js'
