// Model-based test: random sequences of operations against createCache over
// the memory store, checked after every step against a plain reference model.
// On a divergence fast-check shrinks the sequence and reports the minimal one.
//
// The store's read path skips the tag walk while its tag epoch has not moved
// and keeps each entry's slot in core's key record, so the sequences mix
// reads (which verify and stamp entries) with every way a version changes or
// goes (invalidate, invalidateAll, a dropped tag version, maxTags overflow),
// with expiry, deletes, rewrites and capacity evictions. Mutants of the store
// (below) prove the property catches a missed epoch bump or a stale record.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createCache } from '@tagcache/core'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { type MemoryStoreOptions, memoryStore } from '../src/index.js'

type StoreFactory = typeof memoryStore

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

/**
 * How a run checks reads. `exact`: every read equals the model's. `sound`
 * (bounded stores, which may evict what the model still holds): a read is
 * the model's value or a miss, and after a miss the model forgets the key, so
 * a later hit on it (a resurrected entry) fails; a stale or wrong value fails
 * either way.
 */
type Check = 'exact' | 'sound'

interface RunOptions {
  factory?: StoreFactory
  store?: Omit<MemoryStoreOptions, 'now'>
  check?: Check
}

async function run(ops: Op[], options: RunOptions = {}): Promise<void> {
  const { factory = memoryStore, check = 'exact' } = options
  const model = new Model()
  const store = factory({ ...options.store, now: () => model.now })
  const cache = createCache({ store, namespace: 'model' })
  const expectRead = (key: string, actual: unknown, where: string) => {
    const expected = model.read(key)
    if (check === 'sound' && actual === undefined) {
      model.entries.delete(key)
      return
    }
    expect(actual, where).toBe(expected)
  }
  for (const [step, o] of ops.entries()) {
    const where = `step ${step} ${JSON.stringify(o)}`
    switch (o.op) {
      case 'set':
        await cache.set(o.key, o.value, { tags: o.tags, ttl: o.ttl })
        model.write(o.key, o.value, o.tags, o.ttl)
        break
      case 'get':
        expectRead(o.key, await cache.get(o.key), where)
        break
      case 'getMany': {
        const values = await cache.getMany(o.keys)
        o.keys.forEach((k, i) => {
          expectRead(k, values[i], `${where} key ${k}`)
        })
        break
      }
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
        let expected = model.read(o.key)
        let computed = false
        const result = await cache.wrap(
          o.key,
          async () => {
            computed = true
            if (o.invalidateDuring !== null) await cache.invalidate(o.invalidateDuring)
            return o.value
          },
          { tags: o.tags, ttl: o.ttl },
        )
        // A bounded store may have evicted what the model holds: then wrap computes.
        if (check === 'sound' && computed && expected !== undefined) {
          model.entries.delete(o.key)
          expected = undefined
        }
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
  for (const k of ['a', 'b', 'c', 'a:b', '{a}']) expectRead(k, await cache.get(k), `final ${k}`)
}

const sequences = fc.array(opArb, { maxLength: 60 })

describe('model-based: createCache over memoryStore matches a reference model', () => {
  it('agrees on random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(sequences, (ops) => run(ops)),
      { numRuns: 400 },
    )
  })

  it('agrees with values kept by reference (serialize: false)', async () => {
    await fc.assert(
      fc.asyncProperty(sequences, (ops) => run(ops, { store: { serialize: false } })),
      { numRuns: 300 },
    )
  })

  it('never serves a stale, wrong or resurrected value when bounds evict entries and tag versions', async () => {
    // maxEntries 2 of 5 keys, maxTags 3 of 6 tag ids (the namespace tag among
    // them): capacity evictions and tag-version drops happen in most runs.
    for (const serialize of [true, false]) {
      await fc.assert(
        fc.asyncProperty(sequences, (ops) =>
          run(ops, { store: { maxEntries: 2, maxTags: 3, serialize }, check: 'sound' }),
        ),
        { numRuns: 300 },
      )
    }
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

// Mutants: the store's source with one change each, loaded beside the real
// one. Each must fail the property above; if one passed, the property would
// not be checking what the read path relies on.
const SOURCE = fileURLToPath(new URL('../src/index.ts', import.meta.url))
const MUTANT_DIR = fileURLToPath(new URL('./', import.meta.url))
const mutantFiles: string[] = []
afterAll(() => {
  for (const file of mutantFiles) rmSync(file, { force: true })
})

async function mutant(name: string, from: string, to: string): Promise<StoreFactory> {
  const source = readFileSync(SOURCE, 'utf8')
  // The mutation must apply exactly once, or the mutant tests nothing.
  expect(source.split(from).length - 1, `${name}: occurrences of the mutated code`).toBe(1)
  const src = fileURLToPath(new URL('../src/', import.meta.url))
  const mutated = source
    .replace(from, to)
    .replaceAll(/from '\.\/([\w-]+)\.js'/g, (_, file) => `from '${src}${file}.js'`)
  const file = `${MUTANT_DIR}.mutant-${name}-${process.pid}.ts`
  writeFileSync(file, mutated)
  mutantFiles.push(file)
  const module = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as {
    memoryStore: StoreFactory
  }
  return module.memoryStore
}

describe('model-based: mutants of the read path fail the property', () => {
  const mutants: [name: string, from: string, to: string, options?: RunOptions][] = [
    [
      'no-epoch-bump-on-tag-drop',
      'this.#tags.delete(tag)\n    this.#tagsChanged()',
      'this.#tags.delete(tag)',
    ],
    [
      'no-epoch-bump-on-invalidate',
      'this.#tagsChanged()\n    return Promise.resolve()',
      'return Promise.resolve()',
    ],
    [
      'record-slot-trusted-after-removal',
      'slot.owner !== this || slot.removed',
      'slot.owner !== this',
    ],
    ['no-exact-expiry-check', 'slot.until <= now - this.#origin && slot.expiresAt <= now', 'false'],
  ]
  for (const [name, from, to, options] of mutants) {
    it(`catches the mutant ${name}`, async () => {
      const factory = await mutant(name, from, to)
      const result = await fc.check(
        fc.asyncProperty(sequences, (ops) => run(ops, { ...options, factory })),
        { numRuns: 2000 },
      )
      expect(result.failed, `${name} survived ${result.numRuns} sequences`).toBe(true)
    })
  }
})
