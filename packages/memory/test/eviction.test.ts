// Eviction order of the memory store, checked against an exact LRU model:
// reads and writes make an entry the most recently used, and the least
// recently used entry goes first when a bound (entries or bytes) is exceeded.
import { createCache } from '@tagcache/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../src/index.js'

const write = (bytes: Uint8Array) => ({
  value: bytes,
  tags: [],
  candidate: 'v',
  ttl: Number.POSITIVE_INFINITY,
})

describe('memoryStore eviction: the regressions', () => {
  it('keeps the entry just written when every older entry was read (maxEntries)', async () => {
    const store = memoryStore({ maxEntries: 3 })
    const cache = createCache({ store })
    for (const k of ['a', 'b', 'c']) {
      await cache.set(k, k)
      expect(await cache.get(k)).toBe(k)
    }
    await cache.set('d', 'd')
    // a is the least recently used (read before b and c): it goes, d stays.
    expect(await cache.getMany(['a', 'b', 'c', 'd'])).toEqual([undefined, 'b', 'c', 'd'])
    expect(store.size).toBe(3)
  })

  it('keeps the entry just written when every older entry was read (maxBytes)', async () => {
    const MiB = 1024 * 1024
    const store = memoryStore({ maxBytes: 50 * MiB })
    const cache = createCache({ store })
    const big = (c: string) => c.repeat(10 * MiB)
    for (const k of ['a', 'b', 'c']) {
      await cache.set(k, big(k))
      expect((await cache.get<string>(k))?.length).toBe(10 * MiB)
    }
    // Three 10 MiB values fit under 50 MiB: none is dropped.
    expect(store.size).toBe(3)
    expect(await cache.has('c')).toBe(true)
    await cache.get('a') // b is now the least recently used
    for (const k of ['d', 'e']) await cache.set(k, big(k))
    expect(await cache.has('b')).toBe(false)
    expect(await cache.has('a')).toBe(true)
    expect(await cache.has('e')).toBe(true)
    expect(store.bytes).toBeLessThanOrEqual(50 * MiB)
  })

  it('does not store an entry larger than maxBytes, and evicts nothing for it', async () => {
    const store = memoryStore({ maxBytes: 10_000 })
    await store.set('small', write(new Uint8Array(100)))
    await store.set('huge', write(new Uint8Array(20_000)))
    expect(await store.get('huge')).toBeUndefined()
    expect(await store.get('small')).toBeDefined()
    // An older value under the key is gone: a write never leaves the previous value behind.
    await store.set('small', write(new Uint8Array(20_000)))
    expect(await store.get('small')).toBeUndefined()
    expect(store.size).toBe(0)
    expect(store.bytes).toBe(0)
  })
})

type Op =
  | { op: 'set'; key: string; size: number }
  | { op: 'get'; key: string }
  | { op: 'delete'; key: string }
  | { op: 'ttl'; key: string }

const keyArb = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g')
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      key: keyArb,
      size: fc.integer({ min: 0, max: 600 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('get' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('ttl' as const), key: keyArb }) },
)

/** What one entry costs against `maxBytes`, measured on an unbounded store. */
function costOf(key: string, size: number): number {
  const probe = memoryStore()
  void probe.set(key, write(new Uint8Array(size)))
  return probe.bytes
}

/** The reference: keys from least to most recently used, with their payload and cost. */
class LruModel {
  readonly order: { key: string; stamp: number; cost: number }[] = []
  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {}

  get bytes(): number {
    return this.order.reduce((sum, e) => sum + e.cost, 0)
  }

  #take(key: string) {
    const i = this.order.findIndex((e) => e.key === key)
    return i === -1 ? undefined : this.order.splice(i, 1)[0]
  }

  set(key: string, stamp: number, cost: number): void {
    this.#take(key)
    if (cost > this.maxBytes) return
    this.order.push({ key, stamp, cost })
    while (this.order.length > this.maxEntries || this.bytes > this.maxBytes) this.order.shift()
  }

  get(key: string): number | undefined {
    const e = this.#take(key)
    if (e !== undefined) this.order.push(e)
    return e?.stamp
  }

  peek(key: string): boolean {
    return this.order.some((e) => e.key === key)
  }

  delete(key: string): void {
    this.#take(key)
  }
}

async function check(maxEntries: number, maxBytes: number, ops: Op[]): Promise<void> {
  const store = memoryStore({ maxEntries, maxBytes })
  const model = new LruModel(maxEntries, maxBytes)
  for (const [step, o] of ops.entries()) {
    const where = `step ${step} ${JSON.stringify(o)} (maxEntries ${maxEntries}, maxBytes ${maxBytes})`
    switch (o.op) {
      case 'set': {
        // The payload's first bytes say which write it came from.
        const bytes = new Uint8Array(Math.max(o.size, 4))
        new DataView(bytes.buffer).setUint32(0, step)
        await store.set(o.key, write(bytes))
        model.set(o.key, step, costOf(o.key, bytes.byteLength))
        break
      }
      case 'get': {
        const entry = await store.get(o.key)
        const stamp = entry && new DataView(entry.value.buffer, entry.value.byteOffset).getUint32(0)
        expect(stamp, where).toBe(model.get(o.key))
        break
      }
      case 'ttl':
        // Peeking at the time to live does not change recency.
        expect((await store.ttl(o.key)) !== undefined, where).toBe(model.peek(o.key))
        break
      case 'delete':
        await store.delete(o.key)
        model.delete(o.key)
        break
    }
    expect(store.size, where).toBe(model.order.length)
    expect(store.bytes, where).toBe(model.bytes)
  }
}

describe('memoryStore eviction follows an exact LRU model', () => {
  it('bounded by entries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(opArb, { maxLength: 80 }),
        (n, ops) => check(n, Number.MAX_SAFE_INTEGER, ops),
      ),
      { numRuns: 300 },
    )
  })

  it('bounded by bytes', async () => {
    // From a bound below one entry's cost to one that holds several.
    const bound = fc.integer({ min: costOf('a', 0), max: 6 * costOf('a', 600) })
    await fc.assert(
      fc.asyncProperty(bound, fc.array(opArb, { maxLength: 80 }), (b, ops) =>
        check(Number.MAX_SAFE_INTEGER, b, ops),
      ),
      { numRuns: 300 },
    )
  })

  it('bounded by both', async () => {
    const bound = fc.integer({ min: costOf('a', 0), max: 6 * costOf('a', 600) })
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        bound,
        fc.array(opArb, { maxLength: 80 }),
        (n, b, ops) => check(n, b, ops),
      ),
      { numRuns: 300 },
    )
  })
})
