// The operation lifecycle: hook dispatch, `before`/`after`/`error`, `around`,
// the `tagcache:*` diagnostics channels, and the one decision every operation
// starts with: run quietly (nothing observes) or observed.

// The module binding skips the global `performance` getter (~20 ns per read).
import { performance as clock } from 'node:perf_hooks'
import { type ChannelEvent, eventChannels, operationChannel } from './diagnostics.js'
import { TagCacheError } from './errors.js'
import {
  type BreakerEvent,
  type CacheOperation,
  type ErrorEvent,
  type EvictEvent,
  HOOK_METHODS,
  type Hook,
  type HookErrorEvent,
  type InvalidateEvent,
  type KeyEvent,
  type OperationEndEvent,
  type OperationOutcome,
  type SetEvent,
} from './hooks.js'

/** @internal The operation event while it runs: core fills in duration and outcome. */
export interface MutableEndEvent {
  namespace: string
  store: string
  operation: CacheOperation
  keys: readonly string[]
  tags: readonly string[]
  duration: number
  outcome: OperationOutcome
  hits: number | undefined
}

/**
 * @internal The body of an operation: `event` is set only when the operation
 * is observed, and the body may record its outcome (`wrap` knows whether it
 * was a hit) or `hits` on it. Arguments are passed through rather than
 * captured, so that an unobserved call allocates no closure.
 */
export type OperationBody<S, A, B, C, T> = (
  state: S,
  a: A,
  b: B,
  c: C,
  event: MutableEndEvent | undefined,
) => Promise<T>

interface Listener {
  readonly fn: (...args: unknown[]) => unknown
  readonly hook: Hook
  /** Position in the `hooks` option, for failure reports. */
  readonly index: number
}

type HookMethod = (typeof HOOK_METHODS)[number]

/**
 * Operations whose result says whether their one key was found: their outcome
 * is hit or miss. An object, not a Set: a property load is cheaper than
 * hashing the name on every operation.
 */
const NONE: readonly string[] = Object.freeze([])

const READS_ONE_KEY: Readonly<Record<CacheOperation, boolean>> = {
  get: true,
  getOrThrow: true,
  has: true,
  ttl: true,
  expire: true,
  persist: true,
  set: false,
  delete: false,
  getMany: false,
  setMany: false,
  deleteMany: false,
  invalidate: false,
  invalidateAll: false,
  expireTags: false,
  wrap: false,
  wrapMany: false,
  cached: false,
}

/** The hook implements `before`, `after`, `error` or `around`: it takes part in every operation. */
function isTimed(hook: Hook): boolean {
  return (
    typeof hook.before === 'function' ||
    typeof hook.after === 'function' ||
    typeof hook.error === 'function' ||
    typeof hook.around === 'function'
  )
}

/** @internal Dispatches one cache's hook events and runs its operations' lifecycle. */
export class Lifecycle {
  readonly #namespace: string
  readonly #store: string
  readonly #hooks: readonly Hook[]
  /** Each hook method, read once at construction: emitting never looks methods up. */
  readonly #listeners: Record<HookMethod, readonly Listener[]>
  /** Hooks' `around` methods, outermost first. */
  readonly #arounds: readonly Listener[]
  /** Some hook implements `around`: operations cannot skip the promise chain. */
  readonly hasAround: boolean
  /** Some hook implements before, after, error or around: operations need a lifecycle. */
  readonly #timed: boolean
  /**
   * Some such hook wants every operation's duration (its `latency` is not
   * `false` or a fraction): every operation reads the clock. (A
   * `tagcache:operation` subscriber also makes them read it.)
   */
  readonly #clocked: boolean
  /** Otherwise, the largest fraction of operations such a hook wants timed (0: none). */
  readonly #sampled: number
  readonly #warnedHooks = new WeakSet<Hook>()

  constructor(namespace: string, store: string, hooks: readonly Hook[]) {
    this.#namespace = namespace
    this.#store = store
    this.#hooks = hooks
    const listeners = {} as Record<HookMethod, Listener[]>
    for (const method of HOOK_METHODS) listeners[method] = []
    const arounds: Listener[] = []
    hooks.forEach((hook, index) => {
      for (const method of HOOK_METHODS) {
        const fn = hook[method] as ((...args: unknown[]) => unknown) | undefined
        if (typeof fn === 'function') listeners[method].push({ fn, hook, index })
      }
      const around = hook.around as ((...args: unknown[]) => unknown) | undefined
      if (typeof around === 'function') arounds.push({ fn: around, hook, index })
    })
    this.#listeners = listeners
    this.#arounds = arounds
    this.hasAround = arounds.length !== 0
    this.#timed =
      listeners.before.length + listeners.after.length + listeners.error.length + arounds.length > 0
    let clocked = false
    let sampled = 0
    for (const hook of hooks) {
      const latency = hook.latency
      if (latency === false || !isTimed(hook)) continue
      // A fraction samples (0 or less: never); anything else (true, 1, NaN...) times every operation.
      if (typeof latency === 'number' && latency < 1) sampled = Math.max(sampled, latency)
      else clocked = true
    }
    this.#clocked = clocked
    this.#sampled = sampled
  }

