import {
  type Cache,
  type CacheOptions,
  type KeyRecord,
  READ_ASYNC,
  type Store,
  type StoredEntry,
} from '@tagcache/core'
import type { Outage, StoreHarness } from '../harness.js'

/**
 * What every concern of the Store suite reads, for the test that is running.
 * The suite fills it in before each test; a concern reads it only inside its
 * tests, never when registering them.
 */
export interface SuiteContext<S extends Store = Store> {
  /** The harness `createStore` returned for this test. */
  readonly harness: StoreHarness<S>
  /** `harness.store`. */
  readonly store: S
  /** A namespace no other test uses. */
  readonly namespace: string
  /** Shortest time to live the suite uses, in ms (option `ttlUnit`). */
  readonly unit: number
  /** A cache over {@link SuiteContext.store} in this test's namespace. */
  cache(extra?: Partial<CacheOptions>): Cache
  /** Lets `ms` pass for the store: the harness's `advance`, or a real wait. */
  advance(ms: number): Promise<void>
  /** The outage in progress, if any: the suite restores it after the test. */
  outage: Outage | undefined
}

/** A test context that can skip its test, as vitest's is. */
export interface Skippable {
  skip(note?: string): never
}

/** The id core gives the store for tag `tag` of namespace `namespace`. */
export const tagId = (namespace: string, tag: string): string => `${namespace}:t:${tag}`

/** The id core gives the store for entry `key` of namespace `namespace`. */
export const entryId = (namespace: string, key: string): string => `${namespace}:e:${key}`

/** Whether two payloads hold the same bytes (a store may return a `Buffer` for a `Uint8Array`). */
export const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b))

/**
 * `store.getSync(key, record)` where the store has it, `undefined` where it
 * has not; a read it defers (`READ_ASYNC`: a near cache's miss) goes
 * through `store.get`, as core reads it.
 */
export async function syncRead(
  store: Store,
  key: string,
  record?: KeyRecord,
): Promise<StoredEntry | undefined> {
  const read = store.getSync?.(key, record)
  return read === READ_ASYNC ? store.get(key, record) : read
}
