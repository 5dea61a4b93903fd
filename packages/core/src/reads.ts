// Reads: a stored entry is served only if every tag version it was written
// with is still current (rule 1: a missing version never matches), it decodes,
// and it matches the read's schema. Anything else is a miss.

import type { ReadOptions } from './cache-api.js'
import { assertKey, assertKeys, type CacheContext, EMPTY } from './context.js'
import { operationChannel } from './diagnostics.js'
import { CacheMiss, SchemaMismatchError } from './errors.js'
import { evictOnRead } from './evictions.js'
import type { CacheOperation } from './hooks.js'
import type { MutableEndEvent } from './lifecycle.js'
import {
  copyByPlan,
  copyPlanOf,
  type Freshness,
  freshnessOf,
  freshUntilOf,
  open,
  TIMED_FORMAT,
  TimedValue,
} from './serializer.js'
import type { StandardSchemaV1 } from './standard-schema.js'
import {
  type EntryMemo,
  type KeyRecord,
  READ_ASYNC,
  type Store,
  type StoredEntry,
} from './store.js'
import { compareVersion } from './versions.js'

/**
 * @internal What a read tells `wrap` beyond its value: the value it found
 * stale (past its ttl within its grace, or carrying a tag expired softly),
 * which a plain read counts as a miss, and the freshness of a timed entry.
 */
export class ReadDetail {
  /** A stale value was found (its value, decoded, is `stale`). */
  found = false
  stale: unknown
  /** The freshness of the entry read (served or stale), when it was written timed. */
  times: Freshness | undefined
}

/** @internal `cache.get`. */
export function get<T>(
  ctx: CacheContext,
  key: string,
  options: ReadOptions<T> | undefined,
): Promise<T | undefined> {
  const schema = options?.schema
  const events = ctx.events
  if (events.quiet()) return read(ctx, key, 'get', true, schema) as Promise<T | undefined>
  if (ctx.sync && ctx.timeout === 0 && schema === undefined && !events.hasAround) {
    const event = events.newEvent('get', [key], EMPTY)
    if (!operationChannel.hasSubscribers) {
      return getObservedSync(ctx, key, event) as Promise<T | undefined>
    }
    return operationChannel.tracePromise(() => getObservedSync(ctx, key, event), event) as Promise<
      T | undefined
    >
  }
  return events.observe(
    'get',
    [key],
    EMPTY,
    () => read(ctx, key, 'get', true, schema) as Promise<T | undefined>,
  )
}

/** @internal `cache.getOrThrow`'s body. */
export async function getOrThrow<T>(
  ctx: CacheContext,
  key: string,
  options: ReadOptions<T> | undefined,
): Promise<T> {
  const value = await read(ctx, key, 'getOrThrow', true, options?.schema)
  if (value === undefined) throw new CacheMiss(key, ctx.namespace)
  return value as T
}

/** @internal `cache.has`'s body. */
export async function has(ctx: CacheContext, key: string): Promise<boolean> {
  return (await read(ctx, key, 'has', false)) !== undefined
}

/** @internal `cache.getMany`'s body; `event`, when observed, gets the hit count. */
export async function getMany<T>(
  ctx: CacheContext,
  keys: readonly string[],
  options: ReadOptions<T> | undefined,
  _unused?: undefined,
  event?: MutableEndEvent,
): Promise<(T | undefined)[]> {
  ctx.open()
  assertKeys(keys, 'getMany')
  if (keys.length === 0) return []
  const ids = keys.map((k) => ctx.keys.entry(k))
  let entries: (StoredEntry | undefined)[]
  try {
    entries = await ctx.call(ctx.store.getMany(ids), 'getMany')
  } catch (error) {
    ctx.storeFailed('getMany', undefined, error)
    for (const key of keys) missed(ctx, key)
    return keys.map(() => undefined)
  }
  const schema = options?.schema
  const values = entries.map((entry, i) =>
    accept(ctx, 'getMany', keys[i] as string, ids[i] as string, entry, true, schema),
  )
  const found = (schema === undefined ? values : await Promise.all(values)) as (T | undefined)[]
  if (event !== undefined) event.hits = countFound(found)
  return found
}

