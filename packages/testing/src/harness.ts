import type { Store } from '@tagcache/core'
import type { ForeignVersion } from './store/foreign-versions.js'

/** What a contract suite needs from the adapter under test, for one test. */
export interface StoreHarness<S extends Store = Store> {
  /** A store for this test. Tests isolate themselves by namespace, so it may be shared. */
  readonly store: S
  /**
   * Makes the backend lose one tag version, as eviction (`allkeys-lru`),
   * expiry or a flush would. `tagId` is the id core gave the store (e.g.
   * `'ns:t:users'`). Redis adapters `DEL` the key; the memory store evicts it.
   */
  dropTagVersion(tagId: string): Promise<void>
  /**
   * Leaves something that is not a version under the key of tag version
   * `tagId`, as a stray write from another program would: `'bytes'` sets it
   * to binary garbage (with a NUL), `'type'` makes it a key of another type
   * (a hash). Omit for stores no other program can write (the memory store):
   * those tests are skipped.
   */
  corruptTagVersion?(tagId: string, kind: ForeignVersion): Promise<void>
  /**
   * Lets `ms` milliseconds pass for the store. Default: a real wait. A store
   * with an injectable clock advances it instead, which makes TTL tests instant.
   */
  advance?(ms: number): Promise<void>
  /**
   * Another store over the same backend, as another process would hold it:
   * what one store remembers locally (tag hints, an L1) must never hide
   * the other's writes and invalidations. Omit for stores with no shared
   * backend (the memory store): those tests are skipped.
   */
  peer?(): S
  /**
   * Cuts {@link StoreHarness.store} off its backend, as a crashed server or a
   * network partition would: open connections fail and new ones are refused,
   * while the backend keeps its data. Resolves once the store's client has
   * noticed (its next commands fail). The store must then reject every
   * operation with a `StoreError` (`E_STORE`), without hanging; after
   * {@link Outage.restore} it must work again. Omit for stores with no backend
   * to lose (the memory store): those tests are skipped.
   */
  outage?(): Promise<Outage>
  /**
   * How many entry ids each shard's index of the bounded cache `id` holds
   * (`store.bounded({ id })`), for stores that keep indexes another program
   * can read (Redis: `rawKeyHooks` of `@tagcache/redis-harness`). Omit
   * otherwise: the bounded suite then checks the entries alone.
   */
  boundedIndexSizes?(id: string, shards: number): Promise<number[]>
  /** Called after the test; release what `createStore` created. */
  close?(): Promise<void>
}

/** A backend outage begun by {@link StoreHarness.outage}. */
export interface Outage {
  /**
   * Ends the outage. Resolves once the store can reach its backend again
   * (its client has reconnected). Called by the suite even when a test fails.
   */
  restore(): Promise<void>
}

/** Options of {@link storeContractSuite}. */
export interface StoreContractOptions<S extends Store = Store> {
  /** Creates the harness for one test. Called before every test. */
  createStore: () => StoreHarness<S> | Promise<StoreHarness<S>>
  /**
   * Shortest time to live the suite uses, in ms. Redis expires keys with
   * millisecond precision, but a loaded machine delays reads; raise it if TTL
   * tests flake on slow backends.
   * @default 200
   */
  ttlUnit?: number
}
