import {
  InvalidOptionsError,
  type Store,
  type StoredEntry,
  type StoreWrite,
  type StoreWriteWithKey,
} from '@tagcache/core'
import { z } from 'zod'

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Maximum number of entries; the least recently used are evicted beyond it.
   * @default 10_000
   */
  maxEntries?: number
  /**
   * Maximum bytes of entries (payload, key and tag ids, estimated overhead);
   * the least recently used are evicted beyond it.
   * @default 67_108_864 (64 MiB)
   */
  maxBytes?: number
  /**
   * Maximum number of tag versions kept. Beyond it the oldest-written are
   * dropped; entries that carried them become misses (never stale hits).
   * @default 100_000
   */
  maxTags?: number
  /**
   * The clock, in milliseconds. Monotonic by default; tests pass their own.
   * @default () => performance.now()
   */
  now?: () => number
}

/** The store returned by {@link memoryStore}: a {@link Store} plus introspection. */
export interface MemoryStore extends Store {
  /** Entries currently held (expired ones may linger until touched or evicted). */
  readonly size: number
  /** Estimated bytes of the entries held. */
  readonly bytes: number
  /** Tag versions currently held. */
  readonly tagCount: number
  /** Drops every entry and tag version, like `FLUSHALL`. */
  clear(): void
  /**
   * Drops one tag version as eviction would. Entries carrying it become
   * misses. Meant for tests of eviction behaviour and for tooling.
   * Resolves `true` if the tag had a version.
   */
  evictTagVersion(tag: string): boolean
}

interface Slot {
  key: string
  value: Uint8Array
  tags: readonly string[]
  versions: readonly string[]
  expiresAt: number
  size: number
  prev: Slot | undefined
  next: Slot | undefined
}

interface TagSlot {
  version: string
  expiresAt: number
}

const SLOT_OVERHEAD = 120

const optionsSchema = z.strictObject({
  maxEntries: z.number().int().positive().optional(),
  maxBytes: z.number().int().positive().optional(),
  maxTags: z.number().int().positive().optional(),
  now: z
    .custom<() => number>((v) => typeof v === 'function', {
      message: 'expected a function returning milliseconds',
    })
    .optional(),
})

