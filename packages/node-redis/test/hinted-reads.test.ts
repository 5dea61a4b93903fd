// Reads of known entries through core's per-key record (KeyRecord.state holds
// the tag hint), on both drivers: node-redis reads with a plain MGET, ioredis
// with the hinted script. The hint is a guess; these are the ways it goes
// wrong, each of which must still read right.
import { createCache, type ErrorEvent, type Store } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import type { RedisStoreOptions } from '@tagcache/redis'
import { commandsSent } from '@tagcache/redis-harness'
import { describe, expect, it } from 'vitest'
import { nodeRedisStore } from '../src/index.js'
import { ioredis, nodeRedis, server, useBothClients } from './both-clients.js'

useBothClients()

const drivers: [string, (options?: RedisStoreOptions) => Store][] = [
  ['node-redis (MGET)', (options) => nodeRedisStore(nodeRedis, options)],
  ['ioredis (hinted script)', (options) => ioredisStore(ioredis, options)],
]

let namespaces = 0

describe.each(drivers)('hinted reads through the key record, %s', (_name, store) => {
  /** A cache and another process's cache over the same namespace, scripts loaded. */
  const setup = async () => {
    const namespace = `hinted-${++namespaces}`
    const errors: ErrorEvent[] = []
    const cache = createCache({
      store: store(),
      namespace,
      hooks: [{ error: (e) => void errors.push(e) }],
    })
    const peer = createCache({ store: store(), namespace })
    await cache.set('warm', 0, { tags: ['w'] })
    await cache.get('warm') // the hinted read (and its script) loaded
    await peer.get('warm') // the full read's script loaded
    return { cache, peer, errors, namespace }
  }
  const sent = (fn: () => Promise<unknown>) => commandsSent(server, fn)
  const entryKey = (namespace: string, key: string) => `tagcache:${namespace}:e:${key}`

  it('a known entry is one command, its record holding the hint', async () => {
    const { cache } = await setup()
    await cache.set('k', { v: 1 }, { tags: ['a', 'b'] })
    expect(await sent(() => cache.get('k'))).toHaveLength(1)
    expect(await sent(() => cache.get('k'))).toHaveLength(1)
    expect(await cache.get('k')).toEqual({ v: 1 })
  })

  it('a stale hint (the entry rewritten with other tags by another process) reads the new entry', async () => {
    const { cache, peer } = await setup()
    await cache.set('k', 'old', { tags: ['a'] })
    expect(await cache.get('k')).toBe('old')
    await peer.set('k', 'new', { tags: ['b'] })
    // The hinted read names tag a: the entry carries b, so its versions say
    // nothing, and the full read follows. Then the record holds the new hint.
    expect(await sent(async () => expect(await cache.get('k')).toBe('new'))).toHaveLength(2)
    expect(await sent(async () => expect(await cache.get('k')).toBe('new'))).toHaveLength(1)
    await peer.invalidate('a')
    expect(await cache.get('k')).toBe('new')
    await peer.invalidate('b')
    expect(await cache.get('k')).toBeUndefined()
  })

  it('a rewrite with other tags by the same store replaces the record hint: still one command', async () => {
    const { cache } = await setup()
    await cache.set('k', 1, { tags: ['a'] })
    expect(await cache.get('k')).toBe(1)
    await cache.set('k', 2, { tags: ['b', 'c'] })
    expect(await sent(async () => expect(await cache.get('k')).toBe(2))).toHaveLength(1)
    await cache.invalidate('c')
    expect(await cache.get('k')).toBeUndefined()
    // Rewritten with the tags it had: the hint is kept as it is.
    await cache.set('k', 3, { tags: ['b', 'c'] })
    expect(await sent(async () => expect(await cache.get('k')).toBe(3))).toHaveLength(1)
  })

  it('a record reused after its entry was deleted (here or by another process)', async () => {
    const { cache, peer } = await setup()
    await cache.set('k', 1, { tags: ['a'] })
    expect(await cache.get('k')).toBe(1)
    await cache.delete('k')
    expect(await cache.get('k')).toBeUndefined()
    await cache.set('k', 2, { tags: ['a'] })
    expect(await sent(async () => expect(await cache.get('k')).toBe(2))).toHaveLength(1)

    await peer.delete('k')
    expect(await cache.get('k')).toBeUndefined() // the hinted read finds nothing
    expect(await cache.get('k')).toBeUndefined()
    await peer.set('k', 3, { tags: ['other'] })
    expect(await cache.get('k')).toBe(3)
    await peer.invalidate('other')
    expect(await cache.get('k')).toBeUndefined()
  })

  it('an invalidated entry read through its record is a miss, and recomputed by wrap', async () => {
    const { cache, peer } = await setup()
    await cache.set('k', 1, { tags: ['a', 'b'] })
    expect(await cache.get('k')).toBe(1)
    await peer.invalidate('b')
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.wrap('k', () => 2, { tags: ['a', 'b'] })).toBe(2)
    expect(await cache.get('k')).toBe(2)
    await peer.invalidateAll()
    expect(await cache.get('k')).toBeUndefined()
  })

  it('a corrupted entry is a miss through the fast path, whichever byte changed', async () => {
    const { cache, errors, namespace } = await setup()
    const key = entryKey(namespace, 'k')
    const value = { text: 'a value long enough to corrupt', n: 12345 }
    await cache.set('k', value, { tags: ['a'] })
    const raw = (await ioredis.getBuffer(key)) as Buffer
    // 2 tags (namespace tag, a): header, 2 tag keys, 2 versions, then the payload.
    const nul = (from: number) => raw.indexOf(0, from)
    const versionsAt = nul(nul(3) + 1) + 1
    const payloadAt = nul(nul(versionsAt) + 1) + 1
    const positions = {
      'the format byte': 0,
      'the tag count': 2,
      'a tag key': 5,
      'the NUL after a tag key': nul(3),
      'a version': versionsAt + 1,
      'the NUL after a version': nul(versionsAt),
      'the payload (its checksum catches it)': raw.length - 3,
    }
    // Core removes an entry it can never serve (DEL, not awaited): a PING on
    // each connection after it orders that DEL before the next write here.
    const flushed = () => Promise.all([nodeRedis.ping(), ioredis.ping()])
    for (const [what, at] of Object.entries(positions)) {
      await ioredis.set(key, raw)
      expect(await cache.get('k'), what).toEqual(value) // now the record holds the hint
      const bad = Buffer.from(raw)
      bad[at] = (bad[at] as number) ^ 0x20
      await ioredis.set(key, bad)
      expect(await cache.get('k'), what).toBeUndefined()
      await flushed()
    }
    // A corrupted payload is read by the hinted command alone, and reported:
    // the envelope's checksum turns it into a miss.
    expect(payloadAt).toBeLessThan(positions['the payload (its checksum catches it)'])
    await ioredis.set(key, raw)
    expect(await cache.get('k')).toEqual(value)
    const bad = Buffer.from(raw)
    bad[raw.length - 1] = (bad[raw.length - 1] as number) ^ 0x01
    await ioredis.set(key, bad)
    errors.length = 0
    expect(await sent(async () => expect(await cache.get('k')).toBeUndefined())).toHaveLength(1)
    expect(errors.map((e) => String((e.error as Error).message))).toEqual([
      expect.stringMatching(/corrupted: its checksum does not match/),
    ])
  })
})

