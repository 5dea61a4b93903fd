import { describe, expect, it, vi } from 'vitest'
import { createCache, type ErrorEvent, type StandardSchemaV1 } from '../src/index.js'
import { testStore } from './support/test-store.js'

type User = { name: string }

/** A hand-written Standard Schema: `{ name: string }` to `{ name, upper }` (a transform). */
const userSchema = (
  mode: 'sync' | 'async' = 'sync',
): StandardSchemaV1<unknown, User & { upper: string }> => ({
  '~standard': {
    version: 1,
    vendor: 'core-tests',
    validate: (value: unknown) => {
      const ok =
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { name?: unknown }).name === 'string'
      const result = ok
        ? { value: { ...(value as User), upper: (value as User).name.toUpperCase() } }
        : { issues: [{ message: 'expected a string', path: ['name'] }] }
      return mode === 'async' ? Promise.resolve(result) : result
    },
  },
})

const numbers: StandardSchemaV1<unknown, number> = {
  '~standard': {
    version: 1,
    vendor: 'core-tests',
    validate: (value) =>
      typeof value === 'number' ? { value } : { issues: [{ message: 'expected a number' }] },
  },
}

const codes = (errors: ErrorEvent[]) => errors.map((e) => (e.error as { code?: string }).code)

describe('schema-checked reads', () => {
  it('return the schema output for a matching value, sync or async', async () => {
    const cache = createCache({ store: testStore() })
    await cache.set('u', { name: 'ada' })
    const ada = { name: 'ada', upper: 'ADA' }
    expect(await cache.get('u', { schema: userSchema() })).toEqual(ada)
    expect(await cache.get('u', { schema: userSchema('async') })).toEqual(ada)
    expect(await cache.getOrThrow('u', { schema: userSchema() })).toEqual(ada)
    expect(await cache.getMany(['u'], { schema: userSchema('async') })).toEqual([ada])
  })

  it('a value that no longer matches is a miss plus an E_SCHEMA error event, and is removed', async () => {
    const store = testStore()
    const errors: ErrorEvent[] = []
    const cache = createCache({ store, hooks: [{ error: (e) => void errors.push(e) }] })
    await cache.set('u', { name: 42 }) // written by an older deploy
    expect(await cache.get('u', { schema: userSchema('async') })).toBeUndefined()
    expect(codes(errors)).toEqual(['E_SCHEMA'])
    expect(String((errors[0]?.error as Error | undefined)?.message)).toContain(
      'name: expected a string',
    )
    // Removal is fire-and-forget: wait for it.
    await vi.waitFor(() => expect(store.calls.map((c) => c.method)).toContain('delete'))
    expect(await cache.has('u')).toBe(false)
    expect(await cache.getMany(['u'], { schema: userSchema() })).toEqual([undefined])
  })

  it('wrap and cached recompute a value that no longer matches, and write the new one', async () => {
    const cache = createCache({ store: testStore() })
    await cache.set('u', { name: 42 })
    let calls = 0
    const load = async () => {
      calls++
      return { name: 'grace', upper: 'GRACE' }
    }
    const grace = { name: 'grace', upper: 'GRACE' }
    expect(await cache.wrap('u', load, { schema: userSchema() })).toEqual(grace)
    expect(await cache.wrap('u', load, { schema: userSchema() })).toEqual(grace)
    expect(calls).toBe(1)
    const byId = cache.cached(async (id: number) => ({ name: `user${id}`, upper: `USER${id}` }), {
      key: (id) => `cached:${id}`,
      schema: userSchema(),
    })
    await cache.set('cached:1', { name: null })
    expect(await byId(1)).toEqual({ name: 'user1', upper: 'USER1' })
    expect(await cache.get('cached:1')).toEqual({ name: 'user1', upper: 'USER1' })
  })

  it('a mismatch names the operation that met it: get, getMany, wrap or cached', async () => {
    const errors: ErrorEvent[] = []
    const cache = createCache({
      store: testStore(),
      hooks: [{ error: (e) => void errors.push(e) }],
    })
    await cache.setMany(['a', 'b', 'c', 'd'].map((key) => ({ key, value: 'text' })))
    expect(await cache.get('a', { schema: numbers })).toBeUndefined()
    expect(await cache.getMany(['b'], { schema: numbers })).toEqual([undefined])
    expect(await cache.wrap('c', () => 3, { schema: numbers })).toBe(3)
    const fn = cache.cached(() => 4, { key: () => 'd', schema: numbers })
    expect(await fn()).toBe(4)
    expect(errors.map((e) => [e.operation, e.key, (e.error as { code?: string }).code])).toEqual([
      ['get', 'a', 'E_SCHEMA'],
      ['getMany', 'b', 'E_SCHEMA'],
      ['wrap', 'c', 'E_SCHEMA'],
      ['cached', 'd', 'E_SCHEMA'],
    ])
  })
})
