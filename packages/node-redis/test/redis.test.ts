import { createCache } from '@tagcache/core'
import { commandsSent, type RedisServer, startRedis } from '@tagcache/redis-harness'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeRedisStore } from '../src/index.js'

let server: RedisServer
let client: ReturnType<typeof createClient>

beforeAll(async () => {
  server = await startRedis()
  client = createClient({ url: server.url })
  await client.connect()
})

afterAll(async () => {
  await client?.close()
  await server?.stop()
})

describe('reads: Lua for unknown entries, one MGET for entries whose tag keys are known', () => {
  it('a cold get runs the script; a get of an entry seen before is one MGET', async () => {
    const cache = createCache({ store: nodeRedisStore(client), namespace: 'hints' })
    await cache.set('warm', 0, { tags: ['t'] })
    await cache.get('absent') // loads the read script (NOSCRIPT, then EVAL) before counting
    const other = createCache({ store: nodeRedisStore(client), namespace: 'hints' }) // another process
    expect(await commandsSent(server, () => other.get('warm'))).toEqual(['evalsha'])
    expect(await commandsSent(server, () => other.get('warm'))).toEqual(['mget'])
    expect(await commandsSent(server, () => cache.get('warm'))).toEqual(['mget']) // known from its own set
    expect(await commandsSent(server, () => cache.set('k', 1, { tags: ['a', 'b'] }))).toEqual([
      'evalsha',
    ])
  })

  it('a wrap miss is two commands (read and capture in one, then the write); a known hit one MGET', async () => {
    const cache = createCache({ store: nodeRedisStore(client), namespace: 'hints-wrap' })
    await cache.wrap('warm', () => 0, { tags: ['t'] }) // loads the scripts
    let runs = 0
    const load = () => ({ v: ++runs })
    expect(await commandsSent(server, () => cache.wrap('k', load, { tags: ['a'] }))).toEqual([
      'evalsha',
      'evalsha',
    ])
    expect(await commandsSent(server, () => cache.wrap('k', load, { tags: ['a'] }))).toEqual([
      'mget',
    ])
    expect(runs).toBe(1)
    // A known entry that was invalidated: the plain read sees it stale, the script captures
    // (and says only "not servable": core sends no delete, which could remove another
    // process's newer write; the write that follows replaces the entry anyway).
    await cache.invalidate('a')
    expect(await commandsSent(server, () => cache.wrap('k', load, { tags: ['a'] }))).toEqual([
      'mget',
      'evalsha',
      'evalsha',
    ])
    expect(await cache.get('k')).toEqual({ v: 2 })
  })

  it('tagHints: 0 always reads with Lua', async () => {
    const cache = createCache({
      store: nodeRedisStore(client, { tagHints: 0 }),
      namespace: 'nohints',
    })
    await cache.set('k', 1, { tags: ['t'] })
    expect(await commandsSent(server, () => cache.get('k'))).toEqual(['evalsha'])
    expect(await commandsSent(server, () => cache.get('k'))).toEqual(['evalsha'])
  })
})

describe('RESP3 clients', () => {
  it('read the same; an absent entry is one command (Lua false arrives as null)', async () => {
    const resp3 = createClient({ url: server.url, RESP: 3 })
    await resp3.connect()
    try {
      const cache = createCache({ store: nodeRedisStore(resp3), namespace: 'resp3' })
      await cache.set('k', { v: 1 }, { tags: ['t'] })
      await cache.get('absent') // loads the read script
      expect(await commandsSent(server, () => cache.get('absent'))).toEqual(['evalsha'])
      expect(await commandsSent(server, () => cache.getMany(['absent', 'k']))).toEqual(['evalsha'])
      expect(await cache.getMany(['absent', 'k'])).toEqual([undefined, { v: 1 }])
    } finally {
      await resp3.close()
    }
  })
})

describe('database option', () => {
  it("works on the client's database and leaves the others alone", async () => {
    const db5 = createClient({ url: server.url, database: 5 })
    await db5.connect()
    try {
      const cache = createCache({ store: nodeRedisStore(db5), namespace: 'db' })
      await cache.set('k', 'v', { tags: ['t'] })
      expect(await cache.get('k')).toBe('v')
      expect((await db5.keys('tagcache:db:*')).sort()).toEqual([
        'tagcache:db:e:k',
        'tagcache:db:n',
        'tagcache:db:t:t',
      ])
      expect(await client.exists('tagcache:db:e:k')).toBe(0)
      await cache.invalidate('t')
      expect(await cache.get('k')).toBeUndefined()
    } finally {
      await db5.close()
    }
  })
})
