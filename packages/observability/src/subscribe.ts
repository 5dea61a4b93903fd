import {
  subscribe as subscribeChannel,
  tracingChannel,
  unsubscribe,
} from 'node:diagnostics_channel'
import {
  type ChannelEvent,
  channelNames,
  HOOK_METHODS,
  type Hook,
  type OperationEndEvent,
} from '@tagcache/core'

// before/after travel on the tracing channel; every other method has a channel of its own.
const EVENTS = HOOK_METHODS.filter(
  (method): method is ChannelEvent => method !== 'before' && method !== 'after',
)

/**
 * Attaches a hook to **every** cache in the process, through the
 * `node:diagnostics_channel` channels core publishes to (see `channelNames`
 * in `@tagcache/core`), instead of passing it to each `createCache`. Handy
 * for instrumentation set up once at startup, and for caches created by code
 * you do not own.
 *
 * The hook sees the same events, in the same order, as one passed in `hooks`,
 * except `around`: a channel cannot wrap an execution (subscribe to the
 * `tagcache:operation` tracing channel and use `bindStore` for that).
 * An exception it throws is caught (diagnostics_channel would otherwise turn
 * it into an uncaught exception) and reported once with
 * `process.emitWarning`.
 *
 * @returns A function that detaches the hook.
 * @example
 * ```ts
 * import { metricsCollector, subscribe } from '@tagcache/observability'
 *
 * const metrics = metricsCollector()
 * const unsubscribe = subscribe(metrics) // every cache, from now on
 * // ...
 * unsubscribe()
 * ```
 */
export function subscribe(hook: Hook): () => void {
  let warned = false
  const guard =
    (method: keyof Hook) =>
    (message: unknown): void => {
      const fn = hook[method] as ((event: unknown) => unknown) | undefined
      if (fn === undefined) return
      try {
        const result = fn.call(hook, message)
        if (result instanceof Promise) result.catch((error) => report(method, error))
      } catch (error) {
        report(method, error)
      }
    }
  const report = (method: string, error: unknown) => {
    if (warned) return
    warned = true
    process.emitWarning(
      `[tagcache] [observability] a subscribed hook threw in ${method}(): ${(error as Error)?.message ?? String(error)}; hooks must not throw (reported once, the operation was not affected)`,
      { type: 'TagCacheHookWarning' },
    )
  }

  const before = guard('before')
  const after = guard('after')
  const operations = tracingChannel<object, OperationEndEvent>(channelNames.operation)
  const onStart = (context: unknown) => before(context)
  // Failed operations reach the hook through the `error` channel, like a hook's `error`.
  const onAsyncEnd = (context: unknown) => {
    if ((context as OperationEndEvent).outcome !== 'error') after(context)
  }
  operations.start.subscribe(onStart)
  operations.asyncEnd.subscribe(onAsyncEnd)
  const plain = EVENTS.map((name) => [channelNames[name], guard(name)] as const)
  for (const [name, listener] of plain) subscribeChannel(name, listener)

  let active = true
  return () => {
    if (!active) return
    active = false
    operations.start.unsubscribe(onStart)
    operations.asyncEnd.unsubscribe(onAsyncEnd)
    for (const [name, listener] of plain) unsubscribe(name, listener)
  }
}
