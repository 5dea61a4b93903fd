import { createCache } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { type SharedRedis, sharedRedis } from '@tagcache/redis-harness/vitest'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeRedisStore } from '../src/index.js'

let server: SharedRedis
let ioredis: Redis
let nodeRedis: ReturnType<typeof createClient>

beforeAll(async () => {
  server = sharedRedis() // the package's shared server (vitest globalSetup); own namespace
  ioredis = new Redis(server.url)
  nodeRedis = createClient({ url: server.url })
  await nodeRedis.connect()
})

afterAll(async () => {
  await Promise.allSettled([ioredis?.quit(), nodeRedis?.close()])
})

describe('switching driver keeps the cache', () => {
  it('node-redis reads what ioredis wrote, and the other way round', async () => {
    const viaIoredis = createCache({ store: ioredisStore(ioredis), namespace: 'interop' })
    const viaNodeRedis = createCache({ store: nodeRedisStore(nodeRedis), namespace: 'interop' })
    const binary = { bytes: [0, 255, 128], text: 'žluť 🐎', nested: { n: 1.5 } }
    await viaIoredis.set('a', binary, { tags: ['shared'] })
    await viaNodeRedis.set('b', 'from node-redis', { tags: ['shared'] })
    expect(await viaNodeRedis.get('a')).toEqual(binary)
    expect(await viaIoredis.get('b')).toBe('from node-redis')
    expect(await viaNodeRedis.getMany(['a', 'b'])).toEqual([binary, 'from node-redis'])
    await viaNodeRedis.invalidate('shared')
    expect(await viaIoredis.getMany(['a', 'b'])).toEqual([undefined, undefined])
    expect(await viaIoredis.wrap('a', () => 'recomputed', { tags: ['shared'] })).toBe('recomputed')
    expect(await viaNodeRedis.get('a')).toBe('recomputed')
  })
})