/**
 * An in-process {@link Store}: bounded by entry count and bytes with LRU
 * eviction, honouring time to live, with the same tag-version semantics as
 * the Redis adapters. The embedded default; not shared between processes.
 *
 * Payloads are copied in and kept as bytes, so a cached object can never be
 * mutated through a reference the caller still holds.
 *
 * @example
 * ```ts
 * import { createCache } from '@tagcache/core'
 * import { memoryStore } from '@tagcache/memory'
 *
 * const cache = createCache({ store: memoryStore({ maxEntries: 50_000 }) })
 * await cache.set('greeting', 'hello', { tags: ['demo'] })
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const parsed = optionsSchema.safeParse(options)
  if (!parsed.success) {
    throw new InvalidOptionsError(
      'memory',
      parsed.error.issues.map(
        (i) => `${i.path.map(String).join('.') || '(options)'}: ${i.message}`,
      ),
      { cause: parsed.error },
    )
  }
  return new MemoryStoreImpl(parsed.data)
}

class MemoryStoreImpl implements MemoryStore {
  readonly name = 'memory'
  readonly capabilities = { distributed: false } as const
  readonly #entries = new Map<string, Slot>()
  readonly #tags = new Map<string, TagSlot>()
  readonly #maxEntries: number
  readonly #maxBytes: number
  readonly #maxTags: number
  readonly #now: () => number
  #bytes = 0
  // Most recently used at head.
  #head: Slot | undefined
  #tail: Slot | undefined

  constructor(options: MemoryStoreOptions) {
    this.#maxEntries = options.maxEntries ?? 10_000
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024
    this.#maxTags = options.maxTags ?? 100_000
    this.#now = options.now ?? (() => performance.now())
  }

  get size(): number {
    return this.#entries.size
  }

  get bytes(): number {
    return this.#bytes
  }

  get tagCount(): number {
    return this.#tags.size
  }

  get(key: string): Promise<StoredEntry | undefined> {
    return Promise.resolve(this.#read(key, this.#now()))
  }

  getMany(keys: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    const now = this.#now()
    return Promise.resolve(keys.map((key) => this.#read(key, now)))
  }

  set(key: string, write: StoreWrite): Promise<void> {
    this.#write(key, write, this.#now())
    return Promise.resolve()
  }

  setMany(writes: readonly StoreWriteWithKey[]): Promise<void> {
    const now = this.#now()
    for (const write of writes) this.#write(write.key, write, now)
    return Promise.resolve()
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.#delete(key, this.#now()))
  }

  deleteMany(keys: readonly string[]): Promise<number> {
    const now = this.#now()
    let count = 0
    for (const key of keys) if (this.#delete(key, now)) count++
    return Promise.resolve(count)
  }

  tagVersions(tags: readonly string[], candidate: string, ttl: number): Promise<string[]> {
    const now = this.#now()
    return Promise.resolve(tags.map((tag) => this.#ensureTag(tag, candidate, now + ttl, now)))
  }

  invalidate(tags: readonly string[], version: string, ttl: number): Promise<void> {
    const now = this.#now()
    for (const tag of tags) {
      this.#tags.delete(tag)
      this.#putTag(tag, { version, expiresAt: now + ttl })
    }
    return Promise.resolve()
  }

  ttl(key: string): Promise<number | undefined> {
    const now = this.#now()
    const slot = this.#live(key, now)
    return Promise.resolve(
      slot === undefined
        ? undefined
        : slot.expiresAt === Number.POSITIVE_INFINITY
          ? slot.expiresAt
          : Math.max(0, Math.ceil(slot.expiresAt - now)),
    )
  }

  expire(key: string, ttl: number): Promise<boolean> {
    const now = this.#now()
    const slot = this.#live(key, now)
    if (slot === undefined) return Promise.resolve(false)
    slot.expiresAt = now + ttl
    // Tag versions must outlive the entries that reference them (rule 1).
    for (const tag of slot.tags) {
      const t = this.#tags.get(tag)
      if (t !== undefined && t.expiresAt < slot.expiresAt) t.expiresAt = slot.expiresAt
    }
    return Promise.resolve(true)
  }

  clear(): void {
    this.#entries.clear()
    this.#tags.clear()
    this.#head = this.#tail = undefined
    this.#bytes = 0
  }

  evictTagVersion(tag: string): boolean {
    return this.#tags.delete(tag)
  }

  async close(): Promise<void> {
    this.clear()
  }

  // ------------------------------------------------------------ internals

  #read(key: string, now: number): StoredEntry | undefined {
    const slot = this.#live(key, now)
    if (slot === undefined) return undefined
    this.#touch(slot)
    const { tags } = slot
    const current: (string | null)[] = new Array(tags.length)
    for (let i = 0; i < tags.length; i++) {
      const t = this.#tags.get(tags[i] as string)
      current[i] = t === undefined || t.expiresAt <= now ? null : t.version
    }
    return { value: slot.value, tags, versions: slot.versions, current }
  }

  #live(key: string, now: number): Slot | undefined {
    const slot = this.#entries.get(key)
    if (slot === undefined) return undefined
    if (slot.expiresAt <= now) {
      this.#remove(slot)
      return undefined
    }
    return slot
  }

  #write(key: string, write: StoreWrite, now: number): void {
    const expiresAt = now + write.ttl
    const { tags, captured } = write
    let versions: string[]
    if (captured !== undefined) {
      if (captured.length !== tags.length) {
        throw new TypeError(
          `[tagcache] [memory] ${captured.length} captured versions for ${tags.length} tags; expected one per tag`,
        )
      }
      // Stored verbatim; a missing tag is NOT recreated from a captured version.
      versions = captured.slice()
      for (const tag of tags) {
        const t = this.#tags.get(tag)
        if (t !== undefined && t.expiresAt > now && t.expiresAt < expiresAt) t.expiresAt = expiresAt
      }
    } else {
      versions = tags.map((tag) => this.#ensureTag(tag, write.candidate, expiresAt, now))
    }
    const existing = this.#entries.get(key)
    if (existing !== undefined) this.#remove(existing)
    const value = new Uint8Array(write.value)
    let size = SLOT_OVERHEAD + key.length * 2 + value.byteLength
    for (const tag of tags) size += tag.length * 2 + 40
    const slot: Slot = {
      key,
      value,
      tags: tags.slice(),
      versions,
      expiresAt,
      size,
      prev: undefined,
      next: this.#head,
    }
    if (this.#head !== undefined) this.#head.prev = slot
    this.#head = slot
    if (this.#tail === undefined) this.#tail = slot
    this.#entries.set(key, slot)
    this.#bytes += size
    this.#evictOverflow()
  }

  #ensureTag(tag: string, candidate: string, expiresAt: number, now: number): string {
    const t = this.#tags.get(tag)
    if (t !== undefined && t.expiresAt > now) {
      if (t.expiresAt < expiresAt) t.expiresAt = expiresAt
      return t.version
    }
    if (t !== undefined) this.#tags.delete(tag)
    this.#putTag(tag, { version: candidate, expiresAt })
    return candidate
  }

  #putTag(tag: string, slot: TagSlot): void {
    this.#tags.set(tag, slot)
    if (this.#tags.size > this.#maxTags) {
      // Oldest-written first (Map iteration order). Entries carrying a dropped
      // version read it as missing: a miss, never a stale hit.
      const oldest = this.#tags.keys().next().value as string
      this.#tags.delete(oldest)
    }
  }

  #delete(key: string, now: number): boolean {
    const slot = this.#entries.get(key)
    if (slot === undefined) return false
    this.#remove(slot)
    return slot.expiresAt > now
  }

  #touch(slot: Slot): void {
    if (this.#head === slot) return
    // unlink
    if (slot.prev !== undefined) slot.prev.next = slot.next
    if (slot.next !== undefined) slot.next.prev = slot.prev
    if (this.#tail === slot) this.#tail = slot.prev
    // push front
    slot.prev = undefined
    slot.next = this.#head
    if (this.#head !== undefined) this.#head.prev = slot
    this.#head = slot
  }

  #remove(slot: Slot): void {
    if (slot.prev !== undefined) slot.prev.next = slot.next
    else this.#head = slot.next
    if (slot.next !== undefined) slot.next.prev = slot.prev
    else this.#tail = slot.prev
    slot.prev = slot.next = undefined
    this.#entries.delete(slot.key)
    this.#bytes -= slot.size
  }

  #evictOverflow(): void {
    while (
      (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) &&
      this.#tail !== undefined
    ) {
      this.#remove(this.#tail)
    }
  }
}
