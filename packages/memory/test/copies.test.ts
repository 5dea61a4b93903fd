// Stores behave alike: by default the memory store keeps what Redis would
// keep (serialized bytes), so swapping stores changes nothing.
import { createCache, isTagCacheError } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../src/index.js'

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

describe('memoryStore copies values by default', () => {
  it('a value mutated after set, or after get, does not change the cache', async () => {
    const cache = createCache({ store: memoryStore() })
    const user = { name: 'Ada', roles: ['admin'] }
    await cache.set('u', user)
    user.name = 'Eve'
    user.roles.push('root')
    const first = await cache.get<typeof user>('u')
    expect(first).toEqual({ name: 'Ada', roles: ['admin'] })
    first?.roles.push('mutated')
    expect(await cache.get('u')).toEqual({ name: 'Ada', roles: ['admin'] })
    expect(await cache.get('u')).not.toBe(await cache.get('u'))
  })

  it('refuses what Redis would refuse: a function, a cyclic object', async () => {
    const cache = createCache({ store: memoryStore() })
    const fn = await rejection(cache.set('f', () => 1))
    expect(isTagCacheError(fn, 'E_SERIALIZE')).toBe(true)
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    const cycle = await rejection(cache.set('c', cyclic))
    expect(isTagCacheError(cycle, 'E_SERIALIZE')).toBe(true)
    expect(await cache.has('f')).toBe(false)
    expect(await cache.has('c')).toBe(false)
  })

  it('wrap hands the caller the value it computed, and later callers a copy', async () => {
    const cache = createCache({ store: memoryStore() })
    const computed = { n: 1 }
    expect(await cache.wrap('w', () => computed)).toBe(computed)
    computed.n = 2
    expect(await cache.get('w')).toEqual({ n: 1 })
  })
})

describe('memoryStore({ serialize: false }) keeps values by reference (opt-in)', () => {
  it('returns the very object that was set, and accepts values no serializer could encode', async () => {
    const cache = createCache({ store: memoryStore({ serialize: false }) })
    const user = { name: 'Ada' }
    await cache.set('u', user)
    expect(await cache.get('u')).toBe(user)
    const fn = () => 1
    await cache.set('f', fn)
    expect(await cache.get('f')).toBe(fn)
  })
})
