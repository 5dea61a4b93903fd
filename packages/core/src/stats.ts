/** Counters of one cache since creation or the last `reset()`. */
export interface CacheStats {
  /** Reads that found a valid entry. */
  readonly hits: number
  /** Reads that found nothing valid. */
  readonly misses: number
  /** Entries written. */
  readonly sets: number
  /** Entries deleted by `delete`/`deleteMany`. */
  readonly deletes: number
  /** `invalidate`/`invalidateAll` calls. */
  readonly invalidations: number
  /**
   * Store failures, unreadable payloads, and `wrap` results left uncached
   * because `ctx.setTags` named an undeclared tag (`E_UNDECLARED_TAG`).
   * Operations the circuit breaker skipped count in `skipped` instead.
   */
  readonly errors: number
  /** Callers that joined a computation already in flight. */
  readonly coalesced: number
  /**
   * Entries evicted for capacity that this process saw: by a bounded cache's
   * policy (`createCache({ policy })`, `cached(fn, { policy })`; on Redis,
   * those this process's writes caused) or by an in-process store's bounds.
   */
  readonly evictions: number
  /**
   * Store operations the circuit breaker skipped while open
   * (`breakerDuration`): answered as if the store had failed, without it.
   */
  readonly skipped: number
  /** Stale values `wrap` served within their `grace` (the `stale` event). */
  readonly stale: number
  /** hits / (hits + misses), 0 when there were no reads. */
  readonly hitRatio: number
  /** One line, e.g. `hits=10 misses=2 hitRatio=83.3% sets=2 ...`. */
  readonly summary: string
  /** Sets every counter to zero. */
  reset(): void
}

/** @internal Mutable counters behind `cache.stats`. */
export class StatsCounter implements CacheStats {
  hits = 0
  misses = 0
  sets = 0
  deletes = 0
  invalidations = 0
  errors = 0
  coalesced = 0
  evictions = 0
  skipped = 0
  stale = 0

  get hitRatio(): number {
    const reads = this.hits + this.misses
    return reads === 0 ? 0 : this.hits / reads
  }

  get summary(): string {
    return `hits=${this.hits} misses=${this.misses} hitRatio=${(this.hitRatio * 100).toFixed(1)}% sets=${this.sets} deletes=${this.deletes} invalidations=${this.invalidations} errors=${this.errors} coalesced=${this.coalesced} evictions=${this.evictions} skipped=${this.skipped} stale=${this.stale}`
  }

  reset(): void {
    this.hits = 0
    this.misses = 0
    this.sets = 0
    this.deletes = 0
    this.invalidations = 0
    this.errors = 0
    this.coalesced = 0
    this.evictions = 0
    this.skipped = 0
    this.stale = 0
  }
}
