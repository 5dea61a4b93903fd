// W-TinyLFU, after Caffeine (Einziger, Friedman, Manes: "TinyLFU: A Highly
// Efficient Cache Admission Policy"). Newcomers enter a small LRU window (1% of
// the entries); an entry leaving the window is a candidate for the main
// region, a segmented LRU (probation 20%, protected 80%), and gets in only if
// a frequency sketch says it was requested more often than the main region's
// victim, which it then replaces. Scans and one-hit wonders thus pass through
// the window without flushing the frequently used entries.
//
// Left out of Caffeine's design: the adaptive window size (hill climbing) and
// the random admission against hash flooding; the window is fixed at 1%. The
// sketch has the doorkeeper of the TinyLFU paper.

import type { LocalPolicy, PolicyEntry } from '@tagcache/core'
import { List, ListEntry } from './local.js'

/** Which region an entry is in. */
const WINDOW = 0
const PROBATION = 1
const PROTECTED = 2

class RegionEntry extends ListEntry {
  region = WINDOW
}

/** A 32-bit FNV-1a hash of a string, then mixed (murmur3's finalizer) so every bit counts. */
function hash(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

const DEPTH = 4
const MAX_COUNT = 15
/**
 * Odd multipliers, one per sketch row then per doorkeeper probe: an index is
 * the top bits of `hash × seed` (Fibonacci hashing), which depend on every
 * bit of the hash, so rows are independent (the low bits of a product depend
 * only on the low bits of its factors).
 */
const ROW_SEEDS = [0x9e3779b1, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f] as const
const PROBE_SEEDS = [0x165667b1, 0xd3a2646d, 0xfd7046c5] as const
/** The largest `p` (so at most 2^24 counters a row, 32 MiB in all). */
const MAX_P = 2 ** 22

/**
 * A count-min sketch of 4-bit counters: 4 rows of `4 × p` counters, where `p`
 * is the power of two >= the cache's size, 8 per 32-bit word (as many
 * counters as Caffeine's sketch: 32 KiB per 1,000 entries). It estimates how
 * often a key was requested within a sample period: after `10 × maxSize`
 * counted requests every counter is halved (the "reset" that ages the
 * history, so that once-popular keys give way).
 *
 * With the doorkeeper (a Bloom filter of `8 × p` bits, 3 probes, emptied at
 * each reset), a key's first request in a period only sets its bits, and
 * the sketch counts it from its second: one-hit wonders (a scan) then do not
 * crowd the counters, so the estimates of keys requested again stay exact.
 */
export class FrequencySketch {
  readonly #table: Uint32Array
  /** 32 - log2(counters per row): a row index is the top bits of a product. */
  readonly #shift: number
  /** Words per row. */
  readonly #rowWords: number
  readonly #sampleSize: number
  readonly #doorkeeper: Uint32Array | undefined
  /** 32 - log2(bits of the doorkeeper). */
  readonly #doorShift: number
  #additions = 0

  constructor(maxSize: number, { doorkeeper = true }: { doorkeeper?: boolean } = {}) {
    let p = 16
    let log2 = 4
    while (p < maxSize && p < MAX_P) {
      p *= 2
      log2++
    }
    const width = 4 * p
    this.#shift = 32 - (log2 + 2)
    this.#rowWords = width >>> 3
    this.#table = new Uint32Array(this.#rowWords * DEPTH)
    this.#sampleSize = 10 * Math.max(1, maxSize)
    this.#doorkeeper = doorkeeper ? new Uint32Array(p >>> 2) : undefined
    this.#doorShift = 32 - (log2 + 3)
  }

  /** Requests counted since the last reset (for tests). */
  get additions(): number {
    return this.#additions
  }

  /** The estimated count of `key` (0..16): the smallest of its counters (plus its doorkeeper bit). */
  frequency(key: string): number {
    const h = hash(key)
    let min = MAX_COUNT
    for (let row = 0; row < DEPTH; row++) {
      const i = Math.imul(h, ROW_SEEDS[row] as number) >>> this.#shift
      const word = this.#table[row * this.#rowWords + (i >>> 3)] as number
      const count = (word >>> ((i & 7) << 2)) & 0xf
      if (count < min) min = count
    }
    return this.#doorkeeper !== undefined && this.#admitted(h, false) ? min + 1 : min
  }

  /** Counts one request of `key`; every `10 × maxSize` counted requests, halves all counters. */
  increment(key: string): void {
    const h = hash(key)
    if (this.#doorkeeper !== undefined && !this.#admitted(h, true)) {
      if (++this.#additions >= this.#sampleSize) this.#reset()
      return
    }
    let added = false
    for (let row = 0; row < DEPTH; row++) {
      const i = Math.imul(h, ROW_SEEDS[row] as number) >>> this.#shift
      const at = row * this.#rowWords + (i >>> 3)
      const shift = (i & 7) << 2
      const word = this.#table[at] as number
      if (((word >>> shift) & 0xf) < MAX_COUNT) {
        this.#table[at] = word + (1 << shift)
        added = true
      }
    }
    if (added && ++this.#additions >= this.#sampleSize) this.#reset()
  }

  /** Whether the doorkeeper holds the key of hash `h`; `add`: set its bits too. */
  #admitted(h: number, add: boolean): boolean {
    const bits = this.#doorkeeper as Uint32Array
    let present = true
    for (let j = 0; j < PROBE_SEEDS.length; j++) {
      const i = Math.imul(h, PROBE_SEEDS[j] as number) >>> this.#doorShift
      const bit = 1 << (i & 31)
      const word = bits[i >>> 5] as number
      if ((word & bit) === 0) {
        present = false
        if (!add) return false
        bits[i >>> 5] = word | bit
      }
    }
    return present
  }

  #reset(): void {
    const table = this.#table
    for (let i = 0; i < table.length; i++) table[i] = ((table[i] as number) >>> 1) & 0x77777777
    this.#doorkeeper?.fill(0)
    this.#additions = this.#additions >>> 1
  }

  clear(): void {
    this.#table.fill(0)
    this.#doorkeeper?.fill(0)
    this.#additions = 0
  }
}

/**
 * W-TinyLFU's in-process order. `victim()` does the admission: while the
 * window holds more than its share, its least recently used entry (the
 * candidate) moves to the main region if there is room; when there is none,
 * the candidate is compared with the main region's victim (probation's least
 * recently used, else protected's) by estimated frequency, and the loser is
 * returned (the candidate on a tie; when it wins it has already moved to
 * probation). Insert, access and a miss count one request in the sketch (a
 * miss followed by the insert of the same key counts once).
 */
export class TinyLfuPolicy implements LocalPolicy {
  readonly name = 'tinyLfu'
  readonly sketch: FrequencySketch
  readonly #window = new List()
  readonly #probation = new List()
  readonly #protected = new List()
  readonly #windowMax: number
  readonly #mainMax: number
  readonly #protectedMax: number
  #gen: object = {}
  /** The key of the last `miss`: its insert is the same request. */
  #missed: string | undefined

  constructor(maxSize: number) {
    this.#windowMax = Math.max(1, Math.round(maxSize * 0.01))
    this.#mainMax = Math.max(0, maxSize - this.#windowMax)
    this.#protectedMax = Math.floor(this.#mainMax * 0.8)
    this.sketch = new FrequencySketch(maxSize)
  }

  get size(): number {
    return this.#window.size + this.#probation.size + this.#protected.size
  }

  insert(key: string): PolicyEntry {
    if (this.#missed === key) this.#missed = undefined
    else this.sketch.increment(key)
    const e = new RegionEntry(key, this.#gen)
    this.#window.push(e)
    return e
  }

  access(entry: PolicyEntry): void {
    const e = entry as RegionEntry
    if (e.gen !== this.#gen) return
    this.sketch.increment(e.key)
    this.#missed = undefined
    switch (e.region) {
      case WINDOW:
        this.#window.moveToBack(e)
        break
      case PROBATION:
        this.#probation.unlink(e)
        e.region = PROTECTED
        this.#protected.push(e)
        if (this.#protected.size > this.#protectedMax) {
          const demoted = this.#protected.first as RegionEntry
          this.#protected.unlink(demoted)
          demoted.region = PROBATION
          this.#probation.push(demoted)
        }
        break
      default:
        this.#protected.moveToBack(e)
    }
  }

  miss(key: string): void {
    this.sketch.increment(key)
    this.#missed = key
  }

  remove(entry: PolicyEntry): void {
    const e = entry as RegionEntry
    if (e.gen !== this.#gen) return
    e.gen = undefined
    this.#list(e.region).unlink(e)
  }

  victim(): PolicyEntry | undefined {
    const window = this.#window
    const probation = this.#probation
    // Candidates leave the window for the main region while it has room.
    while (window.size > this.#windowMax && this.#mainSize() < this.#mainMax) {
      this.#toProbation(window.first as RegionEntry)
    }
    if (window.size > this.#windowMax) {
      const candidate = window.first as RegionEntry
      const victim = probation.first ?? this.#protected.first
      if (victim === undefined) return candidate
      if (this.sketch.frequency(candidate.key) > this.sketch.frequency(victim.key)) {
        this.#toProbation(candidate)
        return victim
      }
      return candidate
    }
    return probation.first ?? this.#protected.first ?? window.first
  }

  clear(): void {
    this.#gen = {}
    this.#window.reset()
    this.#probation.reset()
    this.#protected.reset()
    this.sketch.clear()
    this.#missed = undefined
  }

  #mainSize(): number {
    return this.#probation.size + this.#protected.size
  }

  #toProbation(e: RegionEntry): void {
    this.#window.unlink(e)
    e.region = PROBATION
    this.#probation.push(e)
  }

  #list(region: number): List {
    return region === WINDOW
      ? this.#window
      : region === PROBATION
        ? this.#probation
        : this.#protected
  }
}
