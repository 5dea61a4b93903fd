/**
 * A time to live: a number of **milliseconds**, a duration string combining the
 * units `ms s m h d w` (`'2h30m'`, `'1d'`, `'500ms'`, `'1.5s'`), or
 * `Infinity` / `'forever'` for no expiry.
 */
export type Ttl = number | string

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

// One `<number><unit>` group; the whole string must be a sequence of them.
const GROUP = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d|w)/y

/**
 * Parses a {@link Ttl} into milliseconds (`Infinity` for no expiry).
 *
 * @throws RangeError for negative, NaN or malformed input (`'1hfoo'`, `''`, `'5x'`), naming the input.
 * @throws TypeError when the input is neither a number nor a string.
 * @example
 * ```ts
 * parseTtl('2h30m') // 9_000_000
 * parseTtl(500)     // 500
 * parseTtl('forever') // Infinity
 * ```
 */
export function parseTtl(ttl: Ttl): number {
  if (typeof ttl === 'number') {
    if (Number.isNaN(ttl) || ttl < 0) {
      throw new RangeError(
        `[tagcache] [ttl] invalid ttl ${String(ttl)}; expected a number of milliseconds >= 0, or Infinity`,
      )
    }
    return ttl
  }
  if (typeof ttl !== 'string') {
    throw new TypeError(
      `[tagcache] [ttl] invalid ttl of type ${ttl === null ? 'null' : typeof ttl}; expected milliseconds (number) or a duration string like '2h30m'`,
    )
  }
  const input = ttl.trim()
  if (input === 'forever' || input === 'Infinity') return Number.POSITIVE_INFINITY
  if (input.length === 0) {
    throw new RangeError(
      `[tagcache] [ttl] invalid ttl ${JSON.stringify(ttl)}; expected a duration like '60s', '2h30m' or 'forever'`,
    )
  }
  let total = 0
  let index = 0
  GROUP.lastIndex = 0
  while (index < input.length) {
    GROUP.lastIndex = index
    const match = GROUP.exec(input)
    if (match === null) {
      throw new RangeError(
        `[tagcache] [ttl] invalid ttl ${JSON.stringify(ttl)} at ${JSON.stringify(input.slice(index))}; expected groups of <number><unit> with units ms, s, m, h, d, w (e.g. '2h30m')`,
      )
    }
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number)
    index = GROUP.lastIndex
  }
  return Math.round(total)
}
