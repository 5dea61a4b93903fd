// Cache-aside: `wrap` (one key, single-flight per process) and `wrapMany`
// (DataLoader-style). Rule 2: tag versions are captured before the factory
// runs and those are stored, so an invalidation that lands while it runs
// leaves the written entry born stale instead of being lost.

import type { BatchResult, WrapManyOptions, WrapOptions } from './cache-api.js'
import { assertKey, type CacheContext, EMPTY, invalidArgument } from './context.js'
import type { MutableEndEvent } from './lifecycle.js'
import { accept, countFound, getMany, missed } from './reads.js'
import type { KeyRecord, StoredEntry, StoreWriteWithKey } from './store.js'
import { createTagVersion } from './versions.js'

/**
 * @internal `wrap`, and the `cached` functions' calls. `force`: skip the
 * cached value (and any computation in flight), recompute and write.
 */
export async function wrap<T>(
  ctx: CacheContext,
  operation: 'wrap' | 'cached',
  key: string,
  factory: () => T | Promise<T>,
  options: WrapOptions<T> | undefined,
  force = false,
): Promise<T> {
  ctx.open()
  assertKey(key, operation)
  if (typeof factory !== 'function')
    throw invalidArgument(operation, 'factory', factory, 'a function')
  const record = ctx.keys.record(key)
  const id = record.id
  const events = ctx.events
  const quiet = events.quiet()
  const inflight = force ? undefined : ctx.flights.get<T>(id)
  if (inflight !== undefined) {
    ctx.stats.coalesced++
    if (events.watching('coalesced')) events.emit('coalesced', ctx.keyEvent(key))
    return quiet
      ? inflight
      : events.observe(operation, [key], options?.tags ?? EMPTY, () => inflight)
  }
  if (quiet) {
    return ctx.flights.run(id, () => wrapOnce(ctx, operation, key, record, factory, options, force))
  }
  return events.observe(operation, [key], options?.tags ?? EMPTY, (event) =>
    ctx.flights.run(id, () =>
      wrapOnce(ctx, operation, key, record, factory, options, force, event),
    ),
  )
}

async function wrapOnce<T>(
  ctx: CacheContext,
  operation: 'wrap' | 'cached',
  key: string,
  record: KeyRecord,
  factory: () => T | Promise<T>,
  options: WrapOptions<T> | undefined,
  force: boolean,
  event?: MutableEndEvent,
): Promise<T> {
  const id = record.id
  const ttl = ctx.ttl(options?.ttl, operation)
  const tagIds = ctx.tagIds(options?.tags ?? EMPTY, operation)
  const store = ctx.store
  let entry: StoredEntry | undefined
  // Rule 2: versions captured here, before the factory runs (see below).
  let captured: readonly string[] | undefined
  let storeOk = true
  try {
    if (force) {
      // Bypassed: nothing is read; the versions are still captured below, before the factory.
    } else if (store.getOrCapture !== undefined) {
      // One round trip for the read and, when it misses, the capture.
      const read = await ctx.call(
        store.getOrCapture(id, tagIds, createTagVersion(), ttl),
        operation,
      )
      entry = read.entry
      captured = read.captured
    } else {
      entry = await ctx.call(store.get(id, record), operation)
    }
  } catch (error) {
    ctx.storeFailed(operation, key, error)
    storeOk = false
  }
  if (force) {
    // Bypassed: neither a hit nor a miss.
  } else if (storeOk) {
    const value = await accept(ctx, operation, key, id, entry, true, options?.schema)
    if (value !== undefined) {
      if (event !== undefined) event.outcome = 'hit'
      return value as T
    }
  } else {
    missed(ctx, key)
  }
  if (event !== undefined && !force) event.outcome = 'miss'
  // Rule 2: capture the versions before the factory runs; an invalidation
  // that lands while it runs replaces them, and the stored entry is born stale.
  if (storeOk && captured === undefined) {
    try {
      captured = await ctx.call(store.tagVersions(tagIds, createTagVersion(), ttl), operation)
    } catch (error) {
      ctx.storeFailed(operation, key, error)
    }
  }
  const value = await factory()
  if (value === undefined || captured === undefined) return value
  const payload = ctx.payload(key, value)
  try {
    await ctx.call(
      store.set(id, { ...payload, tags: tagIds, captured, candidate: createTagVersion(), ttl }),
      operation,
    )
    ctx.stats.sets++
    if (ctx.events.watching('set'))
      ctx.events.emit('set', { ...ctx.keyEvent(key), tags: options?.tags ?? EMPTY, ttl })
  } catch (error) {
    ctx.storeFailed(operation, key, error)
  }
  return value
}

