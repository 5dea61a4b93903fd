import { describe, expect, it } from 'vitest'
import {
  createCache,
  type ErrorEvent,
  isTagCacheError,
  type Serializer,
  StoreError,
} from '../src/index.js'
import { STORE_METHODS } from '../src/store.js'
import { testStore } from './support/test-store.js'

const codes = (errors: ErrorEvent[]) => errors.map((e) => (e.error as { code?: string }).code)

describe('onError while the store fails', () => {
  it("'miss' reads misses and runs the factory; 'throw' and invalidations surface the StoreError", async () => {
    const store = testStore()
    const errors: ErrorEvent[] = []
    const lenient = createCache({
      store,
      onError: 'miss',
      hooks: [{ error: (e) => void errors.push(e) }],
    })
    const strict = createCache({ store })
    await strict.set('k', 'cached', { tags: ['t'] })
    for (const method of STORE_METHODS) store.failing.add(method)
    store.writes.length = 0

    expect(await lenient.get('k')).toBeUndefined()
    expect(await lenient.has('k')).toBe(false)
    expect(await lenient.getMany(['k', 'other'])).toEqual([undefined, undefined])
    let calls = 0
    const load = () => {
      calls++
      return 'from source'
    }
    expect(await lenient.wrap('k', load, { tags: ['t'] })).toBe('from source')
    expect(await lenient.cached(load, { key: () => 'fn' })()).toBe('from source')
    expect(calls).toBe(2)
    await expect(lenient.set('k', 'lost')).resolves.toBeUndefined()
    // One error per operation, each the store's own.
    expect(lenient.stats.errors).toBe(6)
    expect(errors.map((e) => e.operation)).toEqual([
      'get',
      'has',
      'getMany',
      'wrap',
      'cached',
      'set',
    ])
    for (const event of errors) expect(event.error).toBeInstanceOf(StoreError)
    expect(lenient.stats.sets).toBe(0)

    const strictRead = await strict.get('k').catch((e: unknown) => e)
    expect(isTagCacheError(strictRead, 'E_STORE')).toBe(true)
    // A lost invalidation would serve stale data: it surfaces even under 'miss'.
    const invalidation = await lenient.invalidate('t').catch((e: unknown) => e)
    expect(isTagCacheError(invalidation, 'E_STORE')).toBe(true)

    store.failing.clear()
    // Nothing reached the store meanwhile: the entry from before is intact.
    expect(store.writes).toEqual([])
    expect(await lenient.get('k')).toBe('cached')
    await lenient.invalidate('t')
    expect(await lenient.wrap('k', load, { tags: ['t'] })).toBe('from source')
    expect(calls).toBe(3)
    expect(await strict.get('k')).toBe('from source')
  })
})

describe('payloads core cannot read or write', () => {
  const otherSerializer: Serializer = {
    id: 'other-format',
    encode: (value) => `OTHER:${JSON.stringify(value)}`,
    decode: (bytes) => JSON.parse(Buffer.from(bytes).toString('utf8').slice(6)),
  }

  it("another serializer's payload is a miss plus an E_DESERIALIZE event naming it, never a throw", async () => {
    const store = testStore()
    const errors: ErrorEvent[] = []
    const writer = createCache({ store, serializer: otherSerializer })
    const reader = createCache({ store, hooks: [{ error: (e) => void errors.push(e) }] })
    await writer.set('k', { a: 1 })
    expect(await writer.get('k')).toEqual({ a: 1 })
    expect(await reader.get('k')).toBeUndefined()
    expect(codes(errors)).toEqual(['E_DESERIALIZE'])
    expect(String((errors[0]?.error as Error | undefined)?.message)).toContain('other-format')
    expect(await reader.wrap('k', () => 'mine')).toBe('mine')
    expect(await reader.get('k')).toBe('mine')
  })

  it('a corrupted payload is a miss plus an E_DESERIALIZE event', async () => {
    const store = testStore()
    const errors: ErrorEvent[] = []
    const cache = createCache({ store, hooks: [{ error: (e) => void errors.push(e) }] })
    await cache.set('k', 'v')
    const [written] = store.writes
    if (written === undefined) throw new Error('the set wrote nothing')
    const rewrite = (value: Uint8Array) =>
      store.set(written.key, { ...written, value, captured: undefined })
    await rewrite(written.value.slice(0, written.value.length - 1)) // truncated
    expect(await cache.get('k')).toBeUndefined()
    await rewrite(new Uint8Array([1, 2, 3])) // foreign
    expect(await cache.get('k')).toBeUndefined()
    expect(codes(errors)).toEqual(['E_DESERIALIZE', 'E_DESERIALIZE'])
  })

  it('an unserializable value fails at set with E_SERIALIZE naming the key; nothing is written', async () => {
    const store = testStore()
    const cache = createCache({ store })
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const value of [cyclic, { n: 10n }, () => 1]) {
      const error = await cache.set('bad', value).catch((e: unknown) => e)
      expect(isTagCacheError(error, 'E_SERIALIZE')).toBe(true)
      expect((error as Error).message).toContain('"bad"')
    }
    expect(store.writes).toEqual([])
  })
})