describe.each(drivers)('a KeyRecord handed to the store directly, %s', (_name, store) => {
  const write = (value: string) => ({
    value: Buffer.from(value),
    tags: ['ns:n', 'ns:t:a'],
    candidate: 'v1',
    ttl: 60_000,
  })
  const text = (entry: { value: Uint8Array } | undefined) =>
    entry === undefined ? undefined : Buffer.from(entry.value).toString()

  it("keeps its hint in the record, and never trusts another store's", async () => {
    const [a, b, other] = [store(), store(), store({ prefix: 'other:' })]
    await a.set('ns:e:k', write('here'))
    await other.set('ns:e:k', write('there'))
    const record = { id: 'ns:e:k', state: undefined as unknown }
    expect(text(await a.get('ns:e:k', record))).toBe('here')
    expect(record.state).toBeDefined() // the hint, from a's write
    // Another store (here: another prefix) must not send a's command.
    expect(text(await other.get('ns:e:k', record))).toBe('there')
    expect(text(await a.get('ns:e:k', record))).toBe('here')
    // A store over the same keys that has not seen the entry reads it too.
    expect(text(await b.get('ns:e:k', record))).toBe('here')
  })

  it('ignores state it did not put there', async () => {
    const s = store()
    await s.set('ns:e:f', write('value'))
    for (const state of [undefined, null, 42, 'x', {}, { owner: undefined }]) {
      const record = { id: 'ns:e:f', state }
      expect(text(await s.get('ns:e:f', record)), String(state)).toBe('value')
    }
  })
})