/** @internal `cache.wrapMany`'s body: one getMany, one batch factory call, one setMany. */
export async function wrapMany<T>(
  ctx: CacheContext,
  keys: readonly string[],
  batchFactory: (missing: string[]) => BatchResult<T> | Promise<BatchResult<T>>,
  options: WrapManyOptions | undefined,
  event: MutableEndEvent | undefined,
): Promise<(T | undefined)[]> {
  if (typeof batchFactory !== 'function') {
    throw invalidArgument(
      'wrapMany',
      'batchFactory',
      batchFactory,
      'a function (missingKeys) => values',
    )
  }
  const unique = [...new Set(keys)]
  const ttl = ctx.ttl(options?.ttl, 'wrapMany')
  const tagsOf = (key: string): readonly string[] => {
    const tags = options?.tags
    return typeof tags === 'function' ? tags(key) : (tags ?? EMPTY)
  }
  const found = await getMany<T>(ctx, unique, undefined)
  const missing = unique.filter((_, i) => found[i] === undefined)
  const byKey = new Map<string, T | undefined>(unique.map((k, i) => [k, found[i]]))
  // Counted over `keys`, duplicates included, like getMany's.
  if (event !== undefined) event.hits = countFound(keys.map((k) => byKey.get(k)))
  if (missing.length === 0) return keys.map((k) => byKey.get(k))
  const tagIdsByKey = missing.map((key) => ctx.tagIds(tagsOf(key), 'wrapMany'))
  const allTagIds = [...new Set(tagIdsByKey.flat())]
  let versionOf: Map<string, string> | undefined
  try {
    const versions = await ctx.call(
      ctx.store.tagVersions(allTagIds, createTagVersion(), ttl),
      'wrapMany',
    )
    versionOf = new Map(allTagIds.map((tag, i) => [tag, versions[i] as string]))
  } catch (error) {
    ctx.storeFailed('wrapMany', undefined, error)
  }
  const produced = await batchFactory([...missing])
  const candidate = createTagVersion()
  const writes: StoreWriteWithKey[] = []
  const writeKeys = new Map<StoreWriteWithKey, string>()
  missing.forEach((key, i) => {
    const value = pick(produced, key, i)
    byKey.set(key, value)
    if (value === undefined || versionOf === undefined) return
    const tagIds = tagIdsByKey[i] as string[]
    const write: StoreWriteWithKey = {
      key: ctx.keys.entry(key),
      ...ctx.payload(key, value),
      tags: tagIds,
      captured: tagIds.map((t) => versionOf.get(t) as string),
      candidate,
      ttl,
    }
    writes.push(write)
    writeKeys.set(write, key)
  })
  if (writes.length > 0) {
    try {
      await ctx.call(ctx.store.setMany(writes), 'wrapMany')
      ctx.stats.sets += writes.length
      if (ctx.events.watching('set')) {
        for (const write of writes) {
          const key = writeKeys.get(write) as string
          ctx.events.emit('set', { ...ctx.keyEvent(key), tags: tagsOf(key), ttl: write.ttl })
        }
      }
    } catch (error) {
      ctx.storeFailed('wrapMany', undefined, error)
    }
  }
  return keys.map((k) => byKey.get(k))
}

function pick<T>(produced: BatchResult<T>, key: string, index: number): T | undefined {
  if (Array.isArray(produced)) return produced[index] as T | undefined
  if (produced instanceof Map) return produced.get(key)
  if (produced !== null && typeof produced === 'object') return (produced as Record<string, T>)[key]
  throw invalidArgument(
    'wrapMany',
    'batchFactory result',
    produced,
    'an array aligned with the missing keys, a Map or a record',
  )
}
