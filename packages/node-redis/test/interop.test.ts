import { createCache } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { decodeEntry, encodeEntry } from '@tagcache/redis'
import { describe, expect, it } from 'vitest'
import { nodeRedisStore } from '../src/index.js'
import { ioredis, nodeRedis, useBothClients } from './both-clients.js'

useBothClients()

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

describe('one entry format: the Lua scripts and entry-format.ts agree byte for byte', () => {
  it('the SET script writes what encodeEntry writes; the GET script serves what encodeEntry wrote', async () => {
    const payload = Buffer.from([0, 1, 2, 255, 0, 42])
    const write = { value: payload, tags: ['t1', 'tag-2'], candidate: 'v1', ttl: Infinity }
    await nodeRedisStore(nodeRedis, { prefix: 'fmt:' }).set('lua', write)
    const raw = await ioredis.getBuffer('fmt:lua')
    const decoded = decodeEntry(raw as Buffer)
    expect(decoded?.tagKeys).toEqual(['fmt:t1', 'fmt:tag-2'])
    expect(decoded?.versions).toEqual(['v1', 'v1'])
    expect(Buffer.from(decoded?.value ?? [])).toEqual(payload)
    expect(encodeEntry(['fmt:t1', 'fmt:tag-2'], ['v1', 'v1'], payload)).toEqual(raw)

    await ioredis.set('fmt:ts', encodeEntry(['fmt:t1', 'fmt:tag-2'], ['v1', 'v1'], payload))
    // A store that has not seen it: the full Lua read parses it and checks its versions.
    const entry = await nodeRedisStore(nodeRedis, { prefix: 'fmt:' }).get('ts')
    expect(entry?.verified).toBe(true)
    expect(Buffer.from(entry?.value ?? [])).toEqual(payload)
    expect(entry?.tags).toEqual(['t1', 'tag-2'])
  })
})