/** @internal How many of `values` are not `undefined`. */
export function countFound(values: readonly unknown[]): number {
  let n = 0
  for (const value of values) if (value !== undefined) n++
  return n
}

/** @internal Reads one key: `undefined` on any kind of miss. `decode: false` only checks validity. */
export function read(
  ctx: CacheContext,
  key: string,
  operation: CacheOperation,
  decode: boolean,
  schema?: StandardSchemaV1,
  detail?: ReadDetail,
): Promise<unknown> {
  // Hot path: no async function, one promise hop through the store.
  try {
    ctx.open()
    assertKey(key, operation)
  } catch (error) {
    return Promise.reject(error)
  }
  const record = ctx.keys.record(key)
  if (ctx.sync && ctx.timeout === 0) {
    try {
      const value = readSync(ctx, key, record, operation, decode, schema, undefined, detail)
      // READ_ASYNC: a store answering only some reads in process (a near cache).
      if (value !== READ_ASYNC) return Promise.resolve(value)
    } catch (error) {
      return Promise.reject(error)
    }
  }
  return readAsync(ctx, key, record, operation, decode, schema, detail)
}

/** {@link read} through the store's `get`: one promise hop. */
function readAsync(
  ctx: CacheContext,
  key: string,
  record: KeyRecord,
  operation: CacheOperation,
  decode: boolean,
  schema: StandardSchemaV1 | undefined,
  detail: ReadDetail | undefined,
): Promise<unknown> {
  const id = record.id
  let pending: Promise<StoredEntry | undefined>
  try {
    pending = ctx.call(ctx.store.get(id, record), operation)
  } catch (error) {
    pending = Promise.reject(error)
  }
  return pending.then(
    (entry) => accept(ctx, operation, key, id, entry, decode, schema, detail),
    (error: unknown) => {
      ctx.storeFailed(operation, key, error)
      missed(ctx, key)
      return undefined
    },
  )
}

/**
 * A read from an in-process store (`getSync`): throws what the read rejects
 * with; {@link READ_ASYNC} when the store cannot answer this one synchronously.
 */
function readSync(
  ctx: CacheContext,
  key: string,
  record: KeyRecord,
  operation: CacheOperation,
  decode: boolean,
  schema?: StandardSchemaV1,
  now?: number,
  detail?: ReadDetail,
): unknown {
  let entry: StoredEntry | undefined | typeof READ_ASYNC
  try {
    entry = (ctx.store.getSync as NonNullable<Store['getSync']>).call(
      ctx.store,
      record.id,
      record,
      now,
    )
  } catch (error) {
    ctx.storeFailed(operation, key, error)
    missed(ctx, key)
    return undefined
  }
  if (entry === READ_ASYNC) return READ_ASYNC
  return accept(ctx, operation, key, record.id, entry, decode, schema, detail)
}

/** `get` on an in-process store with hooks: the whole lifecycle without a promise hop. */
function getObservedSync(ctx: CacheContext, key: string, event: MutableEndEvent): Promise<unknown> {
  const events = ctx.events
  const began = events.begin(event)
  let value: unknown
  try {
    ctx.open()
    assertKey(key, 'get')
    // The start time doubles as the store's clock reading (NaN when untimed: not passed).
    const now = Number.isNaN(began) ? undefined : began
    const record = ctx.keys.record(key)
    value = readSync(ctx, key, record, 'get', true, undefined, now)
    if (value === READ_ASYNC) {
      // The store answers this one through `get`: the same lifecycle, ended when it settles.
      return readAsync(ctx, key, record, 'get', true, undefined, undefined).then(
        (found) => {
          events.end(event, began, found)
          return found
        },
        (error: unknown) => {
          events.fail(event, began, error)
          throw error
        },
      )
    }
  } catch (error) {
    events.fail(event, began, error)
    return Promise.reject(error)
  }
  events.end(event, began, value)
  return Promise.resolve(value)
}

