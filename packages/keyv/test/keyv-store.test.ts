import { createCache, InvalidOptionsError, isTagCacheError, jsonSerializer } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import Keyv, { type KeyvStoreAdapter } from 'keyv'
import { describe, expect, it, vi } from 'vitest'
import { keyvNamespaceTag, keyvStore } from '../src/index.js'

/** A memory cache on a clock the test moves. */
function clockedCache() {
  let now = 1_000_000
  const cache = createCache({
    store: memoryStore({ now: () => now }),
    namespace: 'kv',
    defaultTtl: 'forever',
  })
  return { cache, advance: (ms: number) => (now += ms) }
}

describe('keyvStore', () => {
  it('is a Keyv 5 storage adapter', () => {
    const cache = createCache({ store: memoryStore() })
    const store: KeyvStoreAdapter = keyvStore(cache)
    const keyv = new Keyv({ store, namespace: 'ns' })
    expect(keyv.store).toBe(store)
    expect(store.namespace).toBe('ns')
  })

  it('writes the entry with the TTL Keyv gives, as Keyv records it in the payload', async () => {
    const { cache, advance } = clockedCache()
    const keyv = new Keyv({ store: keyvStore(cache) })
    await keyv.set('short', 'v', 5_000)
    await keyv.set('long', 'v', 60_000)
    await keyv.set('forever', 'v')
    const remaining = await cache.ttl('keyv:short')
    expect(remaining).toBeGreaterThan(4_000)
    expect(remaining).toBeLessThanOrEqual(5_000)
    // No Keyv TTL: the cache's defaultTtl (1h unless set; 'forever' here).
    expect(await cache.ttl('keyv:forever')).toBe(Number.POSITIVE_INFINITY)
    // Keyv's payload carries the same expiry (cache-manager's ttl() reads it).
    const raw = (await keyv.get('short', { raw: true })) as { expires: number }
    expect(raw.expires - Date.now()).toBeGreaterThan(4_000)
    expect(raw.expires - Date.now()).toBeLessThanOrEqual(5_000)
    // The store itself drops the entry when the TTL runs out (Keyv's Date.now() has not moved).
    advance(5_001)
    expect(await cache.has('keyv:short')).toBe(false)
    expect(await keyv.get('short')).toBeUndefined()
    expect(await keyv.has('short')).toBe(false)
    expect(await keyv.get('long')).toBe('v')
    expect(await keyv.get('forever')).toBe('v')
    await cache.close()
  })

  it("uses the cache's defaultTtl when Keyv gives none (Keyv's own ttl option wins)", async () => {
    const cache = createCache({ store: memoryStore(), defaultTtl: '2h' })
    await new Keyv({ store: keyvStore(cache) }).set('a', 1)
    await new Keyv({ store: keyvStore(cache), ttl: 10_000 }).set('b', 1)
    expect(await cache.ttl('keyv:a')).toBeGreaterThan(7_190_000)
    expect(await cache.ttl('keyv:b')).toBeLessThanOrEqual(10_000)
    await cache.close()
  })

  it('a TTL of 0 or less has already expired: the key is deleted', async () => {
    const cache = createCache({ store: memoryStore() })
    const store = keyvStore(cache)
    await store.set('k', 'old')
    expect(await store.set('k', 'new', -1)).toBe(true)
    expect(await store.get('k')).toBeUndefined()
    await store.setMany([
      { key: 'm', value: 'x', ttl: 0 },
      { key: 'n', value: 'y', ttl: 1_000 },
    ])
    expect(await store.getMany(['m', 'n'])).toEqual([undefined, 'y'])
    await expect(store.set('k', 'v', Number.NaN)).rejects.toThrow(TypeError)
    await cache.close()
  })

  it('clear() is one tag invalidation: only its Keyv namespace goes', async () => {
    const cache = createCache({ store: memoryStore() })
    const invalidate = vi.spyOn(cache, 'invalidate')
    const invalidateAll = vi.spyOn(cache, 'invalidateAll')
    const a = new Keyv({ store: keyvStore(cache), namespace: 'a' })
    const b = new Keyv({ store: keyvStore(cache), namespace: 'b' })
    const bare = new Keyv({ store: keyvStore(cache), namespace: undefined })
    await Promise.all([a.set('k', 'a'), b.set('k', 'b'), bare.set('k', 'bare')])
    await cache.set('own', 'cache entry')
    await a.clear()
    expect(invalidate).toHaveBeenCalledTimes(1)
    expect(invalidate).toHaveBeenCalledWith(keyvNamespaceTag('a'))
    expect(invalidateAll).not.toHaveBeenCalled()
    expect(await a.get('k')).toBeUndefined()
    expect(await b.get('k')).toBe('b')
    expect(await bare.get('k')).toBe('bare')
    expect(await cache.get('own')).toBe('cache entry')
    // A Keyv without a namespace has a tag of its own.
    await bare.clear()
    expect(await bare.get('k')).toBeUndefined()
    expect(await b.get('k')).toBe('b')
    // The namespace tag is public: the cache can clear a Keyv namespace.
    await cache.invalidate(keyvNamespaceTag('b'))
    expect(await b.get('k')).toBeUndefined()
    // A cleared namespace takes new writes.
    await a.set('k', 'again')
    expect(await a.get('k')).toBe('again')
    await cache.close()
  })

  it('tags: cache.invalidate(tag) drops Keyv entries; tags() sees the key and value given to Keyv', async () => {
    const cache = createCache({ store: memoryStore() })
    const tags = vi.fn((key: string, value: unknown) => [
      `kind:${key.split(':')[0]}`,
      ...((value as { team?: string }).team ? [`team:${(value as { team: string }).team}`] : []),
    ])
    const keyv = new Keyv({ store: keyvStore(cache, { tags }), namespace: 'app' })
    await keyv.set('user:1', { name: 'Ada', team: 'red', avatar: Buffer.from('png') })
    await keyv.set('user:2', { name: 'Bob', team: 'blue' })
    await keyv.set('post:1', { title: 'Hi' })
    expect(tags).toHaveBeenCalledWith('user:1', {
      name: 'Ada',
      team: 'red',
      avatar: Buffer.from('png'),
    })
    await cache.invalidate('team:red')
    expect(await keyv.get(['user:1', 'user:2', 'post:1'])).toEqual([
      undefined,
      { name: 'Bob', team: 'blue' },
      { title: 'Hi' },
    ])
    await cache.invalidate('kind:user')
    expect(await keyv.get('user:2')).toBeUndefined()
    expect(await keyv.get('post:1')).toEqual({ title: 'Hi' })
    // Keyv's setMany goes through the store's setMany, tagged alike.
    expect(
      await keyv.setMany([
        { key: 'user:3', value: { team: 'red' } },
        { key: 'post:2', value: {}, ttl: 60_000 },
      ]),
    ).toEqual([true, true])
    await cache.invalidate('team:red')
    expect(await keyv.get(['user:3', 'post:2'])).toEqual([undefined, {}])
    await cache.close()
  })

  it("tags() reads the value through Keyv's serializer given as deserialize, or as is when Keyv does not serialize", async () => {
    const cache = createCache({ store: memoryStore() })
    const seen: unknown[] = []
    const tags = (_key: string, value: unknown) => {
      seen.push(value)
      return []
    }
    const custom = new Keyv({
      store: keyvStore(cache, { tags, deserialize: (data) => JSON.parse(data.slice(1)) }),
      serialize: (data) => `!${JSON.stringify(data)}`,
      deserialize: (data) => JSON.parse(String(data).slice(1)),
    })
    await custom.set('a', { n: 1 })
    expect(await custom.get('a')).toEqual({ n: 1 })
    // Keyv's serialization off: tagcache's serializer encodes the payload (one encoding, not two).
    const plain = new Keyv({
      store: keyvStore(cache, { tags }),
      namespace: 'plain',
      serialize: undefined,
      deserialize: undefined,
    })
    await plain.set('b', { n: 2 }, 60_000)
    expect(await plain.get('b')).toEqual({ n: 2 })
    expect(await cache.get('plain:b')).toMatchObject({ value: { n: 2 } })
    expect(seen).toEqual([{ n: 1 }, { n: 2 }])
    await cache.close()
  })

  it('a throwing tags() fails the write: Keyv emits it and set() resolves false', async () => {
    const cache = createCache({ store: memoryStore() })
    const boom = new Error('no tags for you')
    const keyv = new Keyv({
      store: keyvStore(cache, {
        tags: () => {
          throw boom
        },
      }),
    })
    const errors: unknown[] = []
    keyv.on('error', (error) => errors.push(error))
    expect(await keyv.set('k', 1)).toBe(false)
    expect(errors).toEqual([boom])
    expect(await keyv.get('k')).toBeUndefined()
    await cache.close()
  })

  it('delete, deleteMany, has and hasMany answer as Keyv expects', async () => {
    const cache = createCache({ store: memoryStore() })
    const store = keyvStore(cache)
    const keyv = new Keyv({ store })
    await keyv.set('a', 1)
    await keyv.set('b', 2)
    expect(await keyv.has(['a', 'b', 'c'])).toEqual([true, true, false])
    expect(await keyv.delete(['a', 'c'])).toBe(false) // not every key existed
    expect(await keyv.has('a')).toBe(false)
    expect(await keyv.delete(['b', 'b'])).toBe(true)
    expect(await keyv.delete('b')).toBe(false)
    await cache.close()
  })

  it('a store failure reaches Keyv as an error event (and a throw with throwOnErrors)', async () => {
    const cache = createCache({ store: memoryStore() })
    const keyv = new Keyv({ store: keyvStore(cache) })
    const errors: unknown[] = []
    keyv.on('error', (error) => errors.push(error))
    await cache.close()
    expect(await keyv.set('k', 1)).toBe(false)
    expect(errors).toHaveLength(1)
    expect(isTagCacheError(errors[0], 'E_CLOSED')).toBe(true)
    keyv.throwOnErrors = true
    await expect(keyv.clear()).rejects.toSatisfy((error) => isTagCacheError(error, 'E_CLOSED'))
  })

  it('disconnect() leaves the cache open unless closeOnDisconnect', async () => {
    const cache = createCache({ store: memoryStore() })
    await new Keyv({ store: keyvStore(cache) }).disconnect()
    await cache.set('still', 'open')
    await new Keyv({ store: keyvStore(cache, { closeOnDisconnect: true }) }).disconnect()
    await expect(cache.get('still')).rejects.toSatisfy((error) =>
      isTagCacheError(error, 'E_CLOSED'),
    )
  })

  it('refuses bad options and non-caches with an InvalidOptionsError naming the path', () => {
    const cache = createCache({ store: memoryStore(), serializer: jsonSerializer() })
    const bad = (fn: () => unknown) => {
      try {
        fn()
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidOptionsError)
        return (error as InvalidOptionsError).issues
      }
      throw new Error('expected an InvalidOptionsError')
    }
    // @ts-expect-error not a function
    expect(bad(() => keyvStore(cache, { tags: ['a'] }))).toEqual([
      expect.stringMatching(/^tags: .*expected a function/),
    ])
    // @ts-expect-error unknown option
    expect(bad(() => keyvStore(cache, { namespace: 'x' }))).toEqual([
      expect.stringMatching(/^namespace: unknown option/),
    ])
    // @ts-expect-error not a boolean
    expect(bad(() => keyvStore(cache, { closeOnDisconnect: 'yes' }))[0]).toMatch(
      /^closeOnDisconnect: /,
    )
    // A Keyv store given where the cache is expected.
    // @ts-expect-error not a Cache
    expect(bad(() => keyvStore(new Map()))[0]).toMatch(
      /^cache: object without .*; expected the Cache that createCache\(\)/,
    )
    // @ts-expect-error not a Cache
    expect(bad(() => keyvStore(undefined))[0]).toMatch(/^cache: undefined; expected/)
  })
})
