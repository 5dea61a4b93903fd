import { createCache, isTagCacheError } from '@tagcache/core'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import { memoryStore } from '../src/index.js'

describe('schema-checked reads with zod 4', () => {
  const User = z.object({ id: z.number(), name: z.string(), joined: z.coerce.date() })

  it('infers the type from the schema and returns the parsed output', async () => {
    const cache = createCache({ store: memoryStore() })
    await cache.set('u', { id: 1, name: 'Ada', joined: '2026-01-01T00:00:00.000Z' })
    const user = await cache.get('u', { schema: User })
    expectTypeOf(user).toEqualTypeOf<{ id: number; name: string; joined: Date } | undefined>()
    expect(user?.joined).toBeInstanceOf(Date)
    expect(user?.name).toBe('Ada')
  })

  it('after a deploy changes the shape, reads miss and wrap recomputes', async () => {
    const errors: unknown[] = []
    const cache = createCache({
      store: memoryStore(),
      hooks: [{ error: (e) => void errors.push(e.error) }],
    })
    await cache.set('u', { id: '1', fullName: 'Ada' }) // the old shape
    expect(await cache.get('u', { schema: User })).toBeUndefined()
    expect(isTagCacheError(errors[0], 'E_SCHEMA')).toBe(true)
    const fresh = await cache.wrap('u', () => ({ id: 1, name: 'Ada', joined: new Date(0) }), {
      schema: User,
    })
    expect(fresh.id).toBe(1)
    expect(await cache.get('u', { schema: User })).toMatchObject({ id: 1, name: 'Ada' })
    expect(cache.stats.errors).toBe(1)
  })
})
