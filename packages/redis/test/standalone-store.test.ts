import { isTagCacheError, type StoredEntry } from '@tagcache/core'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  createRedisStore,
  EXPIRE_SCRIPT,
  encodeEntry,
  GET_OR_CAPTURE_SCRIPT,
  GET_SCRIPT,
  HINTED_GET_SCRIPT,
  SET_SCRIPT,
} from '../src/index.js'
import { answerWriteScripts, FakeRedis } from './fake-redis.js'

const payload = Buffer.from('{"v":1}')
const entryBytes = (tags: string[], versions: string[], value = payload) =>
  encodeEntry(
    tags.map((t) => `tagcache:${t}`),
    versions,
    value,
  )
const bytes = (entry: StoredEntry | undefined) => Buffer.from(entry?.value ?? [])

let fake: FakeRedis
beforeEach(() => {
  fake = new FakeRedis()
  answerWriteScripts(fake)
})

describe('reads of entries the store has not seen: the GET script', () => {
  it('sends EVALSHA with the prefixed entry key, and parses each kind of reply', async () => {
    const store = createRedisStore(fake.driver(), { prefix: 'app:' })
    const verified = encodeEntry(['app:t:a', 'app:n'], ['v1', 'v2'], payload)
    fake.onScript(GET_SCRIPT, () => [null, 0, verified, Buffer.from('not an entry')])
    const [absent, stale, hit, foreign] = await store.getMany(['k1', 'k2', 'k3', 'k4'])
    expect(fake.sent.map((s) => s.args)).toEqual([
      ['EVALSHA', GET_SCRIPT.sha, '4', 'app:k1', 'app:k2', 'app:k3', 'app:k4'],
    ])
    expect(absent).toBeUndefined()
    // Not servable: a version that is not current, so core counts a miss.
    expect(stale?.verified).not.toBe(true)
    expect(stale?.versions).not.toEqual(stale?.current)
    expect(hit?.verified).toBe(true)
    expect(bytes(hit)).toEqual(payload)
    expect(hit?.versions).toEqual(['v1', 'v2'])
    expect(hit?.current).toEqual(['v1', 'v2'])
    expect(hit?.tags).toEqual(['t:a', 'n'])
    expect(foreign?.verified).not.toBe(true)
  })

  it('reloads a script with EVAL after NOSCRIPT, same keys and arguments', async () => {
    const store = createRedisStore(fake.driver())
    fake.onScript(GET_SCRIPT, () => [null], { loaded: false })
    expect(await store.get('k')).toBeUndefined()
    expect(fake.sent.map((s) => s.args)).toEqual([
      ['EVALSHA', GET_SCRIPT.sha, '1', 'tagcache:k'],
      ['EVAL', GET_SCRIPT.lua, '1', 'tagcache:k'],
    ])
  })
})

