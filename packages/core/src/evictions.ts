// Entries that leave the cache without a delete, and the `evict` event that
// reports each with its reason: core removes on read what it can never serve
// again; a store that offers `onEvict` reports what it removed on its own.

import type { CacheContext } from './context.js'
import type { EvictReason } from './hooks.js'
import type { StoreEvictionReason } from './store.js'

/** @internal Lazily removes an entry core can never serve again. Best effort. */
export function evictOnRead(
  ctx: CacheContext,
  key: string,
  id: string,
  reason: 'invalidated' | 'unreadable' | 'schema',
): void {
  ctx.store.delete(id).catch(() => {})
  emitEvict(ctx, key, reason)
}

/**
 * @internal Subscribes `ctx` to its store's own evictions, when the store
 * offers them. Resolves the store's id back to the caller's key, and ignores
 * other namespaces' entries (several caches may share one store). Returns the
 * unsubscribe function, or undefined.
 */
export function listenToStoreEvictions(ctx: CacheContext): (() => void) | undefined {
  const store = ctx.store
  if (typeof store.onEvict !== 'function') return undefined
  // Cheap when nobody watches: one check per eviction, no allocation.
  const listener = (id: string, reason: StoreEvictionReason): void => {
    if (!ctx.events.watching('evict')) return
    const key = ctx.keys.keyOf(id)
    if (key !== undefined) emitEvict(ctx, key, reason)
  }
  const unsubscribe = store.onEvict(listener)
  return typeof unsubscribe === 'function' ? unsubscribe : undefined
}

function emitEvict(ctx: CacheContext, key: string, reason: EvictReason): void {
  if (ctx.events.watching('evict')) ctx.events.emit('evict', { ...ctx.keyEvent(key), reason })
}
