// EntryMemo: a store that returns the same entry object for every read of a
// key (a near cache's local copy) lets core check the payload's checksum once
// per copy and decode it once: with `share` every read gets that one value,
// else (core JSON) a deep copy of it.
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createCache,
  EntryMemo,
  jsonSerializer,
  type Serializer,
  type Store,
  type StoredEntry,
} from '../src/index.js'
import { copyByPlan, copyPlanOf, createEnvelope, jsCrc32 } from '../src/serializer.js'

/** A copy of a parsed value as a read makes one of its master: plan, then copy. */
const copyJson = (value: unknown): unknown =>
  typeof value === 'object' && value !== null ? copyByPlan(value, copyPlanOf(value)) : value

import { testStore } from './support/test-store.js'

/**
 * A store over `testStore()` whose reads of `id` return one entry object, with
 * a memo, until `refresh()`: as a near cache serves its local copy.
 */
function copyingStore(share: boolean) {
  const inner = testStore()
  let copy: StoredEntry | undefined
  const store: Store & { refresh(): void; corrupt(): void; readonly memo: EntryMemo | undefined } =
    {
      ...inner,
      name: 'copying',
      async get(id, record) {
        if (copy !== undefined) return copy
        const entry = await inner.get(id, record)
        if (entry === undefined) return undefined
        // A private copy of the bytes, as a near cache keeps.
        copy = { ...entry, value: Buffer.from(entry.value), memo: new EntryMemo(share) }
        return copy
      },
      getMany(ids) {
        return Promise.all(ids.map((id) => store.get(id)))
      },
      getOrCapture: undefined,
      refresh() {
        copy = undefined
      },
      /** Flips a payload byte of the kept copy. */
      corrupt() {
        const bytes = copy?.value as Buffer
        const at = bytes.length - 2
        bytes[at] = (bytes[at] as number) ^ 0x01
      },
      get memo() {
        return copy?.memo
      },
    }
  return store
}

describe('EntryMemo: an entry object a store returns again', () => {
  it('without share: every read decodes a copy of its own; mutating one changes no later read', async () => {
    const store = copyingStore(false)
    const cache = createCache({ store, namespace: 'm' })
    await cache.set('k', { n: 1, list: [1, 2] }, { tags: ['t'] })
    const first = await cache.get<{ n: number; list: number[] }>('k')
    const second = await cache.get<{ n: number; list: number[] }>('k')
    expect(first).toEqual({ n: 1, list: [1, 2] })
    expect(second).not.toBe(first)
    first?.list.push(3)
    expect(await cache.get('k')).toEqual({ n: 1, list: [1, 2] })
    expect(store.memo?.checked).toBe(true)
    // Core JSON: decoded once, and each read gets a deep copy of that master.
    expect(store.memo?.decodedBy).toBeDefined()
    const third = (await cache.get('k')) as { n: number; list: number[] }
    third.n = 2
    expect(await cache.get('k')).toEqual({ n: 1, list: [1, 2] })
  })

  it('without share, another serializer decodes every read (no master to copy)', async () => {
    const store = copyingStore(false)
    let decodes = 0
    const counting: Serializer = {
      id: 'counting',
      encode: (v) => Buffer.from(JSON.stringify(v)),
      decode: (b) => {
        decodes++
        return JSON.parse(Buffer.from(b).toString())
      },
    }
    const cache = createCache({ store, namespace: 'm', serializer: counting })
    await cache.set('k', { n: 1 }, { tags: ['t'] })
    for (let i = 0; i < 3; i++) expect(await cache.get('k')).toEqual({ n: 1 })
    expect(decodes).toBe(3)
    expect(store.memo?.decodedBy).toBeUndefined()
  })

  it('copies equal a fresh parse: own __proto__ keys, key order, nesting, a polluted Object.prototype', async () => {
    const store = copyingStore(false)
    const cache = createCache({ store, namespace: 'm' })
    const text =
      '{"b":1,"__proto__":{"x":[1,{"__proto__":null}]},"2":"two","a":[[],{}],"s":"é🐎","n":null,"f":-0.5}'
    await cache.set('k', JSON.parse(text), { tags: ['t'] })
    await cache.get('k') // decodes the master
    ;(Object.prototype as Record<string, unknown>).polluted = 'yes'
    try {
      const copy = await cache.get('k')
      expect(JSON.stringify(copy)).toBe(JSON.stringify(JSON.parse(text)))
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype)
      expect(Object.hasOwn(copy as object, '__proto__')).toBe(true)
      expect(Object.hasOwn(copy as object, 'polluted')).toBe(false)
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted
    }
  })

  it('a value nested too deep to copy recursively is decoded from its bytes instead', async () => {
    const store = copyingStore(false)
    const cache = createCache({ store, namespace: 'm' })
    // JSON.stringify cannot write it (it recurses too), so the envelope is built by hand.
    const depth = 100_000
    const payload = Buffer.from(`${'['.repeat(depth)}1${']'.repeat(depth)}`)
    const { header } = createEnvelope(jsonSerializer())
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(jsCrc32(payload))
    await store.set('m:e:k', {
      value: Buffer.concat([header, crc, payload]),
      tags: ['m:n'],
      candidate: 'a1',
      ttl: 60_000,
    })
    const levels = (value: unknown) => {
      let n = 0
      while (Array.isArray(value)) {
        value = value[0]
        n++
      }
      return n
    }
    expect(levels(await cache.get('k'))).toBe(depth) // decodes the master
    expect(() => copyJson(JSON.parse(payload.toString()))).toThrow(RangeError)
    const copy = await cache.get('k') // a copy: decoded from the bytes
    expect(levels(copy)).toBe(depth)
    expect(cache.stats.errors).toBe(0)
  })

  it('with share: reads return one decoded value, the same object', async () => {
    const store = copyingStore(true)
    const cache = createCache({ store, namespace: 'm' })
    await cache.set('k', { n: 1 }, { tags: ['t'] })
    const first = await cache.get('k')
    expect(first).toEqual({ n: 1 })
    expect(await cache.get('k')).toBe(first)
    expect(await cache.getMany(['k'])).toEqual([first])
    expect((await cache.getMany(['k']))[0]).toBe(first)
    expect(await cache.wrap('k', () => 'never called')).toBe(first)
    // A new copy (the entry changed) is decoded again.
    store.refresh()
    const third = await cache.get('k')
    expect(third).toEqual({ n: 1 })
    expect(third).not.toBe(first)
  })

  it('the checksum is checked on the first read of a copy: a copy corrupted before it is a miss, and is not marked checked', async () => {
    const store = copyingStore(false)
    const errors: unknown[] = []
    const cache = createCache({
      store,
      namespace: 'm',
      hooks: [{ error: (e) => errors.push(e.error) }],
    })
    await cache.set('k', 'a value long enough', { tags: ['t'] })
    store.refresh()
    await store.get('m:e:k') // the copy is made ...
    store.corrupt() // ... and corrupted before core first read it
    expect(await cache.get('k')).toBeUndefined()
    expect(store.memo?.checked).toBe(false)
    expect(String(errors[0])).toMatch(/checksum does not match/)
    expect(cache.stats.errors).toBe(1)
  })

  it('a value shared under one serializer is never handed to a cache with another: its header still decides', async () => {
    const store = copyingStore(true)
    const json = createCache({ store, namespace: 'm' })
    const other: Serializer = {
      id: 'other',
      encode: (v) => Buffer.from(JSON.stringify(v)),
      decode: (b) => JSON.parse(Buffer.from(b).toString()),
    }
    const viaOther = createCache({ store, namespace: 'm', serializer: other })
    await json.set('k', { n: 1 }, { tags: ['t'] })
    expect(await json.get('k')).toEqual({ n: 1 })
    expect(store.memo?.decodedBy).toBeDefined()
    // Written by "json": a miss for the other serializer, not json's shared value.
    expect(await viaOther.get('k')).toBeUndefined()
    // Two caches with core's JSON serializer (each its own instance) decode alike: one shared value.
    const json2 = createCache({ store, namespace: 'm', serializer: jsonSerializer() })
    expect(await json2.get('k')).toBe(await json.get('k'))
  })
})

