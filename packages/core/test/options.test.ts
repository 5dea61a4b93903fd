import { describe, expect, it } from 'vitest'
import { createCache, InvalidOptionsError, isTagCacheError, type Store } from '../src/index.js'
import { STORE_METHODS } from '../src/store.js'

// Shape-only: validation never calls the store.
const store = Object.fromEntries(
  STORE_METHODS.map((m) => [m, () => Promise.reject(new Error('not called'))]),
) as unknown as Store

describe('createCache options', () => {
  it('accepts valid options', () => {
    const cache = createCache({
      store,
      namespace: 'x',
      defaultTtl: '2h',
      ttlJitter: 0.1,
      timeout: 500,
      onError: 'miss',
    })
    expect(cache.namespace).toBe('x')
  })

  it('throws one error naming every bad path and what was expected', () => {
    let error: unknown
    try {
      createCache({
        store: {} as Store,
        defaultTtl: '1hfoo',
        ttlJitter: 2,
        onError: 'ignore' as never,
        extra: 1,
      } as never)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InvalidOptionsError)
    expect(isTagCacheError(error, 'E_INVALID_OPTIONS')).toBe(true)
    const message = (error as Error).message
    expect(message).toMatch(/^\[tagcache\] \[core\] invalid options:/)
    for (const path of ['store', 'defaultTtl', 'ttlJitter', 'onError', 'extra'])
      expect(message).toContain(path)
    expect(message).toContain('1hfoo')
    expect(message).toMatch(/extra: unknown option; expected one of store, namespace, .*policy/)
    expect((error as InvalidOptionsError).issues).toHaveLength(5)
  })

  it('duration options: NaN, 0 (defaultTtl), null and Infinity (breakerDuration) are named with what was expected; Infinity is a valid defaultTtl', () => {
    const issue = (options: Record<string, unknown>) => {
      try {
        createCache({ store, ...options } as never)
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidOptionsError)
        return (error as InvalidOptionsError).issues.join('\n')
      }
      return 'accepted'
    }
    expect(issue({ defaultTtl: Number.NaN })).toMatch(/^defaultTtl: invalid ttl NaN; expected/)
    expect(issue({ defaultTtl: 0 })).toMatch(/^defaultTtl: got 0, .*; expected a ttl > 0/)
    expect(issue({ defaultTtl: null })).toMatch(/^defaultTtl: got null; expected milliseconds/)
    expect(issue({ timeout: Number.NaN })).toMatch(/^timeout: invalid ttl NaN; expected/)
    expect(issue({ breakerDuration: Number.POSITIVE_INFINITY })).toMatch(
      /^breakerDuration: expected a finite duration/,
    )
    expect(issue({ defaultTtl: Number.POSITIVE_INFINITY })).toBe('accepted')
    expect(issue({ defaultTtl: 'forever', timeout: 0 })).toBe('accepted')
  })

  it('requires a store', () => {
    expect(() => createCache({} as never)).toThrow(/store/)
  })

  it('rejects bad arguments with TypeErrors naming them', async () => {
    const cache = createCache({ store })
    await expect(cache.get(42 as never)).rejects.toThrow(/invalid key number; expected a string/)
    await expect(cache.set('k', 1, { ttl: '1hfoo' })).rejects.toThrow(/\[set\].*1hfoo/)
    await expect(cache.set('k', 1, { ttl: 0 })).rejects.toThrow(RangeError)
    await expect(cache.set('k', 1, { tags: 'users' as never })).rejects.toThrow(/tags/)
    await expect(cache.wrap('k', 'nope' as never)).rejects.toThrow(/factory/)
  })

  it('throws E_CLOSED after close()', async () => {
    const cache = createCache({ store })
    await cache.close()
    const error = await cache.get('k').catch((e: unknown) => e)
    expect(isTagCacheError(error, 'E_CLOSED')).toBe(true)
  })
})
