// Writes, deletes, invalidations and expiry: the bodies of the operations the
// `Cache` facade runs through its lifecycle. A store failure goes through the
// `onError` policy, except in invalidations (see writeVersions).

import type { SetManyEntry, SetOptions } from './cache-api.js'
import { assertKey, assertKeys, type CacheContext, EMPTY, invalidArgument } from './context.js'
import { InvalidOptionsError } from './errors.js'
import type { CacheOperation } from './hooks.js'
import { ReadDetail, read } from './reads.js'
import type { StoreWriteWithKey } from './store.js'
import { createTagVersion } from './versions.js'

/** @internal `cache.set`'s body. */
export async function set(
  ctx: CacheContext,
  key: string,
  value: unknown,
  options: SetOptions | undefined,
): Promise<void> {
  ctx.open()
  assertKey(key, 'set')
  const tags = options?.tags ?? EMPTY
  const ttl = ctx.ttl(options?.ttl, 'set')
  const tagIds = ctx.tagIds(tags, 'set')
  const payload = ctx.payload(key, value)
  try {
    await ctx.call(
      ctx.store.set(ctx.keys.entry(key), {
        ...payload,
        tags: tagIds,
        candidate: createTagVersion(),
        ttl,
      }),
      'set',
    )
  } catch (error) {
    ctx.storeFailed('set', key, error)
    return
  }
  ctx.stats.sets++
  if (ctx.events.watching('set')) ctx.events.emit('set', { ...ctx.keyEvent(key), tags, ttl })
}

/** @internal `cache.setMany`'s body. */
export async function setMany(
  ctx: CacheContext,
  entries: readonly SetManyEntry<unknown>[],
): Promise<void> {
  ctx.open()
  if (!Array.isArray(entries))
    throw invalidArgument('setMany', 'entries', entries, 'an array of { key, value, tags?, ttl? }')
  if (entries.length === 0) return
  const candidate = createTagVersion()
  const writes: StoreWriteWithKey[] = entries.map((entry) => {
    assertKey(entry?.key, 'setMany')
    return {
      key: ctx.keys.entry(entry.key),
      ...ctx.payload(entry.key, entry.value),
      tags: ctx.tagIds(entry.tags ?? EMPTY, 'setMany'),
      candidate,
      ttl: ctx.ttl(entry.ttl, 'setMany'),
    }
  })
  try {
    await ctx.call(ctx.store.setMany(writes), 'setMany')
  } catch (error) {
    ctx.storeFailed('setMany', undefined, error)
    return
  }
  ctx.stats.sets += entries.length
  if (ctx.events.watching('set')) {
    for (const [i, entry] of entries.entries()) {
      ctx.events.emit('set', {
        ...ctx.keyEvent(entry.key),
        tags: entry.tags ?? EMPTY,
        ttl: (writes[i] as StoreWriteWithKey).ttl,
      })
    }
  }
}

/** @internal `cache.delete`'s body. */
export async function remove(ctx: CacheContext, key: string): Promise<boolean> {
  ctx.open()
  assertKey(key, 'delete')
  try {
    const existed = await ctx.call(ctx.store.delete(ctx.keys.entry(key)), 'delete')
    if (existed) ctx.stats.deletes++
    return existed
  } catch (error) {
    ctx.storeFailed('delete', key, error)
    return false
  }
}

/** @internal `cache.deleteMany`'s body. */
export async function removeMany(ctx: CacheContext, keys: readonly string[]): Promise<number> {
  ctx.open()
  assertKeys(keys, 'deleteMany')
  if (keys.length === 0) return 0
  try {
    const count = await ctx.call(
      ctx.store.deleteMany(keys.map((k) => ctx.keys.entry(k))),
      'deleteMany',
    )
    ctx.stats.deletes += count
    return count
  } catch (error) {
    ctx.storeFailed('deleteMany', undefined, error)
    return 0
  }
}

/** @internal `cache.invalidate`'s body. */
export function invalidate(ctx: CacheContext, tags: string[]): Promise<void> {
  return replaceVersions(ctx, 'invalidate', tags)
}

