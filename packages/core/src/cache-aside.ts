// Cache-aside: `wrap` (one key, single-flight per process) and `wrapMany`
// (DataLoader-style). Rule 2: tag versions are captured before the factory
// runs and those are stored, so an invalidation that lands while it runs
// leaves the written entry born stale instead of being lost.

import type {
  BatchResult,
  WrapFactory,
  WrapFactoryContext,
  WrapManyOptions,
  WrapOptions,
} from './cache-api.js'
import { assertKey, type CacheContext, EMPTY, invalidArgument } from './context.js'
import { FactoryTimeoutError, TagCacheError } from './errors.js'
import type { CacheOperation } from './hooks.js'
import type { MutableEndEvent } from './lifecycle.js'
import { accept, countFound, getMany, missed, ReadDetail } from './reads.js'
import type { Freshness } from './serializer.js'
import { type StaleOptions, staleOptions } from './stale-options.js'
import { contend, lockOptions, type ParsedLock, release, tryLock } from './stampede-lock.js'
import type { KeyRecord, StoredEntry, StoreWriteWithKey } from './store.js'
import { parseTtl, type Ttl } from './ttl.js'
import { createTagVersion } from './versions.js'

/**
 * @internal `wrap`, and the `cached` functions' calls. `force`: skip the
 * cached value (and any computation in flight), recompute and write; the
 * `forceFresh` option sets it too.
 */