  /** True when nothing observes operations: the hot paths skip all event work. */
  quiet(): boolean {
    return !this.#timed && !operationChannel.hasSubscribers && !eventChannels.error.hasSubscribers
  }

  /** True when a hook or a diagnostics_channel subscriber wants `name` events. */
  watching(name: ChannelEvent): boolean {
    return this.#listeners[name].length !== 0 || eventChannels[name].hasSubscribers
  }

  /**
   * Runs an operation: straight through when nothing observes, else between
   * `before` and `after`/`error` (see {@link Lifecycle.observe}). `keys` may
   * be one key, turned into an array only when observed.
   */
  run<S, A, B, C, T>(
    operation: CacheOperation,
    keys: string | readonly string[],
    tags: readonly string[],
    body: OperationBody<S, A, B, C, T>,
    state: S,
    a?: A,
    b?: B,
    c?: C,
  ): Promise<T> {
    if (this.quiet()) return body(state, a as A, b as B, c as C, undefined)
    return this.observe(operation, typeof keys === 'string' ? [keys] : keys, tags, (event) =>
      body(state, a as A, b as B, c as C, event),
    )
  }

  /**
   * Runs an operation between `before` and `after`/`error`, and inside the
   * `tagcache:operation` tracing channel when it has subscribers.
   */
  observe<T>(
    operation: CacheOperation,
    keys: readonly string[],
    tags: readonly string[],
    run: (event: MutableEndEvent) => Promise<T>,
  ): Promise<T> {
    if (operationChannel.hasSubscribers) {
      const event = this.newEvent(operation, keys, tags)
      return operationChannel.tracePromise(() => this.#lifecycle(event, run), event)
    }
    return this.#lifecycle(this.newEvent(operation, keys, tags), run)
  }

  newEvent(
    operation: CacheOperation,
    keys: readonly string[],
    tags: readonly string[],
  ): MutableEndEvent {
    return {
      namespace: this.#namespace,
      store: this.#store,
      operation,
      // A key or tags of the wrong type fail the operation's own checks; the
      // event still gets arrays (its hooks and `error` read them).
      keys: Array.isArray(keys) ? keys : NONE,
      tags: Array.isArray(tags) ? tags : NONE,
      // NaN until measured: also keeps the field a double, whatever end() writes.
      duration: Number.NaN,
      outcome: 'ok',
      hits: undefined,
    }
  }

  /**
   * `before`, and the start time for {@link Lifecycle.end}/{@link Lifecycle.fail}:
   * `NaN` when nothing wants this operation's duration (the hooks declared
   * `latency: false`, or a fraction and this operation is not in the
   * sample, and the tracing channel has no subscribers), so that the
   * operation reads no clock at all: the two reads of a timed operation
   * cost more than the rest of the lifecycle (~45 ns each on a 2-core VM).
   */
  begin(event: MutableEndEvent): number {
    if (this.#listeners.before.length !== 0) this.emit('before', event)
    return this.#clocked ||
      operationChannel.hasSubscribers ||
      (this.#sampled !== 0 && Math.random() < this.#sampled)
      ? clock.now()
      : Number.NaN
  }

  /** Milliseconds since `began`, without reading the clock when `began` is NaN (not timed). */
  #since(began: number): number {
    return Number.isNaN(began) ? Number.NaN : clock.now() - began
  }

  // `then` rather than an async function: one promise per operation, not three.
  #lifecycle<T>(event: MutableEndEvent, run: (event: MutableEndEvent) => Promise<T>): Promise<T> {
    const began = this.begin(event)
    let pending: Promise<T>
    try {
      pending = this.#arounds.length === 0 ? run(event) : this.#around(0, event, run)
    } catch (error) {
      pending = Promise.reject(error)
    }
    return pending.then(
      (result) => {
        this.end(event, began, result)
        return result
      },
      (error: unknown) => {
        this.fail(event, began, error)
        throw error
      },
    )
  }

  /**
   * Runs `run` inside the hooks' `around` methods from `index` inwards. The
   * result is `proceed()`'s whatever an `around` does: one that throws,
   * rejects on its own or never proceeds is reported and worked around.
   */
  #around<T>(
    index: number,
    event: MutableEndEvent,
    run: (event: MutableEndEvent) => Promise<T>,
  ): Promise<T> {
    const listener = this.#arounds[index]
    if (listener === undefined) return run(event)
    let inner: Promise<T> | undefined
    const proceed = (): Promise<T> => {
      if (inner === undefined) {
        try {
          inner = this.#around(index + 1, event, run)
        } catch (error) {
          inner = Promise.reject(error)
        }
      }
      return inner
    }
    let outer: unknown
    try {
      outer = listener.fn.call(listener.hook, event, proceed)
    } catch (error) {
      this.#hookFailed(listener.index, 'around', error)
      return proceed()
    }
    return Promise.resolve(outer).then(
      () => {
        if (inner === undefined) {
          this.#hookFailed(
            listener.index,
            'around',
            new Error('around() settled without calling proceed()'),
          )
        }
        return proceed()
      },
      (error: unknown) => {
        if (inner === undefined) {
          this.#hookFailed(listener.index, 'around', error)
          return proceed()
        }
        // Passing on proceed()'s own rejection is what around should do; a
        // rejection of its own after a successful proceed is a hook failure.
        return inner.then((value) => {
          this.#hookFailed(listener.index, 'around', error)
          return value
        })
      },
    )
  }

  /** Completes an operation that succeeded: duration, outcome, `after`. */
  end(event: MutableEndEvent, began: number, result: unknown): void {
    event.duration = this.#since(began)
    if (READS_ONE_KEY[event.operation]) {
      event.outcome = result === undefined || result === false ? 'miss' : 'hit'
    }
    if (this.#listeners.after.length !== 0) this.emit('after', event)
  }

  /** Completes an operation that failed: `error`, or `after` for getOrThrow's miss. */
  fail(event: MutableEndEvent, began: number, error: unknown): void {
    event.duration = this.#since(began)
    // A CacheMiss from getOrThrow is the operation's answer, not a failure of the cache.
    if (error instanceof TagCacheError && error.code === 'E_CACHE_MISS') {
      event.outcome = 'miss'
      if (this.#listeners.after.length !== 0) this.emit('after', event)
      return
    }
    event.outcome = 'error'
    if (this.watching('error')) this.emitError(event.operation, event.keys[0], error, event)
  }

  emitError(
    operation: CacheOperation,
    key: string | undefined,
    error: unknown,
    failedOperation?: OperationEndEvent,
  ): void {
    const event: ErrorEvent = {
      namespace: this.#namespace,
      store: this.#store,
      operation,
      key,
      error,
      failedOperation,
    }
    this.emit('error', event)
  }

  emit(name: 'hit' | 'miss' | 'coalesced' | 'stale', event: KeyEvent): void
  emit(name: 'set', event: SetEvent): void
  emit(name: 'invalidate', event: InvalidateEvent): void
  emit(name: 'evict', event: EvictEvent): void
  emit(name: 'error', event: ErrorEvent): void
  emit(name: 'breaker', event: BreakerEvent): void
  emit(name: 'before' | 'after', event: MutableEndEvent): void
  emit(name: HookMethod, event: unknown): void {
    const listeners = this.#listeners[name]
    for (let i = 0; i < listeners.length; i++) {
      const listener = listeners[i] as Listener
      try {
        const result = listener.fn.call(listener.hook, event)
        if (result instanceof Promise) this.#watch(result, listener.index, name)
      } catch (error) {
        this.#hookFailed(listener.index, name, error)
      }
    }
    if (name !== 'before' && name !== 'after') {
      const channel = eventChannels[name]
      if (channel.hasSubscribers) channel.publish(event)
    }
  }

  /**
   * Reports the rejection of a hook's promise. A method of its own: a closure
   * in `emit` would make every call allocate the context it captures.
   */
  #watch(result: Promise<unknown>, index: number, method: string): void {
    result.catch((error: unknown) => this.#hookFailed(index, method, error))
  }

  /**
   * Reports a hook's first failure to the other hooks' `hookError` (a logger
   * hook), or with `process.emitWarning` when none listens. Never throws.
   */
  #hookFailed(index: number, method: string, error: unknown): void {
    const hook = this.#hooks[index] as Hook
    if (this.#warnedHooks.has(hook)) return
    this.#warnedHooks.add(hook)
    const event: HookErrorEvent = {
      namespace: this.#namespace,
      store: this.#store,
      method,
      hookIndex: index,
      error,
    }
    let reported = false
    for (const other of this.#listeners.hookError) {
      if (other.hook === hook) continue
      try {
        other.fn.call(other.hook, event)
        reported = true
      } catch {
        // A failing reporter must not recurse; the warning below still fires.
      }
    }
    const channel = eventChannels.hookError
    if (channel.hasSubscribers) {
      channel.publish(event)
      reported = true
    }
    if (reported) return
    process.emitWarning(
      `[tagcache] [core] hook #${index} threw in ${method}(): ${(error as Error)?.message ?? String(error)}; hooks must not throw (reported once per hook, the operation was not affected)`,
      { type: 'TagCacheHookWarning' },
    )
  }
}
