import { createCache } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { describe, expect, it } from 'vitest'

describe('@cache.decorator() with TC39 standard decorator syntax', () => {
  it('caches a method by class, method and arguments', async () => {
    const cache = createCache({ store: memoryStore() })
    let calls = 0
    class Repo {
      @cache.decorator({ ttl: '60s', tags: ['users'] })
      async find(id: string) {
        calls++
        return { id, calls }
      }
    }
    const repo = new Repo()
    expect(await repo.find('a')).toEqual({ id: 'a', calls: 1 })
    expect(await repo.find('a')).toEqual({ id: 'a', calls: 1 })
    expect(await repo.find('b')).toEqual({ id: 'b', calls: 2 })
    await cache.invalidate('users')
    expect(await repo.find('a')).toEqual({ id: 'a', calls: 3 })
  })
})