/** @internal Decides whether a stored entry is served (the tag-version check) and decodes it. */
export function accept(
  ctx: CacheContext,
  operation: CacheOperation,
  key: string,
  id: string,
  entry: StoredEntry | undefined,
  decode: boolean,
  schema?: StandardSchemaV1,
  detail?: ReadDetail,
): unknown {
  if (entry === undefined) {
    missed(ctx, key)
    return undefined
  }
  let stale = false
  if (entry.verified !== true) {
    if (entry.stale === true) stale = true
    else {
      const judged = judge(ctx, key, id, entry)
      if (judged === INVALID) return undefined
      stale = judged === STALE
    }
  }
  let value: unknown = true
  // A timed entry (grace, refreshAhead): when it stops being fresh.
  let timed = false
  let freshUntil = 0
  const live = ctx.live ? entry.liveValue : undefined
  if (live !== undefined) {
    if (live instanceof TimedValue) {
      timed = true
      freshUntil = live.freshUntil
      if (detail !== undefined) detail.times = live
      if (decode) value = live.value
    } else if (decode) value = live
  } else if (
    detail === undefined &&
    entry.memo !== undefined &&
    entry.memo.decodedBy === ctx.envelope.decodes
  ) {
    // Decoded before (a local copy read again): its freshness was kept with
    // the value, so the payload's bytes (cold in memory) are not read at all.
    const memo = entry.memo
    freshUntil = memo.freshUntil
    timed = freshUntil !== Number.POSITIVE_INFINITY
    if (decode) value = memo.share ? memo.value : copyOf(ctx, key, entry.value, memo)
  } else {
    const bytes = entry.value
    if (bytes[1] === TIMED_FORMAT) {
      timed = true
      if (detail !== undefined) {
        detail.times = freshnessOf(ctx.envelope, bytes)
        freshUntil = detail.times?.freshUntil ?? Number.NaN
      } else freshUntil = freshUntilOf(ctx.envelope, bytes)
    }
    if (decode) {
      const memo = entry.memo
      if (memo === undefined) {
        try {
          value = open(ctx.envelope, key, bytes, ctx.checksum)
        } catch (error) {
          return unreadable(ctx, operation, key, error)
        }
      } else if (memo.decodedBy === ctx.envelope.decodes) {
        value = memo.share ? memo.value : copyOf(ctx, key, bytes, memo)
      } else {
        // A copy the store returns again: its checksum is checked once.
        let decoded: unknown
        try {
          decoded = open(ctx.envelope, key, bytes, ctx.checksum && !memo.checked)
        } catch (error) {
          return unreadable(ctx, operation, key, error)
        }
        memo.checked = true
        value = decoded
        if (memo.share || ctx.envelope.json) {
          // Decoded once: shared as is, or (core JSON) the master later reads copy.
          memo.value = decoded
          memo.freshUntil = timed ? freshUntil : Number.POSITIVE_INFINITY
          memo.decodedBy = ctx.envelope.decodes
          if (!memo.share) value = copyOf(ctx, key, bytes, memo)
        }
      }
    }
  }
  // A malformed time (NaN: bytes cut short) reads as stale, never as fresh.
  if (timed && !(Date.now() < freshUntil)) stale = true
  if (stale) {
    // Kept in the store: a `wrap` with grace may serve it while it refreshes.
    if (detail !== undefined && decode) keepStale(detail, value, schema)
    missed(ctx, key)
    return undefined
  }
  if (schema !== undefined) return conform(ctx, operation, key, id, value, schema, entry)
  hit(ctx, key)
  return value
}

/**
 * A read's own copy of the master value core JSON decoded once from `bytes`
 * (see `EntryMemo`): a deep copy along the master's copy plan (made by the
 * first copy), or, for a value nested too deep to plan or copy recursively,
 * a decode of the bytes (already checked).
 */
