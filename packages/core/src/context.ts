// What every part of a cache shares: its options, resolved once, and the
// helpers each operation needs (argument checks, TTLs, payloads, the store
// timeout and the `onError` policy). One object per cache, passed to the
// reads, writes, cache-aside and memoization functions.

import { TagCacheError, TimeoutError } from './errors.js'
import type { CacheOperation, KeyEvent } from './hooks.js'
import { createKeySpace, type KeySpace } from './keys.js'
import { Lifecycle } from './lifecycle.js'
import {
  type CacheOptions,
  cacheOptionsSchema,
  type OnErrorHandler,
  validateOptions,
} from './options.js'
import { createEnvelope, type Envelope, jsonSerializer, seal } from './serializer.js'
import { SingleFlight } from './single-flight.js'
import { StatsCounter } from './stats.js'
import type { Store } from './store.js'
import { parseTtl, type Ttl } from './ttl.js'

/** @internal A frozen empty list, shared by operations without keys or tags. */
export const EMPTY: readonly string[] = Object.freeze([])

const NO_BYTES = new Uint8Array(0)

/** @internal The state and helpers one cache's operations share. */
export class CacheContext {
  readonly namespace: string
  readonly store: Store
  readonly keys: KeySpace
  readonly events: Lifecycle
  readonly stats = new StatsCounter()
  readonly flights = new SingleFlight()
  readonly defaultTtl: number
  /** The store keeps JavaScript values (`capabilities.liveValues`): no serializer. */
  readonly live: boolean
  /** Check payload checksums on reads (the store does not declare `capabilities.intactPayloads`). */
  readonly checksum: boolean
  /** The store answers reads synchronously (`getSync`). */
  readonly sync: boolean
  /** Store timeout in ms, 0 for none. */
  readonly timeout: number
  /** Wraps the serializer's bytes with the serializer's id (see serializer.ts). */
  readonly envelope: Envelope
  readonly #jitter: number
  readonly #onError: 'throw' | 'miss' | OnErrorHandler
  closed = false

  constructor(options: CacheOptions) {
    const o = validateOptions('core', cacheOptionsSchema, options)
    this.store = o.store
    this.namespace = o.namespace ?? 'default'
    this.keys = createKeySpace(this.namespace)
    this.events = new Lifecycle(this.namespace, o.store.name, o.hooks ?? [])
    this.envelope = createEnvelope(o.serializer ?? jsonSerializer())
    this.live = o.store.capabilities?.liveValues === true
    this.checksum = o.store.capabilities?.intactPayloads !== true
    this.sync = typeof o.store.getSync === 'function'
    this.defaultTtl = parseTtl(o.defaultTtl ?? '1h')
    this.#jitter = o.ttlJitter ?? 0
    this.#onError = o.onError ?? 'throw'
    this.timeout = o.timeout === undefined || o.timeout === false ? 0 : parseTtl(o.timeout)
  }

  /** Throws `E_CLOSED` once the cache is closed. */
  open(): void {
    if (this.closed) {
      throw new TagCacheError(
        'E_CLOSED',
        `[tagcache] [core] cache ${JSON.stringify(this.namespace)} is closed; expected no calls after close()`,
      )
    }
  }

  /** A write's time to live in ms: the default when absent, never 0, jittered unless `jitter` is false. */
  ttl(ttl: Ttl | undefined, operation: string, jitter = true): number {
    let ms: number
    if (ttl === undefined) ms = this.defaultTtl
    else {
      try {
        ms = parseTtl(ttl)
      } catch (error) {
        ;(error as Error).message = (error as Error).message.replace('[ttl]', `[${operation}]`)
        throw error
      }
    }
    if (ms === 0) {
      throw new RangeError(
        `[tagcache] [${operation}] ttl 0 would expire the entry at once; expected a ttl > 0 (use delete() to remove)`,
      )
    }
    if (jitter && this.#jitter > 0 && Number.isFinite(ms)) {
      ms = Math.max(1, Math.round(ms * (1 - this.#jitter * Math.random())))
    }
    return ms
  }

  /** The tag ids of a write: the namespace tag first, then each tag once. */
  tagIds(tags: readonly string[], operation: string): string[] {
    if (!Array.isArray(tags)) throw invalidArgument(operation, 'tags', tags, 'an array of strings')
    const ids = [this.keys.namespaceTag]
    for (const tag of tags) {
      const id = this.tagId(tag, operation)
      if (!ids.includes(id)) ids.push(id)
    }
    return ids
  }

  tagId(tag: unknown, operation: string): string {
    if (typeof tag !== 'string') throw invalidArgument(operation, 'tag', tag, 'a string')
    return this.keys.tag(tag)
  }

  /** The payload fields of a write: bytes, or the value itself for live-value stores. */
  payload(key: string, value: unknown): { value: Uint8Array; liveValue?: unknown } {
    if (this.live) {
      if (value === undefined) this.#seal(key, value)
      return { value: NO_BYTES, liveValue: value }
    }
    return { value: this.#seal(key, value) }
  }

  #seal(key: string, value: unknown): Uint8Array {
    if (value === undefined) {
      throw new TagCacheError(
        'E_INVALID_VALUE',
        `[tagcache] [core] cannot cache undefined for key ${JSON.stringify(key)}; expected any other value (undefined means a miss; null is cacheable)`,
      )
    }
    return seal(this.envelope, key, value)
  }

  /** A store call, rejected with `E_TIMEOUT` past the cache's `timeout`. */
  call<T>(promise: Promise<T>, operation: string): Promise<T> {
    if (this.timeout === 0) return promise
    const ms = this.timeout
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new TimeoutError(`${this.store.name} ${operation}`, ms)),
        ms,
      )
      promise.then(
        (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        (error) => {
          clearTimeout(timer)
          reject(error)
        },
      )
    })
  }

  /** Applies `onError` to a store failure: rethrows, or returns to let the caller treat it as a miss. */
  storeFailed(operation: CacheOperation, key: string | undefined, error: unknown): void {
    this.stats.errors++
    const policy = this.#onError
    const decision = typeof policy === 'function' ? policy(error, { operation, key }) : policy
    // A rethrown error fails the operation, whose `error` event reports it.
    if (decision !== 'miss') throw error
    if (this.events.watching('error')) this.events.emitError(operation, key, error)
  }

  keyEvent(key: string): KeyEvent {
    return { namespace: this.namespace, store: this.store.name, key }
  }
}

/** @internal A `TypeError` naming the operation, the argument and what was expected. */
export function invalidArgument(
  operation: string,
  name: string,
  value: unknown,
  expected: string,
): TypeError {
  const shown =
    typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value
  return new TypeError(`[tagcache] [${operation}] invalid ${name} ${shown}; expected ${expected}`)
}

/** @internal */
export function assertKey(key: unknown, operation: string): asserts key is string {
  if (typeof key !== 'string') throw invalidArgument(operation, 'key', key, 'a string')
}

/** @internal */
export function assertKeys(keys: unknown, operation: string): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) throw invalidArgument(operation, 'keys', keys, 'an array of strings')
  for (const key of keys) assertKey(key, operation)
}
