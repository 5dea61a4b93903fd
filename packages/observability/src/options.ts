import { validateOptions } from '@tagcache/core'
import { z } from 'zod'

/** A value as an error message shows it: strings quoted. */
export const got = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value) : String(value)

/** A function option; `expected` says which signature. */
export const fn = <T>(expected: string) =>
  z.custom<T>((v) => typeof v === 'function', { error: `expected a function ${expected}` })

/**
 * Validates the options of one of this package's factories with core's
 * `validateOptions`: one `InvalidOptionsError` (`E_INVALID_OPTIONS`) listing
 * every bad path, each prefixed with the factory, e.g.
 * `[tagcache] [observability] invalid options:` then
 * `- loggerHook.slowOperationMs: expected a number of milliseconds >= 0, got -1`.
 *
 * @internal
 */
export function factoryOptions<T>(factory: string, schema: z.ZodType<T>, options: unknown): T {
  const parsed = validateOptions('observability', z.object({ [factory]: schema }), {
    [factory]: options,
  }) as Record<string, T>
  return parsed[factory] as T
}
