// The in-process orders of lru, mru, fifo, rr, lfu and tlru: each O(1) per
// operation. Lists are intrusive (the links live on the policy's own entry
// objects) and circular through a sentinel, so a move is a few pointer writes
// and no allocation. An entry records which generation of its order holds it:
// `clear()` starts a new generation in O(1), and `remove` of an entry that is
// not held (removed already, cleared, or another order's) does nothing.

import type { LocalPolicy, PolicyEntry, PolicyName } from '@tagcache/core'

/** A generation of an order: entries holding the current one are held. */
type Generation = object

/** A list node: an entry, or a list's sentinel. */
interface Link {
  prev: Link
  next: Link
}

/** An entry of a list-based order. */
export class ListEntry implements PolicyEntry, Link {
  prev: Link = this
  next: Link = this
  /** The generation of the order holding it; `undefined` once removed. */
  gen: Generation | undefined
  constructor(
    readonly key: string,
    gen: Generation,
  ) {
    this.gen = gen
  }
}

/** A circular doubly linked list through a sentinel: `first` is the oldest, `last` the newest. */
export class List {
  readonly #head: Link
  size = 0

  constructor() {
    const head = {} as Link
    head.prev = head
    head.next = head
    this.#head = head
  }

  /** The entry at the front (added or moved longest ago), or `undefined`. */
  get first(): ListEntry | undefined {
    const n = this.#head.next
    return n === this.#head ? undefined : (n as ListEntry)
  }

  /** The entry at the back (added or moved last), or `undefined`. */
  get last(): ListEntry | undefined {
    const n = this.#head.prev
    return n === this.#head ? undefined : (n as ListEntry)
  }

  /** The entry after `e` (towards the back), or `undefined`. */
  after(e: ListEntry): ListEntry | undefined {
    return e.next === this.#head ? undefined : (e.next as ListEntry)
  }

  /** The entry before `e` (towards the front), or `undefined`. */
  before(e: ListEntry): ListEntry | undefined {
    return e.prev === this.#head ? undefined : (e.prev as ListEntry)
  }

  push(e: ListEntry): void {
    const head = this.#head
    const last = head.prev
    e.prev = last
    e.next = head
    last.next = e
    head.prev = e
    this.size++
  }

  unlink(e: ListEntry): void {
    e.prev.next = e.next
    e.next.prev = e.prev
    e.prev = e
    e.next = e
    this.size--
  }

  /** Moves `e` (in this list) to the back. */
  moveToBack(e: ListEntry): void {
    const head = this.#head
    if (head.prev === e) return
    e.prev.next = e.next
    e.next.prev = e.prev
    const last = head.prev
    e.prev = last
    e.next = head
    last.next = e
    head.prev = e
  }

  /** Empties the list in O(1) (its entries keep stale links: callers mark them removed). */
  reset(): void {
    this.#head.prev = this.#head
    this.#head.next = this.#head
    this.size = 0
  }
}

/** What lru, mru, fifo and tlru share: one list, in order of insertion or last use. */
abstract class ListPolicy implements LocalPolicy {
  abstract readonly name: PolicyName
  protected readonly list = new List()
  protected gen: Generation = {}
  /** The entry inserted last, while it is held. */
  protected newest: ListEntry | undefined

  get size(): number {
    return this.list.size
  }

  insert(key: string): PolicyEntry {
    const e = new ListEntry(key, this.gen)
    this.list.push(e)
    this.newest = e
    return e
  }

  abstract access(entry: PolicyEntry): void

  /** Whether `entry` is held by this order now. */
  protected held(entry: PolicyEntry): entry is ListEntry {
    return (entry as ListEntry).gen === this.gen
  }

  remove(entry: PolicyEntry): void {
    if (!this.held(entry)) return
    entry.gen = undefined
    this.list.unlink(entry)
    if (this.newest === entry) this.newest = undefined
  }

  abstract victim(): PolicyEntry | undefined

