// `wrap`'s options about stale values: `grace`, `graceBackoff`, the soft
// `timeout` and `refreshAhead`, checked once per distinct setting.
import { InvalidOptionsError } from './errors.js'
import { parseTtl, type Ttl } from './ttl.js'

/** @internal The stale-value options of one call, in ms (`refreshAhead` a share). */
export interface StaleOptions {
  /** How long an entry stays readable as stale past its ttl; 0: none. */
  readonly grace: number
  /** After a factory failure served stale: no new try for this long. */
  readonly backoff: number
  /** Soft timeout: with a stale value, serve it after this long; `Infinity`: wait. */
  readonly soft: number
  /** Share of the ttl (0..1) before expiry in which a hit refreshes; 0: never. */
  readonly ahead: number
}

const DEFAULT_BACKOFF = 10_000

/**
 * Parsed settings by value of `grace` when it is the only one given (the
 * common case): a hit then costs one Map lookup, not a duration parse.
 */
const byGrace = new Map<unknown, StaleOptions>()
const BY_GRACE_MAX = 64

interface Given {
  grace?: unknown
  graceBackoff?: unknown
  timeout?: unknown
  refreshAhead?: unknown
}

/**
 * @internal The call's stale-value options, or `undefined` when it has none.
 * @throws InvalidOptionsError naming every bad option.
 */
export function staleOptions(options: Given, operation: string): StaleOptions | undefined {
  const { grace, graceBackoff, timeout, refreshAhead } = options
  if (
    graceBackoff === undefined &&
    timeout === undefined &&
    refreshAhead === undefined &&
    (typeof grace === 'string' || typeof grace === 'number')
  ) {
    const known = byGrace.get(grace)
    if (known !== undefined) return known
    const parsed = parse(options, operation)
    if (byGrace.size >= BY_GRACE_MAX) byGrace.clear()
    if (parsed !== undefined) byGrace.set(grace, parsed)
    return parsed
  }
  if (
    grace === undefined &&
    graceBackoff === undefined &&
    timeout === undefined &&
    refreshAhead === undefined
  ) {
    return undefined
  }
  return parse(options, operation)
}

function parse(options: Given, operation: string): StaleOptions | undefined {
  const issues: string[] = []
  const { grace, graceBackoff, timeout, refreshAhead } = options
  const graceMs =
    grace === undefined || grace === false ? 0 : duration(grace, 'grace', issues, false)
  if (graceMs === 0) {
    if (graceBackoff !== undefined)
      issues.push('graceBackoff: given without grace; expected grace (a duration > 0) too')
    if (timeout !== undefined)
      issues.push(
        'timeout: given without grace; expected grace too (the soft timeout serves a stale value, which only grace keeps)',
      )
  }
  const backoff =
    graceBackoff === undefined
      ? DEFAULT_BACKOFF
      : duration(graceBackoff, 'graceBackoff', issues, true)
  const soft =
    timeout === undefined ? Number.POSITIVE_INFINITY : duration(timeout, 'timeout', issues, true)
  let ahead = 0
  if (refreshAhead !== undefined && refreshAhead !== false) {
    if (typeof refreshAhead !== 'number' || !(refreshAhead > 0 && refreshAhead < 1)) {
      issues.push(
        `refreshAhead: got ${typeof refreshAhead === 'number' ? refreshAhead : (JSON.stringify(refreshAhead) ?? typeof refreshAhead)}; expected a share of the ttl between 0 and 1, exclusive (0.2: refresh in the last 20%)`,
      )
    } else ahead = refreshAhead
  }
  if (issues.length > 0) throw new InvalidOptionsError(operation, issues)
  if (graceMs === 0 && ahead === 0) return undefined
  return Object.freeze({ grace: graceMs, backoff, soft, ahead })
}

/** A finite duration in ms (0 allowed when `zero`), or NaN with an issue recorded. */
function duration(value: unknown, name: string, issues: string[], zero: boolean): number {
  let ms: number
  try {
    ms = parseTtl(value as Ttl)
  } catch (error) {
    issues.push(`${name}: ${(error as Error).message.replace('[tagcache] [ttl] ', '')}`)
    return Number.NaN
  }
  if (!Number.isFinite(ms)) {
    issues.push(`${name}: got ${JSON.stringify(value)}; expected a finite duration`)
    return Number.NaN
  }
  if (ms === 0 && !zero) {
    issues.push(`${name}: got ${JSON.stringify(value)}; expected a duration > 0 (or leave it out)`)
    return Number.NaN
  }
  return ms
}
