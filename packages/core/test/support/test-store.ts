import {
  type Store,
  type StoredEntry,
  StoreError,
  type StoreWrite,
  type StoreWriteWithKey,
} from '../../src/index.js'
import type { StoreMethod } from '../../src/store.js'

export type { StoreMethod }

/** One call a {@link TestStore} received. */
export interface StoreCall {
  readonly method: StoreMethod
  readonly args: readonly unknown[]
}

/** An in-memory Store for core's own tests, which records what it is given. */
export interface TestStore extends Store {
  /** Every call, in order. */
  readonly calls: StoreCall[]
  /** Every entry written by `set` or `setMany`, in order, with its (encoded) key. */
  readonly writes: StoreWriteWithKey[]
  /** Methods whose calls never settle from now on (a store that stopped answering). */
  readonly hanging: Set<StoreMethod>
  /**
   * Methods whose calls reject from now on with a `StoreError` (`E_STORE`,
   * message `store unavailable`), as an adapter's do while its backend is down.
   */
  readonly failing: Set<StoreMethod>
}

interface Slot {
  readonly write: StoreWrite
  readonly versions: readonly string[]
  expiresAt: number
}

const expiry = (ttl: number): number => (Number.isFinite(ttl) ? Date.now() + ttl : Infinity)

/**
 * A small in-memory Store honouring the contract core relies on: reads return
 * the current tag versions next to the stored ones, a write with `captured`
 * versions stores them verbatim and never creates a missing tag version, and
 * expired entries are never returned. Tag versions never expire here. Core
 * cannot depend on `@tagcache/memory`, which depends on it.
 */
export function testStore(options: { sync?: boolean } = {}): TestStore {
  const entries = new Map<string, Slot>()
  const tagVersions = new Map<string, string>()
  const calls: StoreCall[] = []
  const writes: StoreWriteWithKey[] = []
  const hanging = new Set<StoreMethod>()
  const failing = new Set<StoreMethod>()

  const answer = <T>(method: StoreMethod, args: unknown[], run: () => T): Promise<T> => {
    calls.push({ method, args })
    if (hanging.has(method)) return new Promise<T>(() => {})
    if (failing.has(method)) return Promise.reject(new StoreError('store unavailable'))
    try {
      return Promise.resolve(run())
    } catch (error) {
      return Promise.reject(error)
    }
  }
  const ensureTag = (tag: string, candidate: string): string => {
    let version = tagVersions.get(tag)
    if (version === undefined) {
      version = candidate
      tagVersions.set(tag, version)
    }
    return version
  }
  const live = (key: string): Slot | undefined => {
    const slot = entries.get(key)
    if (slot !== undefined && slot.expiresAt <= Date.now()) {
      entries.delete(key)
      return undefined
    }
    return slot
  }
  const read = (key: string): StoredEntry | undefined => {
    const slot = live(key)
    if (slot === undefined) return undefined
    const { value, liveValue, tags } = slot.write
    return {
      value,
      liveValue,
      tags,
      versions: slot.versions,
      current: tags.map((tag) => tagVersions.get(tag) ?? null),
    }
  }
  const write = (key: string, w: StoreWrite): void => {
    writes.push({ key, ...w })
    if (w.captured !== undefined && w.captured.length !== w.tags.length) {
      throw new Error(`${w.captured.length} captured versions for ${w.tags.length} tags`)
    }
    const versions = w.captured ?? w.tags.map((tag) => ensureTag(tag, w.candidate))
    entries.set(key, { write: w, versions, expiresAt: expiry(w.ttl) })
  }
  const remove = (key: string): boolean => live(key) !== undefined && entries.delete(key)

  const store: TestStore = {
    name: 'test',
    calls,
    writes,
    hanging,
    failing,
    get: (key) => answer('get', [key], () => read(key)),
    getMany: (keys) => answer('getMany', [keys], () => keys.map(read)),
    set: (key, w) => answer('set', [key, w], () => write(key, w)),
    setMany: (ws) =>
      answer('setMany', [ws], () => {
        for (const w of ws) write(w.key, w)
      }),
    delete: (key) => answer('delete', [key], () => remove(key)),
    deleteMany: (keys) => answer('deleteMany', [keys], () => keys.filter(remove).length),
    tagVersions: (tags, candidate, ttl) =>
      answer('tagVersions', [tags, candidate, ttl], () =>
        tags.map((tag) => ensureTag(tag, candidate)),
      ),
    invalidate: (tags, version, ttl) =>
      answer('invalidate', [tags, version, ttl], () => {
        for (const tag of tags) tagVersions.set(tag, version)
      }),
    ttl: (key) =>
      answer('ttl', [key], () => {
        const slot = live(key)
        if (slot === undefined) return undefined
        return Number.isFinite(slot.expiresAt) ? slot.expiresAt - Date.now() : Infinity
      }),
    expire: (key, ttl) =>
      answer('expire', [key, ttl], () => {
        const slot = live(key)
        if (slot === undefined) return false
        slot.expiresAt = expiry(ttl)
        return true
      }),
  }
  if (options.sync === true) {
    // An in-process store: core reads it without a promise hop (`getSync`).
    store.getSync = (key) => {
      calls.push({ method: 'get', args: [key] })
      if (failing.has('get')) throw new StoreError('store unavailable')
      return read(key)
    }
  }
  return store
}

/** A promise and the functions that settle it, for computations a test finishes by hand. */
export function deferred<T>(): {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (error: unknown) => void
} {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}