  clear(): void {
    this.gen = {}
    this.list.reset()
    this.newest = undefined
  }
}

/** Least recently used: a use moves the entry to the back; the front goes first. */
export class LruPolicy extends ListPolicy {
  readonly name = 'lru'

  access(entry: PolicyEntry): void {
    if (this.held(entry)) this.list.moveToBack(entry)
  }

  victim(): PolicyEntry | undefined {
    return this.list.first
  }
}

/** Most recently used: a use moves the entry to the back; the back goes first, never the newest inserted while others remain. */
export class MruPolicy extends ListPolicy {
  readonly name = 'mru'

  access(entry: PolicyEntry): void {
    if (this.held(entry)) this.list.moveToBack(entry)
  }

  victim(): PolicyEntry | undefined {
    const last = this.list.last
    if (last === undefined || last !== this.newest) return last
    return this.list.before(last) ?? last
  }
}

/** First in, first out: uses change nothing; the front (inserted first) goes first. */
export class FifoPolicy extends ListPolicy {
  readonly name = 'fifo'

  access(_entry: PolicyEntry): void {}

  victim(): PolicyEntry | undefined {
    return this.list.first
  }
}

/** A clock in whole milliseconds, monotonic. */
export type MsClock = () => number

const monotonicMs: MsClock = () => Math.floor(performance.now())

/** An entry of {@link TlruPolicy}: its list entry plus the millisecond of its last move. */
class StampedEntry extends ListEntry {
  stamp = 0
}

/**
 * Time-stamped LRU: the list is ordered by the millisecond of each entry's
 * last use; a use within the millisecond the entry last moved in does not
 * move it (ties within one millisecond: in the order they moved).
 */
export class TlruPolicy extends ListPolicy {
  readonly name = 'tlru'
  readonly #now: MsClock

  /** @param now - The clock in whole ms (default: `performance.now()` rounded down). */
  constructor(now: MsClock = monotonicMs) {
    super()
    this.#now = now
  }

  override insert(key: string): PolicyEntry {
    const e = new StampedEntry(key, this.gen)
    e.stamp = this.#now()
    this.list.push(e)
    this.newest = e
    return e
  }

  access(entry: PolicyEntry): void {
    if (!this.held(entry)) return
    const now = this.#now()
    const e = entry as StampedEntry
    if (e.stamp === now) return
    e.stamp = now
    this.list.moveToBack(e)
  }

  victim(): PolicyEntry | undefined {
    return this.list.first
  }
}

/** An entry of {@link RrPolicy}: its index in the array. */
class SlotEntry implements PolicyEntry {
  /** Index in the order's array; -1 once removed. */
  index: number
  constructor(
    readonly key: string,
    index: number,
    readonly owner: RrPolicy,
  ) {
    this.index = index
  }
}

/** Random replacement: an array with swap-remove; a uniformly random entry other than the newest goes. */
export class RrPolicy implements LocalPolicy {
  readonly name = 'rr'
  #entries: SlotEntry[] = []
  #newest: SlotEntry | undefined
  readonly #random: () => number

  /** @param random - A uniform [0, 1) source (default `Math.random`). */
  constructor(random: () => number = Math.random) {
    this.#random = random
  }

  get size(): number {
    return this.#entries.length
  }

