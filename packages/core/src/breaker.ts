// The store circuit breaker (`breakerDuration`): after a store failure the
// cache stops sending operations to the store for a while, so that no
// request waits on a store known to be down, then lets one through to try it.
// It sits between core and the store as a Store of its own, created only when
// the option is set: a cache without it pays nothing.

import { performance as clock } from 'node:perf_hooks'
import { CircuitOpenError, isTagCacheError } from './errors.js'
import type { BreakerState } from './hooks.js'
import type { Lifecycle } from './lifecycle.js'
import type { StatsCounter } from './stats.js'
import { READ_ASYNC, type Store } from './store.js'

const CLOSED = 0
const OPEN = 1
const HALF_OPEN = 2

/** @internal One cache's breaker: its state, and the decision each store call starts with. */
export class CircuitBreaker {
  /** CLOSED, OPEN or HALF_OPEN. Read by every guarded call: closed costs one comparison. */
  state = CLOSED
  readonly #duration: number
  readonly #events: Lifecycle
  readonly #stats: StatsCounter
  readonly #namespace: string
  readonly #store: string
  /** While open or half-open: when the next call may go to the store (clock.now() ms). */
  #until = 0
  /**
   * Incremented each time the breaker opens. A call sent while it was not
   * closed closes it on success only if no failure reopened it since: the
   * late success of a call from before a failure proves nothing.
   */
  #epoch = 0

  constructor(
    duration: number,
    events: Lifecycle,
    stats: StatsCounter,
    namespace: string,
    store: string,
  ) {
    this.#duration = duration
    this.#events = events
    this.#stats = stats
    this.#namespace = namespace
    this.#store = store
  }

  /**
   * A store failure (any error: only `E_STORE` and `E_TIMEOUT` count). Opens
   * a closed or half-open breaker; an open one stays as it is (failures of
   * calls sent before it opened do not extend the window).
   */
  failed(error: unknown): void {
    if (this.state === OPEN) return
    if (!isTagCacheError(error) || (error.code !== 'E_STORE' && error.code !== 'E_TIMEOUT')) return
    this.state = OPEN
    this.#until = clock.now() + this.#duration
    this.#epoch++
    this.#emit('open', error)
  }

  /**
   * Whether a call may go to the store now: the epoch it goes in, or -1 to
   * skip it (counted in `stats.skipped`). Past the window, lets one call
   * through (half-open), and again each window while it has not settled.
   */
  admit(): number {
    if (this.state === CLOSED) return this.#epoch
    const now = clock.now()
    if (now < this.#until) {
      this.#stats.skipped++
      return -1
    }
    this.state = HALF_OPEN
    this.#until = now + this.#duration
    this.#emit('half-open')
    return this.#epoch
  }

  /** The epoch of a call sent whatever the state (an invalidation). */
  admitAlways(): number {
    return this.#epoch
  }

  /** A call sent in `epoch` while not closed succeeded: the store answers again. */
  succeeded(epoch: number): void {
    if (this.state === CLOSED || epoch !== this.#epoch) return
    this.state = CLOSED
    this.#emit('closed')
  }

  /** Sends `call` to the store (a call made while not closed) and watches how it ends. */
  watch<T>(epoch: number, call: () => Promise<T>): Promise<T> {
    let pending: Promise<T>
    try {
      pending = call()
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.then(
      () => this.succeeded(epoch),
      (error: unknown) => this.failed(error),
    )
    return pending
  }

  skip(operation: string): CircuitOpenError {
    return new CircuitOpenError(this.#store, operation)
  }

  #emit(state: BreakerState, cause?: unknown): void {
    const events = this.#events
    if (!events.watching('breaker')) return
    const event =
      cause === undefined
        ? { namespace: this.#namespace, store: this.#store, state }
        : { namespace: this.#namespace, store: this.#store, state, cause }
    events.emit('breaker', event)
  }
}

/**
 * @internal `store` behind `breaker`: while the breaker is not closed, each
 * call is either skipped (rejected with `CircuitOpenError`, without touching
 * the store) or sent and watched; `getSync` then defers every read to `get`.
 * Invalidations are always sent. (A bounded view's `dropIndex`, called with
 * `invalidateAll`, goes to the view itself.)
 * Failures of calls sent while closed are reported by core's `onError` path
 * (`CacheContext.storeFailed`), which also sees timeouts.
 */
export function guardStore(store: Store, breaker: CircuitBreaker): Store {
  // Each method: one comparison when closed, then straight to the store.
  const guarded = <A extends unknown[], T>(
    operation: string,
    method: (...args: A) => Promise<T>,
  ): ((...args: A) => Promise<T>) => {
    const bound = method.bind(store)
    return (...args: A): Promise<T> => {
      if (breaker.state === CLOSED) return bound(...args)
      const epoch = breaker.admit()
      if (epoch === -1) return Promise.reject(breaker.skip(operation))
      return breaker.watch(epoch, () => bound(...args))
    }
  }
  const attempted = <A extends unknown[], T>(
    method: (...args: A) => Promise<T>,
  ): ((...args: A) => Promise<T>) => {
    const bound = method.bind(store)
    return (...args: A): Promise<T> => {
      if (breaker.state === CLOSED) return bound(...args)
      // Sent whatever the state: its success is a sign of health like a probe's.
      return breaker.watch(breaker.admitAlways(), () => bound(...args))
    }
  }
  const get = store.get
  const guard: Store = {
    name: store.name,
    capabilities: store.capabilities,
    // Written out: the hottest call, without the rest array of `guarded`.
    get: (key, record) => {
      if (breaker.state === CLOSED) return get.call(store, key, record)
      const epoch = breaker.admit()
      if (epoch === -1) return Promise.reject(breaker.skip('get'))
      return breaker.watch(epoch, () => get.call(store, key, record))
    },
    getMany: guarded('getMany', store.getMany),
    set: guarded('set', store.set),
    setMany: guarded('setMany', store.setMany),
    delete: guarded('delete', store.delete),
    deleteMany: guarded('deleteMany', store.deleteMany),
    tagVersions: guarded('tagVersions', store.tagVersions),
    invalidate: attempted(store.invalidate),
    ttl: guarded('ttl', store.ttl),
    expire: guarded('expire', store.expire),
  }
  if (typeof store.deleteIfUnchanged === 'function') {
    guard.deleteIfUnchanged = guarded('delete', store.deleteIfUnchanged)
  }
  if (typeof store.getOrCapture === 'function') {
    guard.getOrCapture = guarded('getOrCapture', store.getOrCapture)
  }
  if (typeof store.expireTags === 'function') {
    // An invalidation, soft or not, is always sent.
    guard.expireTags = attempted(store.expireTags)
  }
  if (typeof store.lock === 'function' && typeof store.unlock === 'function') {
    guard.lock = guarded('lock', store.lock)
    // Sent whatever the state: a lock left behind would delay other processes until its ttl.
    guard.unlock = attempted(store.unlock)
    // Waiting touches no store command of its own: passed through as it is.
    if (typeof store.awaitUnlock === 'function') guard.awaitUnlock = store.awaitUnlock.bind(store)
  }
  const getSync = store.getSync
  if (typeof getSync === 'function') {
    // Not closed: the read goes through `get`, admitted (or skipped) and
    // watched there like any store call, whether or not this store could
    // have answered it synchronously.
    guard.getSync = (key, record, now) =>
      breaker.state === CLOSED ? getSync.call(store, key, record, now) : READ_ASYNC
  }
  return guard
}