export async function wrap<T>(
  ctx: CacheContext,
  operation: 'wrap' | 'cached',
  key: string,
  factory: WrapFactory<T>,
  options: WrapOptions<T> | undefined,
  force = false,
): Promise<T> {
  ctx.open()
  assertKey(key, operation)
  if (typeof factory !== 'function')
    throw invalidArgument(operation, 'factory', factory, 'a function')
  const fresh = options?.forceFresh
  if (fresh !== undefined) {
    if (typeof fresh !== 'boolean')
      throw invalidArgument(operation, 'forceFresh', fresh, 'a boolean')
    if (fresh) force = true
  }
  const record = ctx.keys.record(key)
  const id = record.id
  const events = ctx.events
  const quiet = events.quiet()
  // A forced call starts its own computation, which later callers join.
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
  factory: WrapFactory<T>,
  options: WrapOptions<T> | undefined,
  force: boolean,
  event?: MutableEndEvent,
): Promise<T> {
  const id = record.id
  const ttl = ctx.ttl(options?.ttl, operation)
  const tagIds = ctx.tagIds(options?.tags ?? EMPTY, operation)
  const hardTimeout = options?.hardTimeout
  const limit = hardTimeout === undefined ? 0 : factoryLimit(hardTimeout, operation)
  const fresh = options === undefined ? undefined : staleOptions(options, operation)
  const store = ctx.store
  // A forced call neither takes nor waits for the lock.
  const lock =
    options?.lock === undefined || force ? undefined : lockOptions(options.lock, operation, store)
  // Grace: the entry lives ttl + grace in the store, stale for the last grace.
  const physicalTtl = fresh === undefined ? ttl : withGrace(ttl, fresh.grace)
  const detail = fresh === undefined ? undefined : new ReadDetail()
  let entry: StoredEntry | undefined
  // Rule 2: versions captured here, before the factory runs (see below).
  let captured: readonly string[] | undefined
  let storeOk = true
  try {
    if (force) {
      // Forced: nothing is read; the versions are still captured below, before the factory.
    } else if (store.getOrCapture !== undefined) {
      // One round trip for the read and, when it misses, the capture.
      const read = await ctx.call(
        store.getOrCapture(id, tagIds, createTagVersion(), physicalTtl),
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
  const run: Run<T> = {
    ctx,
    operation,
    key,
    id,
    factory,
    options,
    limit,
    ttl,
    physicalTtl,
    fresh,
    tagIds,
    stale: NO_STALE,
  }
  if (force) {
    // Forced: neither a hit nor a miss.
  } else if (storeOk) {
    const value = await accept(ctx, operation, key, id, entry, true, options?.schema, detail)
    if (value !== undefined) {
      if (event !== undefined) event.outcome = 'hit'
      if (fresh !== undefined && fresh.ahead > 0 && detail?.times !== undefined) {
        refreshAhead(run, detail.times, fresh.ahead, lock)
      }
      return value as T
    }
    if (fresh !== undefined && fresh.grace > 0 && detail?.found === true) {
      run.stale = { value: detail.stale }
    }
  } else {
    missed(ctx, key)
  }
  if (event !== undefined && !force) event.outcome = 'miss'
  if (run.stale !== NO_STALE) return refreshStale(run, lock, storeOk, captured)
  // Nothing stale left to serve: a back-off for the key is moot.
  if (ctx.backoffs.size > 0) ctx.backoffs.delete(id)
  let owner: string | undefined
  if (lock !== undefined && storeOk) {
    const got = await contend(ctx, operation, key, record, lock, options?.schema)
    if (got.served) {
      if (event !== undefined) event.outcome = 'hit'
      return got.value as T
    }
    owner = got.owner
    // Captured before the wait: captured again below, so that an
    // invalidation during the wait does not leave the new entry born stale.
    if (got.waited) captured = undefined
  }
  if (owner === undefined) {
    if (storeOk && captured === undefined)
      captured = await capture(ctx, operation, key, tagIds, physicalTtl)
    return produce(run, captured)
  }
  try {
    if (captured === undefined) captured = await capture(ctx, operation, key, tagIds, physicalTtl)
    return await produce(run, captured)
  } finally {
    // After the write: a waiter that then finds the lock free finds the value too.
    await release(ctx, operation, key, id, owner)
  }
}

/** @internal What one `wrap` call computes with: its arguments, checked. */
interface Run<T> {
  readonly ctx: CacheContext
  readonly operation: 'wrap' | 'cached'
  readonly key: string
  readonly id: string
  readonly factory: WrapFactory<T>
  readonly options: WrapOptions<T> | undefined
  /** `hardTimeout` in ms, 0 for none. */
  readonly limit: number
  /** The entry's ttl (jittered), without grace. */
  readonly ttl: number
  /** How long the entry lives in the store: `ttl` + grace. */
  readonly physicalTtl: number
  readonly fresh: StaleOptions | undefined
  readonly tagIds: string[]
  /** The stale value found, if any: handed to the factory as `ctx.stale`. */
  stale: { readonly value: unknown }
}

const NO_STALE: { readonly value: unknown } = Object.freeze({ value: undefined })

/** Back-offs kept before the lapsed ones are swept (each is one key whose factory failed). */
const MAX_BACKOFFS = 10_000

/** `ttl` + `grace`, in ms (`Infinity` stays). */
function withGrace(ttl: number, grace: number): number {
  return grace > 0 && Number.isFinite(ttl) ? ttl + grace : ttl
}

/**
 * A miss with a stale value in grace: refresh it, serving the stale value
 * when the factory fails (then no new try for `graceBackoff`), when the soft
 * `timeout` passes first (the factory finishes and writes in the
 * background), or when another process holds the lock (it refreshes).
 */
async function refreshStale<T>(
  run: Run<T>,
  lock: ParsedLock | undefined,
  storeOk: boolean,
  captured: readonly string[] | undefined,
): Promise<T> {
  const { ctx, id } = run
  const fresh = run.fresh as StaleOptions
  const until = ctx.backoffs.get(id)
  if (until !== undefined) {
    if (Date.now() < until) return serveStale(run)
    ctx.backoffs.delete(id)
  }
  // A refresh already running here (one that outlived its caller): join it.
  let computing = ctx.refreshes.get(id) as Promise<T> | undefined
  if (computing === undefined) {
    let owner: string | undefined
    if (lock !== undefined && storeOk) {
      owner = await tryLock(ctx, run.operation, run.key, id, lock)
      // Another process holds the lock: it refreshes; serve the stale value meanwhile.
      if (owner === undefined) return serveStale(run)
    }
    computing = (async () => {
      try {
        let versions = captured
        if (storeOk && versions === undefined) {
          versions = await capture(ctx, run.operation, run.key, run.tagIds, run.physicalTtl)
        }
        return await produce(run, versions)
      } finally {
        if (owner !== undefined) await release(ctx, run.operation, run.key, id, owner)
      }
    })()
  }
  const outcome = computing.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  )
  let settled: { ok: true; value: T } | { ok: false; error: unknown } | undefined
  if (fresh.soft === Number.POSITIVE_INFINITY) {
    settled = await outcome
  } else {
    settled = await within(outcome, fresh.soft)
    if (settled === undefined) {
      // The soft timeout passed: the factory goes on, and its result is written.
      background(ctx, id, computing, outcome)
      return serveStale(run)
    }
  }
  if (settled.ok) return settled.value
  // The factory failed (or hardTimeout abandoned it): the stale value, and a pause.
  if (fresh.backoff > 0) {
    const now = Date.now()
    if (ctx.backoffs.size >= MAX_BACKOFFS) {
      for (const [key, until] of ctx.backoffs) if (until <= now) ctx.backoffs.delete(key)
    }
    ctx.backoffs.set(id, now + fresh.backoff)
  }
  reportFailure(run, settled.error)
  return serveStale(run)
}

/** Keeps a computation that outlived its caller joinable until it settles. */
function background(
  ctx: CacheContext,
  id: string,
  computing: Promise<unknown>,
  outcome: Promise<unknown>,
): void {
  if (ctx.refreshes.get(id) === computing) return
  ctx.refreshes.set(id, computing)
  void outcome.then(() => {
    if (ctx.refreshes.get(id) === computing) ctx.refreshes.delete(id)
  })
}

/**
 * A hit in the last `ahead` share of its ttl: recomputes in the background
 * (once per process; across processes, only by whoever takes the lock when
 * the call has `lock`), the caller served at once.
 */
function refreshAhead<T>(
  run: Run<T>,
  times: Freshness,
  ahead: number,
  lock: ParsedLock | undefined,
): void {
  const { ctx, id } = run
  if (times.freshUntil - Date.now() > times.ttl * ahead || ctx.refreshes.has(id)) return
  const computing = (async () => {
    let owner: string | undefined
    if (lock !== undefined) {
      owner = await tryLock(ctx, run.operation, run.key, id, lock)
      if (owner === undefined) return undefined
    }
    try {
      const versions = await capture(ctx, run.operation, run.key, run.tagIds, run.physicalTtl)
      return await produce({ ...run, stale: NO_STALE }, versions)
    } finally {
      if (owner !== undefined) await release(ctx, run.operation, run.key, id, owner)
    }
  })()
  const outcome = computing.then(
    () => undefined,
    (error: unknown) => reportFailure(run, error),
  )
  background(ctx, id, computing, outcome)
}

/** A background or graced factory failure: `stats.errors` and an `error` event, never thrown. */
function reportFailure<T>(run: Run<T>, error: unknown): void {
  const { ctx } = run
  ctx.stats.errors++
  if (ctx.events.watching('error')) ctx.events.emitError(run.operation, run.key, error)
}

/** Serves the stale value: `stats.stale` and a `stale` event. */
function serveStale<T>(run: Run<T>): T {
  const { ctx } = run
  ctx.stats.stale++
  if (ctx.events.watching('stale')) ctx.events.emit('stale', ctx.keyEvent(run.key))
  return run.stale.value as T
}

/** `promise`'s value, or `undefined` once `ms` have passed first. */
function within<V>(promise: Promise<V>, ms: number): Promise<V | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms, undefined)
    void promise.then((value) => {
      clearTimeout(timer)
      resolve(value)
    })
  })
}