describe('EntryMemo: the freshness of a timed entry (grace)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  for (const share of [false, true]) {
    it(`a read served from the memo (share: ${share}) still goes stale at the entry's time`, async () => {
      vi.useFakeTimers({ toFake: ['Date'] })
      vi.setSystemTime(1_000_000)
      const store = copyingStore(share)
      const cache = createCache({ store, namespace: 'm' })
      await cache.wrap('k', () => ({ n: 1 }), { ttl: '1m', grace: '1h' })
      expect(await cache.get('k')).toEqual({ n: 1 }) // decodes the master
      expect(store.memo?.decodedBy).toBeDefined()
      expect(await cache.get('k')).toEqual({ n: 1 }) // from the memo
      vi.setSystemTime(1_000_000 + 59_000)
      expect(await cache.get('k')).toEqual({ n: 1 })
      vi.setSystemTime(1_000_000 + 61_000)
      // Past its ttl, within its grace: a miss for get, the stale value for wrap.
      expect(await cache.get('k')).toBeUndefined()
      expect(await cache.has('k')).toBe(false)
      expect(
        await cache.wrap('k', () => Promise.reject(new Error('down')), { grace: '1h' }),
      ).toEqual({
        n: 1,
      })
    })
  }
})

describe("copyByPlan (a read's copy of a master)", () => {
  it('copies any parsed JSON text into a value equal to a fresh parse, sharing no object with it', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const master = JSON.parse(text)
        const copy = copyJson(master)
        expect(copy).toStrictEqual(JSON.parse(text))
        expect(JSON.stringify(copy)).toBe(JSON.stringify(master))
        const shared = new Set<unknown>()
        const collect = (v: unknown): void => {
          if (typeof v !== 'object' || v === null) return
          shared.add(v)
          for (const child of Object.values(v)) collect(child)
        }
        collect(master)
        const reuses = (v: unknown): boolean =>
          typeof v === 'object' &&
          v !== null &&
          (shared.has(v) || Object.values(v).some((child) => reuses(child)))
        expect(reuses(copy)).toBe(false)
      }),
      { numRuns: 500 },
    )
  })

  it('keeps an own __proto__ key as data, as JSON.parse does, at any depth', () => {
    const text = '{"__proto__":{"admin":true},"list":[{"__proto__":[1]}]}'
    const copy = copyJson(JSON.parse(text)) as Record<string, unknown>
    expect(copy).toStrictEqual(JSON.parse(text))
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype)
    expect(Object.hasOwn(copy, '__proto__')).toBe(true)
    expect((copy as { admin?: unknown }).admin).toBeUndefined()
    const inner = (copy.list as Record<string, unknown>[])[0] as Record<string, unknown>
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(inner, '__proto__')?.value).toStrictEqual([1])
  })

  it('copies no enumerable key a program added to Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>
    proto.polluted = { x: 1 }
    try {
      const copy = copyJson(JSON.parse('{"a":{"b":[{"c":1}]}}')) as Record<string, unknown>
      expect(Object.keys(copy)).toEqual(['a'])
      expect(Object.keys(copy.a as object)).toEqual(['b'])
      expect(Object.hasOwn(copy, 'polluted')).toBe(false)
    } finally {
      delete proto.polluted
    }
  })
})