describe('tag hints', () => {
  it('after a write, a read sends the hinted script with the entry and tag keys (ioredis)', async () => {
    const store = createRedisStore(fake.driver())
    await store.set('k', { value: payload, tags: ['a', 'b'], candidate: 'v1', ttl: 1000 })
    expect(fake.sent[0]?.args).toEqual([
      'EVALSHA',
      SET_SCRIPT.sha,
      '3',
      'tagcache:k',
      'tagcache:a',
      'tagcache:b',
      '1000',
      'v1',
      payload,
    ])
    fake.take()
    fake.onScript(HINTED_GET_SCRIPT, ([key]) => fake.data.get(key as string))
    const entry = await store.get('k')
    expect(fake.sent.map((s) => s.args)).toEqual([
      ['EVALSHA', HINTED_GET_SCRIPT.sha, '3', 'tagcache:k', 'tagcache:a', 'tagcache:b'],
    ])
    expect(entry?.verified).toBe(true)
    expect(bytes(entry)).toEqual(payload)
  })

  it("with hintedReads: 'mget', one MGET, versions compared in JavaScript", async () => {
    const store = createRedisStore(fake.driver({ hintedReads: 'mget' }))
    await store.set('k', { value: payload, tags: ['a', 'b'], candidate: 'v1', ttl: 1000 })
    fake.take()
    expect((await store.get('k'))?.verified).toBe(true)
    expect(fake.take()).toEqual(['MGET'])
    fake.data.set('tagcache:b', Buffer.from('v2')) // invalidated
    const stale = await store.get('k')
    expect(stale?.verified).not.toBe(true)
    expect(stale?.versions).toEqual(['v1', 'v1'])
    expect(stale?.current).toEqual(['v1', 'v2'])
    expect(stale?.tags).toEqual(['a', 'b'])
    fake.data.delete('tagcache:a') // a lost version: null, never a match
    expect((await store.get('k'))?.current).toEqual([null, 'v2'])
  })

  it('a guess that no longer holds (rewritten with other tags) falls back to the full read', async () => {
    const store = createRedisStore(fake.driver({ hintedReads: 'mget' }))
    await store.set('k', { value: payload, tags: ['a'], candidate: 'v1', ttl: 1000 })
    // Another process rewrites it with other tags.
    fake.data.set('tagcache:k', entryBytes(['b'], ['v9']))
    fake.data.set('tagcache:b', Buffer.from('v9'))
    fake.onScript(GET_SCRIPT, ([key]) => [fake.data.get(key as string)])
    fake.take()
    const entry = await store.get('k')
    expect(fake.take()).toEqual(['MGET', 'EVALSHA:get'])
    expect(entry?.tags).toEqual(['b'])
    // The new tags are remembered: the next read is one MGET of them.
    await store.get('k')
    expect(fake.sent.map((s) => s.args)).toEqual([['MGET', 'tagcache:k', 'tagcache:b']])
  })

  it('are forgotten on delete and when the entry is gone; tagHints: 0 keeps none', async () => {
    const store = createRedisStore(fake.driver({ hintedReads: 'mget' }))
    fake.onScript(GET_SCRIPT, ([key]) => [fake.data.get(key as string) ?? null])
    await store.set('k', { value: payload, tags: ['a'], candidate: 'v1', ttl: 1000 })
    expect(await store.delete('k')).toBe(true)
    fake.take()
    expect(await store.get('k')).toBeUndefined()
    expect(fake.take()).toEqual(['EVALSHA:get'])

    const none = createRedisStore(fake.driver({ hintedReads: 'mget' }), { tagHints: 0 })
    await none.set('k', { value: payload, tags: ['a'], candidate: 'v1', ttl: 1000 })
    await none.get('k')
    await none.get('k')
    expect(fake.take()).toEqual(['EVALSHA:set', 'EVALSHA:get', 'EVALSHA:get'])
  })

  it('keep about tagHints entries, the ones in use surviving', async () => {
    const store = createRedisStore(fake.driver({ hintedReads: 'mget' }), { tagHints: 4 })
    fake.onScript(GET_SCRIPT, ([key]) => [fake.data.get(key as string) ?? null])
    const write = { value: payload, tags: ['a'], candidate: 'v1', ttl: 1000 }
    for (const k of ['k0', 'k1', 'k2', 'k3']) await store.set(k, write)
    await store.get('k0') // in use: promoted
    for (const k of ['k4', 'k5']) await store.set(k, write)
    fake.take()
    for (const k of ['k0', 'k1', 'k5']) await store.get(k)
    expect(fake.take()).toEqual(['MGET', 'EVALSHA:get', 'MGET'])
  })
})

describe('getOrCapture (wrap)', () => {
  it('a servable entry comes back alone; otherwise the captured versions too', async () => {
    const store = createRedisStore(fake.driver())
    const hit = entryBytes(['a'], ['v1'])
    const replies: unknown[] = [[hit], [false, Buffer.from('v1')], [0, Buffer.from('v2')]]
    fake.onScript(GET_OR_CAPTURE_SCRIPT, () => replies.shift())
    const first = await store.getOrCapture?.('k', ['a'], 'cand', Number.POSITIVE_INFINITY)
    expect(fake.sent[0]?.args).toEqual([
      'EVALSHA',
      GET_OR_CAPTURE_SCRIPT.sha,
      '2',
      'tagcache:k',
      'tagcache:a',
      'cand',
      '0',
    ])
    expect(first?.entry?.verified).toBe(true)
    expect(first?.captured).toBeUndefined()
    const absent = await store.getOrCapture?.('x', ['a'], 'cand', 1000)
    expect(absent).toEqual({ entry: undefined, captured: ['v1'] })
    const stale = await store.getOrCapture?.('y', ['a'], 'cand', 1000)
    expect(stale?.captured).toEqual(['v2'])
    expect(stale?.entry?.verified).not.toBe(true)
  })

  it('a known entry found current by the hinted read needs no script', async () => {
    const store = createRedisStore(fake.driver({ hintedReads: 'mget' }))
    await store.set('k', { value: payload, tags: ['a'], candidate: 'v1', ttl: 1000 })
    fake.take()
    const result = await store.getOrCapture?.('k', ['a'], 'cand', 1000)
    expect(fake.take()).toEqual(['MGET'])
    expect(result?.captured).toBeUndefined()
    expect(bytes(result?.entry)).toEqual(payload)
  })
})

