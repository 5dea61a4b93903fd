import { describe, expect, it } from 'vitest'
import { createRedisStore, decodeEntry, encodeEntry, TAGS_SCRIPT } from '../src/index.js'
import { answerWriteScripts, FakeRedis } from './fake-redis.js'

/** A cluster client routes each command by its key: every command must name exactly one. */
function clusterFake() {
  const fake = new FakeRedis()
  answerWriteScripts(fake)
  const store = createRedisStore(fake.driver({ cluster: true, driverPrefix: 'kp:' }))
  const keysOf = (args: readonly unknown[]) => {
    const [name, ...rest] = args.map(String)
    if (name === 'EVALSHA' || name === 'EVAL') return rest.slice(2, 2 + Number(rest[1]))
    if (name === 'SET' || name === 'PEXPIRE' || name === 'PERSIST' || name === 'PTTL') {
      return rest.slice(0, 1)
    }
    return rest
  }
  const expectSingleKeyCommands = () => {
    expect(fake.sent.length).toBeGreaterThan(0)
    for (const { args, key } of fake.sent) expect(keysOf(args)).toEqual([key])
  }
  return { fake, store, expectSingleKeyCommands }
}

describe('Redis Cluster: one key per command, routed by it', () => {
  it('set (no captured versions): the tags ensured one by one, then the entry written by the store', async () => {
    const { fake, store, expectSingleKeyCommands } = clusterFake()
    const value = Buffer.from('payload')
    await store.set('k', { value, tags: ['a', 'b'], candidate: 'v1', ttl: 5000 })
    expectSingleKeyCommands()
    expect(fake.take()).toEqual(['EVALSHA:tags', 'EVALSHA:tags', 'SET'])
    // Written in the entry format, tag keys as Lua would see them (driver prefix included).
    expect(decodeEntry(fake.data.get('tagcache:k') as Buffer)).toEqual({
      tagKeys: ['kp:tagcache:a', 'kp:tagcache:b'],
      versions: ['v1', 'v1'],
      value: value,
    })
  })

  it('set with captured versions: the entry and the tag extensions in parallel', async () => {
    const { fake, store, expectSingleKeyCommands } = clusterFake()
    await store.set('k', {
      value: Buffer.from('x'),
      tags: ['a', 'b'],
      captured: ['c1', 'c2'],
      candidate: 'v',
      ttl: Number.POSITIVE_INFINITY,
    })
    expectSingleKeyCommands()
    expect(fake.sent.map((s) => s.args)).toEqual([
      ['SET', 'tagcache:k', expect.any(Buffer)],
      ['EVALSHA', TAGS_SCRIPT.sha, '1', 'tagcache:a', 'extend', '', '0'],
      ['EVALSHA', TAGS_SCRIPT.sha, '1', 'tagcache:b', 'extend', '', '0'],
    ])
    expect(decodeEntry(fake.data.get('tagcache:k') as Buffer)?.versions).toEqual(['c1', 'c2'])
  })

  it('get and getMany: the entries, then their tags, each key its own MGET', async () => {
    const { fake, store, expectSingleKeyCommands } = clusterFake()
    fake.data.set(
      'tagcache:k',
      encodeEntry(['kp:tagcache:a', 'kp:tagcache:b'], ['v1', 'v2'], Buffer.from('x')),
    )
    fake.data.set('tagcache:a', Buffer.from('v1'))
    fake.data.set('tagcache:b', Buffer.from('v2'))
    const entry = await store.get('k')
    expectSingleKeyCommands()
    expect(fake.take()).toEqual(['MGET', 'MGET', 'MGET'])
    expect(entry?.verified).toBe(true)
    expect(entry?.tags).toEqual(['a', 'b'])
    fake.data.set('tagcache:b', Buffer.from('v3'))
    const [stale, absent] = await store.getMany(['k', 'absent'])
    expectSingleKeyCommands()
    expect(stale?.verified).not.toBe(true)
    expect(stale?.current).toEqual(['v1', 'v3'])
    expect(absent).toBeUndefined()
  })

  it("an entry whose tag keys are outside the store prefix is not read as this store's", async () => {
    const { fake, store } = clusterFake()
    fake.data.set('tagcache:k', encodeEntry(['other:a'], ['v1'], Buffer.from('x')))
    fake.data.set('other:a', Buffer.from('v1'))
    const entry = await store.get('k')
    expect(entry?.versions).toEqual([])
    expect(fake.take()).toEqual(['MGET']) // its tags are not read
  })

  it('deleteMany, tagVersions and invalidate: one command per key, counts summed', async () => {
    const { fake, store, expectSingleKeyCommands } = clusterFake()
    fake.data.set('tagcache:x', Buffer.from('1'))
    fake.data.set('tagcache:y', Buffer.from('1'))
    expect(await store.deleteMany(['x', 'y', 'z'])).toBe(2)
    fake.data.set('tagcache:b', Buffer.from('old'))
    expect(await store.tagVersions(['a', 'b'], 'new', 1000)).toEqual(['new', 'old'])
    await store.invalidate(['a', 'b'], 'v9', 1000)
    expectSingleKeyCommands()
    expect(fake.take()).toEqual(['DEL', 'DEL', 'DEL', 'EVALSHA:tags', 'EVALSHA:tags', 'SET', 'SET'])
  })

  it('getOrCapture: a miss reads, then captures', async () => {
    const { fake, store, expectSingleKeyCommands } = clusterFake()
    const result = await store.getOrCapture?.('k', ['a'], 'cand', 1000)
    expectSingleKeyCommands()
    expect(result).toEqual({ entry: undefined, captured: ['cand'] })
    expect(fake.take()).toEqual(['MGET', 'EVALSHA:tags'])
  })

  it('expire: reads the entry, extends its tags, then the entry (tags first)', async () => {
    const { fake, store, expectSingleKeyCommands } = clusterFake()
    fake.data.set('tagcache:k', encodeEntry(['kp:tagcache:a'], ['v1'], Buffer.from('x')))
    expect(await store.expire('k', 1000)).toBe(true)
    expect(await store.expire('absent', 1000)).toBe(false)
    expectSingleKeyCommands()
    expect(fake.sent.map((s) => s.args[0])).toEqual(['MGET', 'EVALSHA', 'PEXPIRE', 'MGET'])
  })
})
