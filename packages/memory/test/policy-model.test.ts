// Model-based: random get/set/delete sequences on a cache bounded by lru,
// lfu, fifo or mru (through memoryStore({ policy }) and createCache({ policy }))
// against a plain array-based reference of each policy's definition.
import { createCache } from '@tagcache/core'
import { type EvictionPolicy, fifo, lfu, lru, mru, type PolicyName } from '@tagcache/policies'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../src/index.js'

interface ModelEntry {
  key: string
  value: number
  /** Uses (lfu): 1 at insert, +1 per hit or overwrite. */
  uses: number
  /** Tick of the last use (lru, mru, lfu ties). */
  used: number
  /** Tick of the first insert (fifo). */
  inserted: number
}

/** The definitions of DESIGN.md, written the slow, obvious way. */
class Reference {
  readonly entries: ModelEntry[] = []
  #tick = 0
  constructor(
    readonly name: PolicyName,
    readonly maxSize: number,
  ) {}

  get(key: string): number | undefined {
    const e = this.entries.find((x) => x.key === key)
    if (e === undefined) return undefined
    this.#use(e)
    return e.value
  }

  set(key: string, value: number): void {
    const e = this.entries.find((x) => x.key === key)
    if (e !== undefined) {
      e.value = value
      this.#use(e)
      return
    }
    const tick = ++this.#tick
    const added = { key, value, uses: 1, used: tick, inserted: tick }
    this.entries.push(added)
    while (this.entries.length > this.maxSize) this.#evict(added)
  }

  delete(key: string): void {
    const i = this.entries.findIndex((x) => x.key === key)
    if (i !== -1) this.entries.splice(i, 1)
  }

  #use(e: ModelEntry): void {
    e.uses++
    e.used = ++this.#tick
  }

  /** Evicts per the definition; never `added` (the entry just inserted) while others remain. */
  #evict(added: ModelEntry): void {
    const others = this.entries.filter((x) => x !== added)
    const by = (score: (x: ModelEntry) => number) =>
      others.reduce((best, x) => (score(x) < score(best) ? x : best))
    const victim =
      this.name === 'lru'
        ? by((x) => x.used)
        : this.name === 'mru'
          ? by((x) => -x.used)
          : this.name === 'fifo'
            ? by((x) => x.inserted)
            : by((x) => x.uses * 1e9 + x.used) // lfu: fewest uses, then least recently used
    this.entries.splice(this.entries.indexOf(victim), 1)
  }
}

type Op = { op: 'get' | 'set' | 'delete'; key: string }
const ops = fc.array(
  fc.record({
    op: fc.constantFrom<Op['op'][]>('get', 'get', 'set', 'set', 'delete'),
    key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
  }),
  { maxLength: 80 },
)

const policies: [PolicyName, (maxSize: number) => EvictionPolicy][] = [
  ['lru', (maxSize) => lru({ maxSize })],
  ['lfu', (maxSize) => lfu({ maxSize })],
  ['fifo', (maxSize) => fifo({ maxSize })],
  ['mru', (maxSize) => mru({ maxSize })],
]

describe.each(['memoryStore({ policy })', 'createCache({ policy })'])('%s', (mode) => {
  it.each(policies)('%s agrees with the reference model', async (name, make) => {
    await fc.assert(
      fc.asyncProperty(ops, fc.integer({ min: 1, max: 4 }), async (sequence, maxSize) => {
        const policy = make(maxSize)
        const cache =
          mode === 'memoryStore({ policy })'
            ? createCache({ store: memoryStore({ policy, serialize: false }) })
            : createCache({ store: memoryStore({ serialize: false }), policy })
        const model = new Reference(name, maxSize)
        let value = 0
        for (const { op, key } of sequence) {
          if (op === 'get') expect(await cache.get(key)).toBe(model.get(key))
          else if (op === 'set') {
            value++
            await cache.set(key, value)
            model.set(key, value)
          } else {
            await cache.delete(key)
            model.delete(key)
          }
        }
        // Final contents (read in key order; the model reads alike).
        for (const key of 'abcdef') expect(await cache.get(key)).toBe(model.get(key))
        await cache.close()
      }),
      { numRuns: 150 },
    )
  })
})