describe('writes and the rest', () => {
  it('set with captured versions passes them after the payload, and checks their count', async () => {
    const store = createRedisStore(fake.driver())
    const value = new Uint8Array([1, 2, 3])
    await store.set('k', {
      value,
      tags: ['a', 'b'],
      captured: ['x', 'y'],
      candidate: 'c',
      ttl: 2.4,
    })
    expect(fake.sent[0]?.args.slice(6)).toEqual(['2', '', Buffer.from(value), 'x', 'y'])
    await expect(
      store.set('k', { value, tags: ['a', 'b'], captured: ['x'], candidate: 'c', ttl: 1 }),
    ).rejects.toThrow(/1 captured versions for 2 tags/)
  })

  it('invalidate, ttl, expire, deleteMany: their commands and replies', async () => {
    const store = createRedisStore(fake.driver())
    await store.invalidate(['a', 'b'], 'v9', Number.POSITIVE_INFINITY)
    await store.invalidate(['c'], 'v9', 1500)
    expect(fake.sent.map((s) => s.args)).toEqual([
      ['SET', 'tagcache:a', 'v9'],
      ['SET', 'tagcache:b', 'v9'],
      ['SET', 'tagcache:c', 'v9', 'PX', '1500'],
    ])
    expect(await store.ttl('a')).toBe(Number.POSITIVE_INFINITY)
    expect(await store.ttl('absent')).toBeUndefined()
    fake.onScript(EXPIRE_SCRIPT, ([key]) => (fake.data.has(key as string) ? 1 : 0))
    expect(await store.expire('a', 1000)).toBe(true)
    expect(await store.expire('absent', 1000)).toBe(false)
    fake.take()
    expect(await store.deleteMany(['a', 'b', 'absent'])).toBe(2)
    expect(fake.sent.map((s) => s.args)).toEqual([
      ['DEL', 'tagcache:a', 'tagcache:b', 'tagcache:absent'],
    ])
  })
})

describe('errors', () => {
  it('a failing command becomes a StoreError naming the operation and the prefix', async () => {
    const store = createRedisStore(fake.driver(), { prefix: 'app:' })
    const cause = new Error('NOPERM this user has no permissions')
    fake.fail = () => cause
    const error = await store.ttl('k').catch((e: unknown) => e)
    expect(isTagCacheError(error, 'E_STORE')).toBe(true)
    expect((error as Error).message).toBe(
      '[tagcache] [fake] ttl failed: NOPERM this user has no permissions; expected Redis to accept the command (is the server reachable and the user allowed on keys "app:*"?)',
    )
    expect((error as Error).cause).toBe(cause)
    fake.fail = () => 'connection lost' // not an Error
    const scripted = await store.get('k').catch((e: unknown) => e)
    expect(isTagCacheError(scripted, 'E_STORE')).toBe(true)
    expect((scripted as Error).message).toContain('get failed: connection lost;')
  })

  it('a failing EVAL after NOSCRIPT is wrapped once', async () => {
    const store = createRedisStore(fake.driver())
    fake.fail = (args) => (args[0] === 'EVAL' ? new Error('ERR script disabled') : undefined)
    const error = await store.get('k').catch((e: unknown) => e)
    expect(fake.take()).toEqual(['EVALSHA:get', 'EVAL'])
    expect((error as Error).message).toMatch(
      /^\[tagcache\] \[fake\] get failed: ERR script disabled;/,
    )
  })

  it('bad options are refused, every bad path listed', () => {
    const error = (() => {
      try {
        createRedisStore(fake.driver(), {
          prefix: 1,
          tagHints: -1,
          declaredKeysOnly: 'yes',
          extra: true,
        } as never)
      } catch (e) {
        return e
      }
    })()
    expect(isTagCacheError(error, 'E_INVALID_OPTIONS')).toBe(true)
    const message = (error as Error).message
    for (const path of ['prefix', 'tagHints', 'declaredKeysOnly', 'extra']) {
      expect(message).toContain(path)
    }
  })
})