/**
 * Rule 2: the versions captured before the factory runs; an invalidation
 * that lands while it runs replaces them, and the stored entry is born
 * stale. `undefined` when the store failed (and `onError` let it pass).
 */
async function capture(
  ctx: CacheContext,
  operation: 'wrap' | 'cached',
  key: string,
  tagIds: readonly string[],
  ttl: number,
): Promise<readonly string[] | undefined> {
  try {
    return await ctx.call(ctx.store.tagVersions(tagIds, createTagVersion(), ttl), operation)
  } catch (error) {
    ctx.storeFailed(operation, key, error)
    return undefined
  }
}

/** Runs the factory and writes its result with the versions `captured` before it (rule 2). */
async function produce<T>(run: Run<T>, captured: readonly string[] | undefined): Promise<T> {
  const { ctx, operation, key, id, factory, options, limit, ttl, tagIds } = run
  const store = ctx.store
  const compute = new FactoryContext(ctx, operation, key, run.stale.value)
  let value: T
  try {
    value = await (limit === 0 ? factory(compute) : abandonAfter(factory, compute, key, limit))
  } finally {
    compute.settled = true
  }
  if (value === undefined || captured === undefined || compute.skipped) return value
  let writeTags = tagIds
  let writeCaptured = captured
  const chosen = compute.tagIds
  if (chosen !== undefined) {
    // setTags: each tag's version as captured before the factory (rule 2).
    const picked = pickCaptured(tagIds, captured, chosen)
    if (picked === undefined) {
      undeclaredTags(ctx, operation, key, tagIds, compute.tags ?? EMPTY)
      return value
    }
    writeTags = chosen
    writeCaptured = picked
  }
  const writeTtl = compute.ttl ?? ttl
  const fresh = run.fresh
  let payload: ReturnType<CacheContext['payload']>
  let storedTtl = writeTtl
  if (fresh === undefined || !Number.isFinite(writeTtl)) {
    payload = ctx.payload(key, value)
  } else {
    // Timed: fresh for writeTtl, then stale for grace (by the writer's clock).
    payload = ctx.payload(key, value, { freshUntil: Date.now() + writeTtl, ttl: writeTtl })
    storedTtl = withGrace(writeTtl, fresh.grace)
  }
  try {
    await ctx.call(
      store.set(id, {
        ...payload,
        tags: writeTags,
        captured: writeCaptured,
        candidate: createTagVersion(),
        ttl: storedTtl,
      }),
      operation,
    )
    ctx.stats.sets++
    if (ctx.events.watching('set')) {
      const tags = compute.tags ?? options?.tags ?? EMPTY
      ctx.events.emit('set', { ...ctx.keyEvent(key), tags, ttl: writeTtl })
    }
  } catch (error) {
    ctx.storeFailed(operation, key, error)
  }
  return value
}

