import type {
  ErrorEvent,
  Hook,
  HookErrorEvent,
  InvalidateEvent,
  OperationEndEvent,
} from '@tagcache/core'
import { z } from 'zod'
import { factoryOptions, got } from './options.js'

/** A logging method in pino's style: a merge object first, then a message. */
export type LogFn = (object: Record<string, unknown>, message: string) => void

/**
 * The logger `loggerHook` writes to: pino, or anything with the same
 * `(object, message)` methods (bunyan, a pino-compatible wrapper...).
 */
export interface Logger {
  error: LogFn
  warn: LogFn
  info: LogFn
  debug: LogFn
}

/** Options of {@link loggerHook}. */
export interface LoggerHookOptions {
  /**
   * Log every completed operation at `debug` (name, keys, duration, outcome).
   * @default false
   */
  operations?: boolean
  /**
   * Warn about operations slower than this many milliseconds.
   * @default undefined (off)
   */
  slowOperationMs?: number
  /**
   * Log invalidations at `info` (they change what every process serves, which
   * is worth an audit trail).
   * @default true
   */
  invalidations?: boolean
  /**
   * Include keys in log records. Turn off when keys carry personal data.
   * @default true
   */
  keys?: boolean
}

const milliseconds = (issue: { input?: unknown }) =>
  `expected a number of milliseconds >= 0, got ${got(issue.input)}`

const optionsSchema: z.ZodType<LoggerHookOptions> = z.strictObject({
  operations: z.boolean().optional(),
  slowOperationMs: z.number({ error: milliseconds }).min(0, { error: milliseconds }).optional(),
  invalidations: z.boolean().optional(),
  keys: z.boolean().optional(),
})

/**
 * Creates a hook that writes a cache's errors to a pino-style logger:
 * operations that failed at `error`, errors the cache survived (an unreadable
 * entry read as a miss, a store failure under `onError: 'miss'`) at `warn`,
 * and a hook that threw (reported once per hook) at `warn`. Optionally,
 * invalidations at `info` and every operation at `debug`.
 *
 * Errors are logged under `err`, as pino's serializers expect.
 *
 * @example
 * ```ts
 * import pino from 'pino'
 * import { createCache } from '@tagcache/core'
 * import { memoryStore } from '@tagcache/memory'
 * import { loggerHook } from '@tagcache/observability'
 *
 * const cache = createCache({
 *   store: memoryStore(),
 *   hooks: [loggerHook(pino(), { slowOperationMs: 50 })],
 * })
 * ```
 */
export function loggerHook(logger: Logger, options: LoggerHookOptions = {}): Hook {
  for (const level of ['error', 'warn', 'info', 'debug'] as const) {
    if (typeof logger?.[level] !== 'function') {
      throw new TypeError(
        `[tagcache] [observability] loggerHook: the logger has no ${level}() method; expected a pino-style logger with error, warn, info and debug`,
      )
    }
  }
  const {
    slowOperationMs: slow,
    keys: withKeys = true,
    invalidations: logInvalidations = true,
    operations: logOperations = false,
  } = factoryOptions('loggerHook', optionsSchema, options)

  const describe = (event: OperationEndEvent): Record<string, unknown> => ({
    namespace: event.namespace,
    store: event.store,
    operation: event.operation,
    ...(withKeys ? { keys: event.keys } : { keyCount: event.keys.length }),
    ...(event.tags.length > 0 ? { tags: event.tags } : {}),
    durationMs: event.duration,
    outcome: event.outcome,
  })

  const hook: Hook = {
    error(event: ErrorEvent) {
      const failed = event.failedOperation
      if (failed !== undefined) {
        logger.error(
          { err: event.error, ...describe(failed) },
          `tagcache ${event.operation} failed`,
        )
        return
      }
      logger.warn(
        {
          err: event.error,
          namespace: event.namespace,
          store: event.store,
          operation: event.operation,
          ...(withKeys && event.key !== undefined ? { key: event.key } : {}),
        },
        `tagcache ${event.operation} treated an error as a miss`,
      )
    },
    hookError(event: HookErrorEvent) {
      logger.warn(
        {
          err: event.error,
          namespace: event.namespace,
          store: event.store,
          hookIndex: event.hookIndex,
          method: event.method,
        },
        `tagcache hook #${event.hookIndex} threw in ${event.method}(); the operation was not affected (reported once per hook)`,
      )
    },
  }
  if (logInvalidations) {
    hook.invalidate = (event: InvalidateEvent) => {
      logger.info(
        { namespace: event.namespace, store: event.store, tags: event.tags, all: event.all },
        event.all ? 'tagcache invalidated the whole namespace' : 'tagcache invalidated tags',
      )
    }
  }
  if (logOperations || slow !== undefined) {
    hook.after = (event: OperationEndEvent) => {
      if (slow !== undefined && event.duration >= slow) {
        logger.warn(
          { ...describe(event), slowOperationMs: slow },
          `tagcache ${event.operation} took ${event.duration.toFixed(1)}ms`,
        )
      } else if (logOperations) {
        logger.debug(describe(event), `tagcache ${event.operation}`)
      }
    }
  }
  return hook
}
