// declaredKeysOnly: the scripts that find tag keys inside an entry (GET,
// GET_OR_CAPTURE, EXPIRE) are never sent; reads of entries without a hint
// take two steps. That no script touches an undeclared key is checked on
// real Redis (MONITOR) in packages/node-redis/test/declared-keys.test.ts.
import { describe, expect, it } from 'vitest'
import { createRedisStore, encodeEntry, HINTED_GET_SCRIPT, TAGS_SCRIPT } from '../src/index.js'
import { answerWriteScripts, FakeRedis } from './fake-redis.js'

function declared(hintedReads: 'mget' | 'script' = 'mget') {
  const fake = new FakeRedis()
  answerWriteScripts(fake)
  // Answers the hinted script as its Lua does, from the fake's data.
  fake.onScript(HINTED_GET_SCRIPT, (keys) => {
    const [entry, ...versions] = keys.map((k) => fake.data.get(k) ?? null)
    if (entry === null || entry === undefined) return null
    const stored = encodeEntry(keys.slice(1), versions.map(String), Buffer.alloc(0))
    return versions.every((v) => v !== null) && entry.subarray(0, stored.length).equals(stored)
      ? entry
      : [entry]
  })
  const store = createRedisStore(fake.driver({ hintedReads }), { declaredKeysOnly: true })
  const other = createRedisStore(fake.driver({ hintedReads }), { declaredKeysOnly: true })
  return { fake, store, other }
}

const write = { value: Buffer.from('x'), tags: ['a', 'b'], candidate: 'v1', ttl: 1000 }

describe('declaredKeysOnly', () => {
  it('an unseen entry: MGET of the entry, then MGET of the tag keys it names; then hinted', async () => {
    const { fake, store, other } = declared()
    await other.set('k', write)
    fake.take()
    const entry = await store.get('k')
    expect(fake.sent.map((s) => s.args)).toEqual([
      ['MGET', 'tagcache:k'],
      ['MGET', 'tagcache:a', 'tagcache:b'],
    ])
    expect(entry?.verified).toBe(true)
    fake.take()
    await store.get('k')
    expect(fake.sent.map((s) => s.args)).toEqual([
      ['MGET', 'tagcache:k', 'tagcache:a', 'tagcache:b'],
    ])
  })

  it('getMany reads all entries in one MGET and all their tags in another', async () => {
    const { fake, store, other } = declared()
    await other.set('k1', write)
    await other.set('k2', { ...write, tags: ['c'] })
    fake.data.set('tagcache:c', Buffer.from('v2')) // k2 invalidated
    fake.take()
    const [k1, k2, absent] = await store.getMany(['k1', 'k2', 'absent'])
    expect(fake.sent.map((s) => s.args)).toEqual([
      ['MGET', 'tagcache:k1', 'tagcache:k2', 'tagcache:absent'],
      ['MGET', 'tagcache:a', 'tagcache:b', 'tagcache:c'],
    ])
    expect(k1?.verified).toBe(true)
    expect(k2?.versions).toEqual(['v1'])
    expect(k2?.current).toEqual(['v2'])
    expect(absent).toBeUndefined()
  })

  it('no operation sends a script that reads keys named inside an entry', async () => {
    for (const hintedReads of ['mget', 'script'] as const) {
      const { fake, store, other } = declared(hintedReads)
      await other.set('k', write)
      await store.get('k')
      await store.get('k')
      await store.getMany(['k', 'absent'])
      expect((await store.getOrCapture?.('k', ['a', 'b'], 'c', 1000))?.captured).toBeUndefined()
      expect((await store.getOrCapture?.('new', ['a'], 'c', 1000))?.captured).toEqual(['v1'])
      await store.invalidate(['a'], 'v2', 1000)
      expect((await store.getOrCapture?.('k', ['a', 'b'], 'c', 1000))?.captured).toEqual([
        'v2',
        'v1',
      ])
      expect(await store.expire('k', 5000)).toBe(true)
      expect(await store.expire('absent', 5000)).toBe(false)
      const sent = fake.take()
      expect(sent).toContain('EVALSHA:tags')
      for (const forbidden of ['get', 'get-or-capture', 'expire']) {
        expect(sent).not.toContain(`EVALSHA:${forbidden}`)
      }
    }
  })

  it('expire: the entry, then its tags and its ttl sent together', async () => {
    const { fake, store, other } = declared()
    await other.set('k', write)
    fake.take()
    const expired = store.expire('k', 5000)
    expect(await expired).toBe(true)
    expect(fake.sent.map((s) => s.args)).toEqual([
      ['MGET', 'tagcache:k'],
      ['EVALSHA', TAGS_SCRIPT.sha, '2', 'tagcache:a', 'tagcache:b', 'extend', '', '5000'],
      ['PEXPIRE', 'tagcache:k', '5000'],
    ])
  })
})
