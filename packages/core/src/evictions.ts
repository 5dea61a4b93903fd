// Entries that leave the cache without a delete, and the `evict` event that
// reports each with its reason: core removes on read what it can never serve
// again; a store that offers `onEvict` reports what it removed on its own.

import type { CacheContext } from './context.js'
import type { EvictEvent, EvictReason } from './hooks.js'
import type { Store, StoredEntry, StoreEvictionReason } from './store.js'

/**
 * @internal Lazily removes an entry core can never serve again, best effort.
 * Through the store's `deleteIfUnchanged` when it has one: a shared store (Redis) then
 * removes the entry only if it is still the one read, since a plain delete
 * sent now could land after another process's newer write of the key and
 * remove that instead. Otherwise (an in-process store) a plain `delete`.
 */
export function evictOnRead(
  ctx: CacheContext,
  key: string,
  id: string,
  reason: 'invalidated' | 'unreadable' | 'schema',
  entry: StoredEntry,
): void {
  const store = ctx.store
  if (typeof store.deleteIfUnchanged === 'function')
    store.deleteIfUnchanged(id, entry).catch(() => {})
  else store.delete(id).catch(() => {})
  emitEvict(ctx, key, reason)
}

/**
 * @internal Subscribes `ctx` to the evictions of `store` (the user's store,
 * or a bounded view of it), when it offers them: records them in unsubscribes
 * (called at close). Resolves the store's id back to the caller's key, and
 * ignores other namespaces' entries (several caches may share one store).
 * Capacity evictions count in `stats.evictions`.
 */
export function listenToStoreEvictions(ctx: CacheContext, store: Store): void {
  if (typeof store.onEvict !== 'function') return
  // Cheap when nobody watches: a counter and one check per eviction, no allocation.
  const listener = (id: string, reason: StoreEvictionReason, policy?: string): void => {
    const key = ctx.keys.keyOf(id)
    if (key === undefined) return
    if (reason === 'capacity') ctx.stats.evictions++
    if (ctx.events.watching('evict')) emitEvict(ctx, key, reason, policy)
  }
  const unsubscribe = store.onEvict(listener)
  if (typeof unsubscribe === 'function') ctx.unsubscribes.push(unsubscribe)
}

function emitEvict(ctx: CacheContext, key: string, reason: EvictReason, policy?: string): void {
  if (!ctx.events.watching('evict')) return
  const event: EvictEvent =
    policy === undefined
      ? { ...ctx.keyEvent(key), reason }
      : { ...ctx.keyEvent(key), reason, policy }
  ctx.events.emit('evict', event)
}
