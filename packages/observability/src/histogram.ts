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
const SCALE = PER_DOUBLING / Math.LN2

/** @internal A fixed-size log-scale histogram of durations in ms. */
export class LatencyHistogram {
  #counts = new Float64Array(BUCKETS)
  #count = 0
  #sum = 0
  #min = Number.POSITIVE_INFINITY
  #max = 0

  record(ms: number): void {
    if (!(ms >= 0)) return
    const index = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) * SCALE))
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
        const upper = MIN_MS * Math.exp(i / SCALE)
        return Math.min(this.#max, Math.max(this.#min, upper))
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
