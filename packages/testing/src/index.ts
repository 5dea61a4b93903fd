import { type Cache, type CacheOptions, createCache, type Store } from '@tagcache/core'
import { lru } from '@tagcache/policies'
import { afterEach, beforeEach, describe } from 'vitest'
import type { StoreContractOptions, StoreHarness } from './harness.js'
import { basicTests } from './store/basic.js'
import { bytesTests } from './store/bytes.js'
import type { SuiteContext } from './store/context.js'
import { foreignVersionTests } from './store/foreign-versions.js'
import { getOrCaptureTests } from './store/get-or-capture.js'
import { lockTests } from './store/locks.js'
import { outageTests } from './store/outage.js'
import { peerTests } from './store/peer.js'
import { policyTests } from './store/policies.js'
import { recordTests } from './store/records.js'
import { ruleTests } from './store/rules.js'
import { staleTests } from './store/stale.js'
import { tagTests } from './store/tags.js'
import { ttlTests } from './store/ttl.js'

export type { Outage, StoreContractOptions, StoreHarness } from './harness.js'
export { serializerContractSuite } from './serializer/suite.js'
export type {
  FidelityCase,
  FidelityPosition,
  FidelityValue,
  LossyContext,
  LossyConversions,
  SerializerContractOptions,
} from './serializer/types.js'
export type { ForeignVersion } from './store/foreign-versions.js'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
let suiteCounter = 0

/**
 * Registers the hooks that give each test of a suite a fresh harness and
 * namespace, and returns the context its concerns read.
 */
function suiteContext<S extends Store>(
  options: StoreContractOptions<S>,
  label: string,
): SuiteContext<S> {
  const unit = options.ttlUnit ?? 200
  let harness: StoreHarness<S> | undefined
  let namespace = ''
  const ctx: SuiteContext<S> = {
    get harness() {
      if (harness === undefined) throw new Error('the Store suite context is read outside a test')
      return harness
    },
    get store() {
      return ctx.harness.store
    },
    get namespace() {
      return namespace
    },
    unit,
    cache: (extra: Partial<CacheOptions> = {}): Cache =>
      createCache({ store: ctx.store, namespace, ...extra }),
    advance: (ms) => (ctx.harness.advance ? ctx.harness.advance(ms) : sleep(ms)),
    outage: undefined,
  }
  beforeEach(async () => {
    harness = await options.createStore()
    namespace = `${label}-${process.pid}-${++suiteCounter}-${Math.random().toString(36).slice(2, 8)}`
  })
  afterEach(async () => {
    const ongoing = ctx.outage
    ctx.outage = undefined
    await ongoing?.restore()
    await harness?.close?.()
    harness = undefined
  })
  return ctx
}

/**
 * The Store contract suite: registers vitest tests of what a {@link Store}
 * promises, and only that: every store operation (`get`, `getSync`,
 * `getMany`, `set`, `setMany`, `delete`, `deleteMany`, `tagVersions`,
 * `getOrCapture`, `invalidate`, `ttl`, `expire`, `close`), binary-safe payloads,
 * TTL expiry, another process on the same backend, a backend outage, and the
 * four correctness rules of tag invalidation. Most tests go through
 * `createCache`, the way the store is used; what does not depend on the store
 * (hooks, `cached`, `onError`...) is tested in `@tagcache/core` itself.
 * Every adapter runs it.
 *
 * @example
 * ```ts
 * // test/contract.test.ts
 * import { storeContractSuite } from '@tagcache/testing'
 * import { memoryStore } from '@tagcache/memory'
 *
 * storeContractSuite('memory', {
 *   createStore: () => {
 *     const store = memoryStore()
 *     return { store, dropTagVersion: async (tag) => void store.evictTagVersion(tag) }
 *   },
 * })
 * ```
 */
export function storeContractSuite<S extends Store>(
  name: string,
  options: StoreContractOptions<S>,
): void {
  describe(`Store contract: ${name}`, () => {
    const ctx = suiteContext(options, 'contract')
    basicTests(ctx)
    bytesTests(ctx)
    tagTests(ctx)
    ttlTests(ctx)
    peerTests(ctx)
    ruleTests(ctx)
    foreignVersionTests(ctx)
    getOrCaptureTests(ctx)
    recordTests(ctx)
    lockTests(ctx)
    staleTests(ctx)
    outageTests(ctx)
  })
}

/**
 * The bounded-cache suite, for stores that implement `bounded()`: registers
 * vitest tests of what every policy promises through `createCache({ store,
 * policy })` and `cache.cached(fn, { policy })`: exact survivors of access
 * sequences per policy (random replacement statistically), the bound after
 * every write, evictions reported (`stats.evictions`, `evict` events with the
 * policy's name), every operation through the view, tags composing with
 * eviction, and `invalidateAll` forgetting the index. With the harness's
 * `boundedIndexSizes` it also checks the indexes themselves.
 *
 * @experimental
 * @example
 * ```ts
 * import { boundedStoreSuite } from '@tagcache/testing'
 * boundedStoreSuite('my-store', { createStore: () => ({ store: myStore(), dropTagVersion }) })
 * ```
 */
export function boundedStoreSuite<S extends Store>(
  name: string,
  options: StoreContractOptions<S>,
): void {
  describe(`bounded caches: ${name}`, () => {
    const ctx = suiteContext(options, 'bounded')
    policyTests(ctx)
    staleTests(ctx, {
      label: ' through a bounded view',
      extra: () => ({ policy: lru({ maxSize: 64 }) }),
    })
  })
}
