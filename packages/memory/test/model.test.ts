// Model-based test: random sequences of operations against createCache over
// the memory store, checked after every step against a plain reference model.
// On a divergence fast-check shrinks the sequence and reports the minimal one.
import { createCache } from '@tagcache/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../src/index.js'

type Op =
  | { op: 'set'; key: string; value: number; tags: string[]; ttl: number }
  | { op: 'get'; key: string }
  | { op: 'delete'; key: string }
  | { op: 'invalidate'; tags: string[] }
  | { op: 'invalidateAll' }
  | { op: 'advance'; ms: number }
  | { op: 'evictTag'; tag: string }
  | {
      op: 'wrap'
      key: string
      value: number
      tags: string[]
      ttl: number
      invalidateDuring: string | null
    }
  | { op: 'getMany'; keys: string[] }

const key = fc.constantFrom('a', 'b', 'c', 'a:b', '{a}')
const tag = fc.constantFrom('x', 'y', 'z', 'x:y', '')
const tags = fc.uniqueArray(tag, { maxLength: 3 })
const ttl = fc.constantFrom(50, 100, 1_000, Number.POSITIVE_INFINITY)

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key, value: fc.nat(1000), tags, ttl }),
  fc.record({ op: fc.constant('get' as const), key }),
  fc.record({ op: fc.constant('delete' as const), key }),
  fc.record({
    op: fc.constant('invalidate' as const),
    tags: fc.uniqueArray(tag, { minLength: 1, maxLength: 2 }),
  }),
  fc.record({ op: fc.constant('invalidateAll' as const) }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(10, 49, 50, 60, 200) }),
  fc.record({ op: fc.constant('evictTag' as const), tag }),
  fc.record({
    op: fc.constant('wrap' as const),
    key,
    value: fc.nat(1000),
    tags,
    ttl,
    invalidateDuring: fc.option(tag, { nil: null }),
  }),
  fc.record({
    op: fc.constant('getMany' as const),
    keys: fc.uniqueArray(key, { minLength: 1, maxLength: 3 }),
  }),
)

interface ModelEntry {
  value: number
  tags: string[]
  expiresAt: number
}

/** The reference: a map of entries that are valid right now. */
class Model {
  readonly entries = new Map<string, ModelEntry>()
  now = 0

  read(key: string): number | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= this.now) {
      this.entries.delete(key)
      return undefined
    }
    return entry.value
  }

  write(key: string, value: number, tags: string[], ttl: number): void {
    this.entries.set(key, { value, tags, expiresAt: this.now + ttl })
  }

  dropTag(tag: string): void {
    for (const [key, entry] of this.entries) if (entry.tags.includes(tag)) this.entries.delete(key)
  }
}

async function run(ops: Op[]): Promise<void> {
  const model = new Model()
  const store = memoryStore({ now: () => model.now })
  const cache = createCache({ store, namespace: 'model' })
  for (const [step, o] of ops.entries()) {
    const where = `step ${step} ${JSON.stringify(o)}`
    switch (o.op) {
      case 'set':
        await cache.set(o.key, o.value, { tags: o.tags, ttl: o.ttl })
        model.write(o.key, o.value, o.tags, o.ttl)
        break
      case 'get':
        expect(await cache.get(o.key), where).toBe(model.read(o.key))
        break
      case 'getMany':
        expect(await cache.getMany(o.keys), where).toEqual(o.keys.map((k) => model.read(k)))
        break
      case 'delete':
        await cache.delete(o.key)
        model.entries.delete(o.key)
        break
      case 'invalidate':
        await cache.invalidate(...o.tags)
        for (const t of o.tags) model.dropTag(t)
        break
      case 'invalidateAll':
        await cache.invalidateAll()
        model.entries.clear()
        break
      case 'advance':
        model.now += o.ms
        break
      case 'evictTag':
        // The store loses a tag version (eviction): entries carrying it are misses.
        store.evictTagVersion(`model:t:${o.tag}`)
        model.dropTag(o.tag)
        break
      case 'wrap': {
        const expected = model.read(o.key)
        const result = await cache.wrap(
          o.key,
          async () => {
            if (o.invalidateDuring !== null) await cache.invalidate(o.invalidateDuring)
            return o.value
          },
          { tags: o.tags, ttl: o.ttl },
        )
        if (expected !== undefined) {
          expect(result, where).toBe(expected)
        } else {
          expect(result, where).toBe(o.value)
          if (o.invalidateDuring !== null) model.dropTag(o.invalidateDuring)
          // An invalidation of one of its own tags during the computation
          // leaves the new entry stale from birth.
          if (o.invalidateDuring === null || !o.tags.includes(o.invalidateDuring)) {
            model.write(o.key, o.value, o.tags, o.ttl)
          }
        }
        break
      }
    }
  }
  // Final sweep: every key agrees.
  for (const k of ['a', 'b', 'c', 'a:b', '{a}'])
    expect(await cache.get(k), `final ${k}`).toBe(model.read(k))
}

describe('model-based: createCache over memoryStore matches a reference model', () => {
  it('agrees on random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), (ops) => run(ops)),
      { numRuns: 400 },
    )
  })

  it('reports a minimal failing sequence when the cache serves an invalid entry', async () => {
    // A deliberately broken model (ignores invalidate) proves the harness
    // catches a served-after-invalidation entry and shrinks to a short case.
    const broken = async (ops: Op[]) => {
      const patched = ops.map((o) =>
        o.op === 'invalidate' ? { ...o, op: 'invalidate-ignored' } : o,
      ) as Op[]
      const model = new Model()
      const store = memoryStore({ now: () => model.now })
      const cache = createCache({ store, namespace: 'broken' })
      for (const o of patched) {
        if (o.op === 'set') {
          await cache.set(o.key, o.value, { tags: o.tags, ttl: Number.POSITIVE_INFINITY })
          model.write(o.key, o.value, o.tags, Number.POSITIVE_INFINITY)
        } else if ((o as { op: string }).op === 'invalidate-ignored') {
          await cache.invalidate(...(o as unknown as { tags: string[] }).tags)
        } else if (o.op === 'get') {
          expect(await cache.get(o.key)).toBe(model.read(o.key))
        }
      }
    }
    const result = await fc.check(fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), broken), {
      numRuns: 500,
      seed: 42,
    })
    expect(result.failed).toBe(true)
    const counterexample = result.counterexample?.[0] as Op[]
    // Minimal: set a tagged key, invalidate that tag, get it.
    expect(counterexample.map((o) => o.op)).toEqual(['set', 'invalidate', 'get'])
  })
})