function copyOf(ctx: CacheContext, key: string, bytes: Uint8Array, memo: EntryMemo): unknown {
  const master = memo.value
  if (typeof master !== 'object' || master === null) return master
  let plan = memo.plan
  if (plan === undefined) {
    try {
      plan = copyPlanOf(master)
    } catch {
      plan = null
    }
    memo.plan = plan
  }
  if (plan !== null) {
    try {
      return copyByPlan(master, plan)
    } catch {
      // Nested deeper than this stack allows: decoded below.
    }
  }
  return open(ctx.envelope, key, bytes, false)
}

/** A payload that did not decode: an error, counted and emitted, and a miss. */
function unreadable(
  ctx: CacheContext,
  operation: CacheOperation,
  key: string,
  error: unknown,
): undefined {
  ctx.stats.errors++
  if (ctx.events.watching('error')) ctx.events.emitError(operation, key, error)
  missed(ctx, key)
  return undefined
}

/** Records a stale value for `wrap`; with a schema, only a value it accepts synchronously. */
function keepStale(detail: ReadDetail, value: unknown, schema: StandardSchemaV1 | undefined): void {
  if (schema === undefined) {
    detail.found = true
    detail.stale = value
    return
  }
  const result = schema['~standard'].validate(value)
  if (result instanceof Promise || result.issues !== undefined) return
  detail.found = true
  detail.stale = result.value
}

/** Validates a decoded value against a read's schema: its output, or a miss. */
function conform(
  ctx: CacheContext,
  operation: CacheOperation,
  key: string,
  id: string,
  value: unknown,
  schema: StandardSchemaV1,
  entry: StoredEntry,
): unknown {
  const result = schema['~standard'].validate(value)
  return result instanceof Promise
    ? result.then((r) => settle(ctx, operation, key, id, r, entry))
    : settle(ctx, operation, key, id, result, entry)
}

function settle(
  ctx: CacheContext,
  operation: CacheOperation,
  key: string,
  id: string,
  result: StandardSchemaV1.Result<unknown>,
  entry: StoredEntry,
): unknown {
  if (result.issues === undefined) {
    hit(ctx, key)
    return result.value
  }
  const issues = result.issues.map((issue) => {
    const path = (issue.path ?? [])
      .map((p) => String(typeof p === 'object' && p !== null ? p.key : p))
      .join('.')
    return path ? `${path}: ${issue.message}` : issue.message
  })
  ctx.stats.errors++
  if (ctx.events.watching('error'))
    ctx.events.emitError(operation, key, new SchemaMismatchError(key, issues))
  evictOnRead(ctx, key, id, 'schema', entry)
  missed(ctx, key)
  return undefined
}

const INVALID = 0
const FRESH = 1
const STALE = 2

/**
 * The tag-version check: every stored version still current (rule 1: null
 * never matches) is fresh; some expired softly (`expireTags`) and the rest
 * current is stale, kept for grace; anything else is invalid, removed (and
 * counted as a miss).
 */
function judge(ctx: CacheContext, key: string, id: string, entry: StoredEntry): number {
  const { versions, current } = entry
  if (versions.length === 0 || versions.length !== current.length) {
    // Every entry carries at least the namespace tag; anything else is not ours.
    evictOnRead(ctx, key, id, 'unreadable', entry)
    missed(ctx, key)
    return INVALID
  }
  let result = FRESH
  for (let i = 0; i < versions.length; i++) {
    const now = current[i] as string | null
    const stored = versions[i] as string | null
    // Rule 1: a missing version never matches (nor does a stored one a store lost: null).
    if (now !== null && now === stored) continue
    if (now !== null && stored !== null && compareVersion(stored, now) === 'stale') {
      result = STALE
      continue
    }
    evictOnRead(ctx, key, id, 'invalidated', entry)
    missed(ctx, key)
    return INVALID
  }
  return result
}

function hit(ctx: CacheContext, key: string): void {
  ctx.stats.hits++
  if (ctx.events.watching('hit')) ctx.events.emit('hit', ctx.keyEvent(key))
}

/** @internal Counts a miss and emits `miss`. */
export function missed(ctx: CacheContext, key: string): void {
  ctx.stats.misses++
  if (ctx.events.watching('miss')) ctx.events.emit('miss', ctx.keyEvent(key))
}
