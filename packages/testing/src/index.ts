import { type Cache, type CacheOptions, createCache, type Store } from '@tagcache/core'
import { afterEach, beforeEach, describe } from 'vitest'
import type { StoreContractOptions, StoreHarness } from './harness.js'
import { basicTests } from './store/basic.js'
import { bytesTests } from './store/bytes.js'
import type { SuiteContext } from './store/context.js'
import { foreignVersionTests } from './store/foreign-versions.js'
import { getOrCaptureTests } from './store/get-or-capture.js'
import { outageTests } from './store/outage.js'
import { peerTests } from './store/peer.js'
import { recordTests } from './store/records.js'
import { ruleTests } from './store/rules.js'
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

  describe(`Store contract: ${name}`, () => {
    beforeEach(async () => {
      harness = await options.createStore()
      namespace = `contract-${process.pid}-${++suiteCounter}-${Math.random().toString(36).slice(2, 8)}`
    })

    afterEach(async () => {
      const ongoing = ctx.outage
      ctx.outage = undefined
      await ongoing?.restore()
      await harness?.close?.()
      harness = undefined
    })

    basicTests(ctx)
    bytesTests(ctx)
    tagTests(ctx)
    ttlTests(ctx)
    peerTests(ctx)
    ruleTests(ctx)
    foreignVersionTests(ctx)
    getOrCaptureTests(ctx)
    recordTests(ctx)
    outageTests(ctx)
  })
}
