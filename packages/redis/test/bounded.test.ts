// The bounded view's options and the keys it sends; what its Lua does is
// tested on real Redis in the adapters (boundedStoreSuite, bounded-redis.test.ts).
import { type EvictionPolicy, InvalidOptionsError, type PolicyName } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { boundedScripts, createRedisStore, encodeEntry } from '../src/index.js'
import { FakeRedis } from './fake-redis.js'

const policy = (name: PolicyName, maxSize = 4, shards = 1): EvictionPolicy => ({
  name,
  maxSize,
  shards,
  local: () => {
    throw new Error('not used by Redis views')
  },
})

describe('bounded views of a Redis store', () => {
  it('refuse tinyLfu, naming policy and saying it is in-process only', () => {
    const store = createRedisStore(new FakeRedis().driver())
    const attempt = () => store.bounded?.({ id: 'ns:b:', policy: policy('tinyLfu') })
    expect(attempt).toThrow(InvalidOptionsError)
    expect(attempt).toThrow(/policy: tinyLfu keeps its frequency sketch in-process only/)
  })

  it('refuse ids that would break the hash tag, and bad bounds', () => {
    const store = createRedisStore(new FakeRedis().driver())
    expect(() => store.bounded?.({ id: 'a{b}', policy: policy('lru') })).toThrow(/id: got "a\{b\}"/)
    expect(() => store.bounded?.({ id: 'x', policy: policy('lru', 0) })).toThrow(/policy.maxSize/)
    expect(() => store.bounded?.({ id: 'x', policy: policy('lru', 4, 0) })).toThrow(/policy.shards/)
  })

  it('a get names the shard index, its counter and the entry, all under one hash tag', async () => {
    const fake = new FakeRedis()
    const scripts = boundedScripts('lru')
    const seen: string[][] = []
    fake.onScript(scripts.get, (keys) => {
      seen.push(keys)
      return [null]
    })
    const view = createRedisStore(fake.driver(), { prefix: 'p:' }).bounded?.({
      id: 'ns:b:',
      policy: policy('lru', 8, 4),
    })
    for (const key of ['ns:e:a', 'ns:e:b', 'ns:e:c', 'ns:e:a']) await view?.get(key)
    for (const [index, counter, entry] of seen) {
      const tag = /^p:(\{ns:b::[0-3]\})#i$/.exec(index as string)?.[1]
      expect(tag).toBeDefined()
      expect(counter).toBe(`p:${tag}#c`)
      expect(entry?.startsWith(`p:${tag}ns:e:`)).toBe(true)
    }
    // The shard is a stable function of the key.
    expect(seen[3]).toEqual(seen[0])
  })

  it('a read of a known entry: the hinted read, and its touch sent before it resolves (one round trip)', async () => {
    const fake = new FakeRedis()
    const scripts = boundedScripts('lru')
    fake.onScript(scripts.set, (keys, args) => {
      const [entry, , , ...tagKeys] = keys
      fake.data.set(entry as string, encodeEntry(tagKeys, ['v'], args[2] as Buffer))
      return []
    })
    const touched: string[][] = []
    fake.onScript(scripts.touch, (keys) => {
      touched.push(keys)
      return 1
    })
    // Replies arrive on a later turn of the event loop, as from a socket.
    const driver = fake.driver({ hintedReads: 'mget' })
    const call: typeof driver.call = (args, key) =>
      driver.call(args, key).then((v) => new Promise((resolve) => setImmediate(() => resolve(v))))
    const store = createRedisStore({ ...driver, call })
    const view = store.bounded?.({ id: 'ns:b:', policy: policy('lru') })
    await view?.set('ns:e:k', { value: Buffer.from('x'), tags: ['t'], candidate: 'v', ttl: 1000 })
    fake.data.set('tagcache:t', Buffer.from('v'))
    fake.take()
    const entry = await view?.get('ns:e:k', { id: 'ns:e:k', state: undefined })
    expect(Buffer.from(entry?.value ?? []).toString()).toBe('x')
    // The touch went out before the read resolved: ahead of anything the caller sends next.
    // The view's first touch is an EVAL: an EVALSHA answered NOSCRIPT would be
    // resent after the read resolved, behind what the caller sent meanwhile.
    expect(fake.take()).toEqual(['MGET', 'EVAL'])
    // The reads of one tick share one touch (per shard).
    await Promise.all([view?.get('ns:e:k'), view?.get('ns:e:k'), view?.get('ns:e:k')])
    expect(fake.take()).toEqual(['MGET', 'MGET', 'MGET', `EVALSHA:${scripts.touch.sha}`])
    expect(touched.at(-1)).toEqual([
      ...touched[0]!.slice(0, 2),
      'tagcache:{ns:b::0}ns:e:k',
      'tagcache:{ns:b::0}ns:e:k',
      'tagcache:{ns:b::0}ns:e:k',
    ])
  })

  it('dropIndex unlinks every shard index and counter, sent together', async () => {
    const fake = new FakeRedis()
    const view = createRedisStore(fake.driver()).bounded?.({
      id: 'ns:b:',
      policy: policy('fifo', 6, 3),
    })
    fake.take()
    await view?.dropIndex()
    expect(fake.sent.map((s) => s.args)).toEqual(
      [0, 1, 2].map((s) => ['UNLINK', `tagcache:{ns:b::${s}}#i`, `tagcache:{ns:b::${s}}#c`]),
    )
  })
})