/** The longest delay `setTimeout` honours (beyond it, it fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1

/** `hardTimeout` in ms: 0 for no limit (`Infinity`, or beyond what a timer can wait). */
function factoryLimit(hardTimeout: Ttl, operation: string): number {
  let ms: number
  try {
    ms = parseTtl(hardTimeout)
  } catch (error) {
    ;(error as Error).message = (error as Error).message
      .replace('[ttl]', `[${operation}]`)
      .replace('invalid ttl', 'invalid hardTimeout')
    throw error
  }
  if (ms === 0) {
    throw new RangeError(
      `[tagcache] [${operation}] hardTimeout 0 would abandon every factory at once; expected a duration > 0, or Infinity for no limit`,
    )
  }
  return ms > MAX_TIMER_MS ? 0 : ms
}

/**
 * Runs the factory, rejecting with `E_FACTORY_TIMEOUT` once `ms` have passed.
 * The factory runs on; its late result or error is dropped (`settled`
 * makes its context inert, and the caller never writes a result it did not get).
 */
function abandonAfter<T>(
  factory: WrapFactory<T>,
  compute: FactoryContext,
  key: string,
  ms: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      compute.settled = true
      reject(new FactoryTimeoutError(key, ms))
    }, ms)
    let pending: Promise<T>
    try {
      pending = Promise.resolve(factory(compute))
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/** The versions captured for `chosen`, or `undefined` if one of them was not captured. */
function pickCaptured(
  tagIds: readonly string[],
  captured: readonly string[],
  chosen: readonly string[],
): string[] | undefined {
  const picked: string[] = []
  for (const tag of chosen) {
    const i = tagIds.indexOf(tag)
    if (i === -1) return undefined
    picked.push(captured[i] as string)
  }
  return picked
}

function undeclaredTags(
  ctx: CacheContext,
  operation: CacheOperation,
  key: string,
  declared: readonly string[],
  chosen: readonly string[],
): void {
  const undeclared = chosen
    .filter((tag) => !declared.includes(ctx.keys.tag(tag)))
    .map((tag) => JSON.stringify(tag))
  ctx.stats.errors++
  if (!ctx.events.watching('error')) return
  const error = new TagCacheError(
    'E_UNDECLARED_TAG',
    `[tagcache] [${operation}] ctx.setTags() named ${undeclared.join(', ')}, not declared in the call's tags, for key ${JSON.stringify(key)}: the value was returned but not cached; expected every tag setTags may choose to be declared in \`tags\` (their versions are captured before the factory runs, so no invalidation during it is lost)`,
  )
  ctx.events.emitError(operation, key, error)
}

/** The `ctx` a `wrap` factory receives; inert once the computation settled. */
class FactoryContext implements WrapFactoryContext {
  readonly key: string
  /** Set by `setTtl`: the write's ttl in ms. */
  ttl: number | undefined
  /** Set by `setTags`: the tags as given, and their ids (namespace tag first). */
  tags: readonly string[] | undefined
  tagIds: string[] | undefined
  skipped = false
  settled = false
  readonly stale: unknown
  readonly #ctx: CacheContext
  readonly #operation: string

  constructor(ctx: CacheContext, operation: string, key: string, stale: unknown) {
    this.#ctx = ctx
    this.#operation = operation
    this.key = key
    this.stale = stale
  }

  setTtl(ttl: Ttl): void {
    const ms = this.#ctx.ttl(ttl, this.#operation)
    if (!this.settled) this.ttl = ms
  }

  setTags(tags: readonly string[]): void {
    const ids = this.#ctx.tagIds(tags, this.#operation)
    if (this.settled) return
    this.tags = [...tags]
    this.tagIds = ids
  }

  skip(): void {
    if (!this.settled) this.skipped = true
  }
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
