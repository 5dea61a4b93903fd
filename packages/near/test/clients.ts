import type {
  BoundedStore,
  BoundOptions,
  Store,
  StoreWrite,
  StoreWriteWithKey,
} from '@tagcache/core'
import { type RawCommand, rawKeyHooks } from '@tagcache/redis-harness'
import type { NearCache } from '../src/index.js'

/**
 * The contract harness's raw-key hooks over `send`, each change of a tag
 * version applied by `near` before it resolves: a raw DEL or overwrite of a
 * tag version reaches the near cache as an invalidation (`near.sync()`).
 */
export function syncedKeyHooks(send: RawCommand, near: NearCache) {
  const hooks = rawKeyHooks(send)
  return {
    ...hooks,
    async dropTagVersion(tagId: string) {
      await hooks.dropTagVersion(tagId)
      await near.sync()
    },
    async corruptTagVersion(tagId: string, kind: 'bytes' | 'type') {
      await hooks.corruptTagVersion(tagId, kind)
      await near.sync()
    },
  }
}

/**
 * `store` as another process would hold it, for the contract suite's peer
 * tests: each change it makes resolves only once `near` has applied the
 * invalidations Redis sent about it (`near.sync()`). The near cache is
 * coherent within one invalidation message, not at once: this is the
 * contract's "seen at once" for a reader whose messages have arrived.
 */
export function syncedPeer<S extends Store>(store: S, near: () => NearCache): S {
  const after =
    <A extends unknown[], R>(op: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await op(...args)
      await near().sync()
      return result
    }
  const bounded = store.bounded
  const peer = {
    ...bindAll(store),
    set: after((key: string, write: StoreWrite) => store.set(key, write)),
    setMany: after((writes: readonly StoreWriteWithKey[]) => store.setMany(writes)),
    delete: after((key: string) => store.delete(key)),
    deleteMany: after((keys: readonly string[]) => store.deleteMany(keys)),
    invalidate: after((tags: readonly string[], version: string, ttl: number) =>
      store.invalidate(tags, version, ttl),
    ),
    expire: after((key: string, ttl: number) => store.expire(key, ttl)),
    tagVersions: after((tags: readonly string[], candidate: string, ttl: number) =>
      store.tagVersions(tags, candidate, ttl),
    ),
  }
  if (bounded !== undefined) {
    // Its bounded views are peers too (their writes evict, and are synced).
    ;(peer as Store).bounded = (options: BoundOptions): BoundedStore => {
      const view = bounded.call(store, options)
      const synced = syncedPeer(view, near)
      return Object.assign(synced, {
        policy: view.policy,
        dropIndex: () => view.dropIndex(),
        onEvict: view.onEvict?.bind(view),
      })
    }
  }
  return peer as unknown as S
}

/** The store's methods bound to it, as an object of its own. */
function bindAll(store: Store): Store {
  const out: Record<string, unknown> = { name: store.name }
  for (const key of [
    'get',
    'getMany',
    'set',
    'setMany',
    'delete',
    'deleteMany',
    'tagVersions',
    'getOrCapture',
    'invalidate',
    'ttl',
    'expire',
    'lock',
    'unlock',
  ] as const) {
    const method = store[key]
    if (typeof method === 'function') out[key] = method.bind(store)
  }
  return out as unknown as Store
}

/** Polls `check` until it holds or `ms` pass; resolves how long it took. */
export async function eventually(check: () => Promise<boolean>, ms = 2_000): Promise<number> {
  const start = performance.now()
  for (;;) {
    if (await check()) return performance.now() - start
    if (performance.now() - start > ms) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}
