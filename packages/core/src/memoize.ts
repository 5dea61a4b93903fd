// Memoization: `cache.cached(fn)` and `@cache.decorator()`, both cache-aside
// over `wrap` with keys derived from the arguments.

import type {
  Cache,
  CachedFunction,
  CachedOptions,
  ComputeOptions,
  DecoratorOptions,
} from './cache-api.js'
import { wrap } from './cache-aside.js'
import { type CacheContext, EMPTY, invalidArgument } from './context.js'
import { stableHash } from './hash.js'
import { cachedOptionsSchema, validateOptions } from './options.js'
import { staleOptions } from './stale-options.js'
import { lockOptions } from './stampede-lock.js'
import { remove } from './writes.js'

/** @internal `cache.cached`. `cache` is the facade, for `.invalidate` to run observed. */
export function cached<Args extends unknown[], R>(
  ctx: CacheContext,
  cache: Cache,
  fn: (...args: Args) => R,
  options: CachedOptions<Args, Awaited<R>>,
): CachedFunction<Args, R> {
  if (typeof fn !== 'function') throw invalidArgument('cached', 'fn', fn, 'a function')
  const identity = `${options.name ?? (fn.name || 'anonymous')}#${stableHash(fn.toString()).slice(0, 8)}`
  validateOptions('cached', cachedOptionsSchema, options)
  // A bounded function: its own view of the store, and its own index.
  const own = options.policy === undefined ? ctx : ctx.derive(options.policy, identity)
  // Checked now rather than at the first miss.
  if (options.lock !== undefined) lockOptions(options.lock, 'cached', own.store)
  staleOptions(options, 'cached')
  const keyOf = options.key ?? ((...args: Args) => `cached:${identity}:${stableHash(args)}`)
  const call = (async (...args: Args) =>
    wrap(
      own,
      'cached',
      keyOf(...args),
      async () => (await fn(...args)) as Awaited<R>,
      {
        tags: resolve(options.tags, args),
        ttl: resolve(options.ttl, args),
        schema: options.schema,
        ...computeOptions(options),
      },
      bypassed(options.bypass, args),
    )) as CachedFunction<Args, R>
  call.invalidate =
    own === ctx
      ? (...args: Args) => cache.delete(keyOf(...args))
      : (...args: Args) => {
          const key = keyOf(...args)
          return own.events.run('delete', key, EMPTY, remove, own, key)
        }
  call.bypass = async (...args: Args): Promise<Awaited<R>> => (await fn(...args)) as Awaited<R>
  call.key = (...args: Args) => keyOf(...args)
  return call
}

/** @internal `cache.decorator`. */
export function decorator<Args extends unknown[]>(
  ctx: CacheContext,
  options: DecoratorOptions<Args>,
) {
  validateOptions('decorator', cachedOptionsSchema, options)
  return <This, R>(
    method: (this: This, ...args: Args) => R,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => R>,
  ) => {
    if (context.kind !== 'method') {
      throw new TypeError(
        `[tagcache] [core] @cache.decorator() applies to methods; got a ${String(context.kind)}`,
      )
    }
    const methodName = String(context.name)
    // A bounded method: one view per decorated method, shared by its instances.
    const own =
      options.policy === undefined ? ctx : ctx.derive(options.policy, `method:${methodName}`)
    if (options.lock !== undefined) lockOptions(options.lock, 'decorator', own.store)
    staleOptions(options, 'decorator')
    return async function (this: This, ...args: Args): Promise<Awaited<R>> {
      const owner =
        (this as { constructor?: { name?: string } } | undefined)?.constructor?.name || 'anonymous'
      const key = options.key
        ? options.key(...args)
        : `method:${owner}.${methodName}:${stableHash(args)}`
      return wrap(
        own,
        'cached',
        key,
        async () => method.apply(this, args),
        {
          tags: resolve(options.tags, args),
          ttl: resolve(options.ttl, args),
          ...computeOptions(options),
        },
        bypassed(options.bypass, args),
      ) as Promise<Awaited<R>>
    }
  }
}

function resolve<Args extends unknown[], V>(
  option: V | ((...args: Args) => V) | undefined,
  args: Args,
): V | undefined {
  return typeof option === 'function' ? (option as (...args: Args) => V)(...args) : option
}

/** Asks a `bypass` predicate; anything but a boolean is a mistake (an async predicate would always bypass). */
function bypassed<Args extends unknown[]>(
  bypass: ((...args: Args) => boolean | undefined) | undefined,
  args: Args,
): boolean {
  if (bypass === undefined) return false
  const result: unknown = bypass(...args)
  if (result === undefined) return false
  if (typeof result !== 'boolean') {
    throw invalidArgument(
      'cached',
      'bypass result',
      result,
      'a boolean (true: recompute and rewrite)',
    )
  }
  return result
}

/** The resilience options `cached` and `decorator` hand each `wrap` (see `ComputeOptions`). */
function computeOptions(options: ComputeOptions): ComputeOptions {
  return {
    forceFresh: options.forceFresh,
    hardTimeout: options.hardTimeout,
    lock: options.lock,
    grace: options.grace,
    graceBackoff: options.graceBackoff,
    timeout: options.timeout,
    refreshAhead: options.refreshAhead,
  }
}