  insert(key: string): PolicyEntry {
    const e = new SlotEntry(key, this.#entries.length, this)
    this.#entries.push(e)
    this.#newest = e
    return e
  }

  access(_entry: PolicyEntry): void {}

  remove(entry: PolicyEntry): void {
    const e = entry as SlotEntry
    const entries = this.#entries
    if (e.owner !== this || entries[e.index] !== e) return
    const last = entries.pop() as SlotEntry
    if (last !== e) {
      entries[e.index] = last
      last.index = e.index
    }
    e.index = -1
    if (this.#newest === e) this.#newest = undefined
  }

  victim(): PolicyEntry | undefined {
    const entries = this.#entries
    const n = entries.length
    if (n <= 1) return entries[0]
    const newest = this.#newest
    if (newest === undefined) return entries[Math.floor(this.#random() * n)]
    // Uniform over the n - 1 entries other than the newest: skip its index.
    const i = Math.floor(this.#random() * (n - 1))
    return entries[i >= newest.index ? i + 1 : i]
  }

  clear(): void {
    for (const e of this.#entries) e.index = -1
    this.#entries = []
    this.#newest = undefined
  }
}

/** A bucket of {@link LfuPolicy}: the entries used `count` times, least recently used first. */
class Bucket implements Link {
  prev: Link = this
  next: Link = this
  readonly entries = new List()
  constructor(public count: number) {}
}

/** An entry of {@link LfuPolicy}: its list entry plus its bucket. */
class CountedEntry extends ListEntry {
  bucket: Bucket
  constructor(key: string, gen: Generation, bucket: Bucket) {
    super(key, gen)
    this.bucket = bucket
  }
}

/**
 * Least frequently used, O(1): a list of buckets by use count (ascending),
 * each a list of its entries in order of last use. Insert counts 1, each use
 * one more; the victim is the least recently used entry of the lowest count,
 * skipping the entry inserted last while others remain.
 */
export class LfuPolicy implements LocalPolicy {
  readonly name = 'lfu'
  /** Sentinel of the bucket list: `next` has the lowest count. */
  readonly #buckets: Link
  #size = 0
  #gen: Generation = {}
  #newest: CountedEntry | undefined

  constructor() {
    const head = {} as Link
    head.prev = head
    head.next = head
    this.#buckets = head
  }

  get size(): number {
    return this.#size
  }

  insert(key: string): PolicyEntry {
    const head = this.#buckets
    let bucket = head.next as Bucket
    if (bucket === head || bucket.count !== 1) bucket = this.#bucketAfter(head, 1)
    const e = new CountedEntry(key, this.#gen, bucket)
    bucket.entries.push(e)
    this.#size++
    this.#newest = e
    return e
  }

  access(entry: PolicyEntry): void {
    const e = entry as CountedEntry
    if (e.gen !== this.#gen) return
    const from = e.bucket
    const count = from.count + 1
    let to = from.next as Bucket
    if (to === this.#buckets || to.count !== count) {
      // Sole entry of its bucket and no bucket at count + 1: the bucket itself moves up.
      if (from.entries.size === 1) {
        from.count = count
        return
      }
      to = this.#bucketAfter(from, count)
    }
    from.entries.unlink(e)
    if (from.entries.size === 0) this.#dropBucket(from)
    to.entries.push(e)
    e.bucket = to
  }

  remove(entry: PolicyEntry): void {
    const e = entry as CountedEntry
    if (e.gen !== this.#gen) return
    e.gen = undefined
    const bucket = e.bucket
    bucket.entries.unlink(e)
    if (bucket.entries.size === 0) this.#dropBucket(bucket)
    this.#size--
    if (this.#newest === e) this.#newest = undefined
  }

  victim(): PolicyEntry | undefined {
    const head = this.#buckets
    const bucket = head.next
    if (bucket === head) return undefined
    const first = (bucket as Bucket).entries.first as CountedEntry
    if (first !== this.#newest) return first
    const second = (bucket as Bucket).entries.after(first)
    if (second !== undefined) return second
    const next = bucket.next
    return next === head ? first : (next as Bucket).entries.first
  }

  clear(): void {
    this.#gen = {}
    this.#buckets.next = this.#buckets
    this.#buckets.prev = this.#buckets
    this.#size = 0
    this.#newest = undefined
  }

  /** A new, empty bucket of `count` right after `prev`. */
  #bucketAfter(prev: Link, count: number): Bucket {
    const b = new Bucket(count)
    b.prev = prev
    b.next = prev.next
    prev.next.prev = b
    prev.next = b
    return b
  }

  #dropBucket(b: Bucket): void {
    b.prev.next = b.next
    b.next.prev = b.prev
  }
}