/** @internal `cache.expireTags`'s body: soft versions (see `softVersion`). */
export function expireTags(ctx: CacheContext, tags: string[]): Promise<void> {
  try {
    ctx.open()
  } catch (error) {
    return Promise.reject(error)
  }
  if (typeof ctx.store.expireTags !== 'function') {
    return Promise.reject(
      new InvalidOptionsError('expireTags', [
        `store: the ${JSON.stringify(ctx.store.name)} store cannot expire tags softly; expected a store with expireTags() (memoryStore, ioredisStore, nodeRedisStore), or use invalidate()`,
      ]),
    )
  }
  return replaceVersions(ctx, 'expireTags', tags)
}

/** `invalidate` (hard) or `expireTags` (soft) of `tags`: new versions, then the event. */
async function replaceVersions(
  ctx: CacheContext,
  operation: 'invalidate' | 'expireTags',
  tags: string[],
): Promise<void> {
  ctx.open()
  if (tags.length === 0) return
  const ids = [...new Set(tags.map((tag) => ctx.tagId(tag, operation)))]
  await writeVersions(ctx, operation, ids)
  ctx.stats.invalidations++
  if (ctx.events.watching('invalidate')) {
    const event = { namespace: ctx.namespace, store: ctx.store.name, tags, all: false }
    ctx.events.emit('invalidate', operation === 'expireTags' ? { ...event, soft: true } : event)
  }
}

/** @internal `cache.invalidateAll`'s body. */
export async function invalidateAll(ctx: CacheContext): Promise<void> {
  ctx.open()
  // Bounded caches forget their indexes first (O(1) each, sent with the
  // version: pipelined, one round trip), so that an entry written in
  // between is indexed dead rather than live and untracked.
  const drops =
    ctx.bounds.length === 0 ? undefined : Promise.all(ctx.bounds.map((b) => b.dropIndex()))
  await writeVersions(ctx, 'invalidateAll', [ctx.keys.namespaceTag])
  if (drops !== undefined) await ctx.call(drops, 'invalidateAll')
  ctx.stats.invalidations++
  if (ctx.events.watching('invalidate')) {
    ctx.events.emit('invalidate', {
      namespace: ctx.namespace,
      store: ctx.store.name,
      tags: EMPTY,
      all: true,
    })
  }
}

// An invalidation must not be swallowed by onError: 'miss' (a lost
// invalidation serves stale data), so store failures always surface here.
async function writeVersions(
  ctx: CacheContext,
  operation: CacheOperation,
  ids: readonly string[],
): Promise<void> {
  const store = ctx.store
  const version = createTagVersion()
  try {
    await ctx.call(
      operation === 'expireTags'
        ? (store.expireTags as NonNullable<typeof store.expireTags>).call(
            store,
            ids,
            version,
            ctx.defaultTtl,
          )
        : store.invalidate(ids, version, ctx.defaultTtl),
      operation,
    )
  } catch (error) {
    // The operation's `error` event reports it.
    ctx.stats.errors++
    ctx.breaker?.failed(error)
    throw error
  }
}

/** @internal `cache.ttl`'s body. */
export async function ttl(ctx: CacheContext, key: string): Promise<number | undefined> {
  const detail = new ReadDetail()
  if ((await read(ctx, key, 'ttl', false, undefined, detail)) === undefined) return undefined
  try {
    const left = await ctx.call(ctx.store.ttl(ctx.keys.entry(key)), 'ttl')
    // A graced entry lives ttl + grace in the store: what is left of its freshness.
    const times = detail.times
    if (left === undefined || times === undefined) return left
    return Math.max(0, Math.min(left, Math.round(times.freshUntil - Date.now())))
  } catch (error) {
    ctx.storeFailed('ttl', key, error)
    return undefined
  }
}

/** @internal `cache.expire`'s (ms: the new ttl) and `cache.persist`'s (ms: Infinity) body. */
export async function expire(
  ctx: CacheContext,
  operation: 'expire' | 'persist',
  key: string,
  ms: number,
): Promise<boolean> {
  if ((await read(ctx, key, operation, false)) === undefined) return false
  try {
    return await ctx.call(ctx.store.expire(ctx.keys.entry(key), ms), operation)
  } catch (error) {
    ctx.storeFailed(operation, key, error)
    return false
  }
}
