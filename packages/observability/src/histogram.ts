/**
 * Latency summary of one operation, in milliseconds. Quantiles come from a
 * log-scale histogram (4 buckets per doubling), so they are within about 19%
 * of the true value: good enough for dashboards, at a fixed, tiny cost per
 * recording.
 */
export interface LatencySummary {
  /** Recordings. */
  readonly count: number
  /** Sum of all durations. */
  readonly sum: number
  /** `sum / count`, 0 when empty. */
  readonly mean: number
  /** Smallest duration recorded, 0 when empty. */
  readonly min: number
  /** Largest duration recorded, 0 when empty. */
  readonly max: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
}

// Buckets cover 1 µs .. ~4.6 h; durations outside land in the end buckets.
const MIN_MS = 0.001
const PER_DOUBLING = 4
const BUCKETS = PER_DOUBLING * 34
/** 2^32: below it, `Math.clz32` gives a ratio's doubling without a logarithm. */
const CLZ_LIMIT = 2 ** 32

/**
 * Upper bound of each bucket: bucket `i` holds the durations in
 * `(UPPER[i - 1], UPPER[i]]` (bucket 0 from 0), the last one everything above.
 * The same numbers decide where a duration goes and what a quantile reports,
 * so a recording is never above the bound reported for its bucket.
 */
const UPPER = new Float64Array(BUCKETS)
for (let i = 0; i < BUCKETS - 1; i++) UPPER[i] = MIN_MS * 2 ** (i / PER_DOUBLING)
UPPER[BUCKETS - 1] = Number.POSITIVE_INFINITY

/**
 * @internal The bucket of a duration in ms (>= 0): the first whose upper
 * bound is >= `ms`. The doubling comes from `Math.clz32` (the rounding of
 * `ms / MIN_MS` can put it one doubling off) and a few comparisons against
 * {@link UPPER} settle it exactly: no logarithm, no search over all buckets.
 */
export function bucketOf(ms: number): number {
  const ratio = ms / MIN_MS
  if (!(ratio < CLZ_LIMIT)) return ratio >= CLZ_LIMIT ? slowBucketOf(ms) : 0
  // ratio in [2^d, 2^(d + 1)), so ms is within a rounding of bucket 4d's bounds.
  const doubling = 31 - Math.clz32(ratio)
  let i = doubling <= 0 ? 0 : doubling * PER_DOUBLING - 1
  while (ms > (UPPER[i] as number)) i++
  return i
}

/** {@link bucketOf} above 2^32 µs (~72 min), where `Math.clz32` cannot take the ratio. */
function slowBucketOf(ms: number): number {
  let i = BUCKETS - 1
  while (i > 0 && ms <= (UPPER[i - 1] as number)) i--
  return i
}

/** @internal The upper bound of bucket `i` (Infinity for the last). */
export function bucketUpperBound(i: number): number {
  return UPPER[i] as number
}

/** @internal A fixed-size log-scale histogram of durations in ms. */
export class LatencyHistogram {
  #counts = new Float64Array(BUCKETS)
  #count = 0
  #sum = 0
  #min = Number.POSITIVE_INFINITY
  #max = 0

  /** Records one duration; negative and NaN durations (not measured) are ignored. */
  record(ms: number): void {
    if (!(ms >= 0)) return
    const index = bucketOf(ms)
    this.#counts[index] = (this.#counts[index] as number) + 1
    this.#count++
    this.#sum += ms
    if (ms < this.#min) this.#min = ms
    if (ms > this.#max) this.#max = ms
  }

  /** The value below which `q` of the recordings fall (bucket upper bound, clamped to [min, max]). */
  quantile(q: number): number {
    if (this.#count === 0) return 0
    const rank = Math.max(1, Math.ceil(q * this.#count))
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] as number
      if (seen >= rank) {
        // The last bucket is open-ended: only the maximum bounds it.
        if (i === BUCKETS - 1) return this.#max
        return Math.min(this.#max, Math.max(this.#min, UPPER[i] as number))
      }
    }
    return this.#max
  }

  summary(): LatencySummary {
    const count = this.#count
    return {
      count,
      sum: this.#sum,
      mean: count === 0 ? 0 : this.#sum / count,
      min: count === 0 ? 0 : this.#min,
      max: this.#max,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
    }
  }

  reset(): void {
    this.#counts.fill(0)
    this.#count = 0
    this.#sum = 0
    this.#min = Number.POSITIVE_INFINITY
    this.#max = 0
  }
}
