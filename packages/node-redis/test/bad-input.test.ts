// Bad input, one table of cases run on the memory store and on real Redis
// through both drivers: invalid TTLs and options get a clear typed error
// (class or code, and a message naming the input and what was expected);
// odd keys and tags round-trip; non-serializable values write nothing; a
// corrupted entry planted by another client is a miss plus an `error` event;
// a junk lock key still lets `wrap` answer. Before every case the cache holds
// a few bystander entries, and after it they must all still be hits.
import {
  type Cache,
  createCache,
  type ErrorEvent,
  InvalidOptionsError,
  isTagCacheError,
  SerializationError,
  type Store,
  type TagCacheErrorCode,
} from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { memoryStore } from '@tagcache/memory'
import { lfu, lru, tinyLfu } from '@tagcache/policies'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { describe, expect, it, vi } from 'vitest'
import { nodeRedisStore } from '../src/index.js'
import { ioredis, server, useBothClients } from './both-clients.js'

useBothClients()

/** What a case gets: its own namespace on the backend, and ways to tamper with it from outside. */
interface Env {
  readonly backend: string
  readonly store: Store
  readonly ns: string
  readonly cache: Cache
  /** `error` events the cache emitted during the case. */
  readonly errors: ErrorEvent[]
  /** Replaces the stored bytes of `key`'s entry as another client would. */
  plantEntry(key: string, bytes: (stored: Buffer) => Buffer): Promise<void>
  /** Puts a value of another Redis type (a hash) under `key`'s entry key; undefined off Redis. */
  plantHash?(key: string): Promise<void>
  /** Occupies the lock of `key` with something that is not this cache's owner token, with no expiry. */
  plantLockJunk(key: string): Promise<void>
}

interface Backend {
  readonly name: string
  connect(): Promise<{ store: Store; close(): Promise<unknown> }>
  plant(store: Store, id: string, bytes: (stored: Buffer) => Buffer): Promise<void>
  plantHash?(id: string): Promise<void>
  plantLockJunk(store: Store, id: string): Promise<void>
}

// Entry and lock keys as the Redis stores name them (default prefix).
const redisKey = (id: string) => `tagcache:${id}`

const redisBackend = (name: string, connect: Backend['connect']): Backend => ({
  name,
  connect,
  async plant(_store, id, bytes) {
    const stored = await ioredis.getBuffer(redisKey(id))
    if (stored === null) throw new Error(`nothing stored under ${id}`)
    await ioredis.set(redisKey(id), bytes(stored))
  },
  async plantHash(id) {
    await ioredis.del(redisKey(id))
    await ioredis.hset(redisKey(id), 'foreign', 'hash')
  },
  async plantLockJunk(_store, id) {
    await ioredis.set(`${redisKey(id)}%lock`, Buffer.from([0xff, 0x00, 0xfe, 0x7b]))
  },
})

const backends: Backend[] = [
  {
    name: 'memory',
    connect: async () => {
      const store = memoryStore()
      return { store, close: async () => store.close?.() }
    },
    // In process, "another client" is whoever holds the store: it rewrites the entry's bytes.
    async plant(store, id, bytes) {
      const stored = await store.get(id)
      if (stored === undefined) throw new Error(`nothing stored under ${id}`)
      await store.set(id, {
        value: bytes(Buffer.from(stored.value)),
        tags: stored.tags,
        captured: stored.versions,
        candidate: 'unused',
        ttl: Number.POSITIVE_INFINITY,
      })
    },
    async plantLockJunk(store, id) {
      expect(await store.lock?.(id, 'another-process', 3_600_000)).toBe(true)
    },
  },
  redisBackend('ioredis', async () => {
    const client = new Redis(server.port, '127.0.0.1')
    return { store: ioredisStore(client), close: () => client.quit() }
  }),
  redisBackend('node-redis', async () => {
    const client = createClient({ url: server.url })
    await client.connect()
    return { store: nodeRedisStore(client), close: () => client.close() }
  }),
]

/** The error `run` throws or rejects with; fails the test when it succeeds. */
async function failure(run: () => unknown): Promise<Error> {
  try {
    await run()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a failure, but the call succeeded')
}

/**
 * Asserts a clear typed error: its class (or a TagCacheError code), and a
 * message naming each of `names` and saying what was expected.
 */
function expectClear(
  error: Error,
  kind: (new (...args: never[]) => Error) | TagCacheErrorCode,
  names: readonly string[],
): void {
  if (typeof kind === 'string') expect(isTagCacheError(error, kind), String(error)).toBe(true)
  else expect(error).toBeInstanceOf(kind)
  for (const name of names) expect(error.message).toContain(name)
  expect(error.message).toMatch(/expected/)
}

// Bystanders: written before each case, all hits after it.
const BYSTANDERS: readonly { key: string; value: unknown; tags: string[] }[] = [
  { key: 'by:plain', value: 'plain', tags: [] },
  { key: 'by:tagged', value: { n: 1, list: [1, 2, 3] }, tags: ['bystander', 'shared'] },
  { key: 'by:null', value: null, tags: ['bystander'] },
  { key: 'by:{slot}:%', value: 'odd key', tags: ['by:{tag}'] },
  { key: 'by:long', value: 'x'.repeat(2048), tags: ['bystander'] },
]

async function writeBystanders(cache: Cache): Promise<void> {
  for (const b of BYSTANDERS) await cache.set(b.key, b.value, { tags: b.tags, ttl: '1h' })
}

async function expectBystanders(cache: Cache): Promise<void> {
  for (const b of BYSTANDERS) expect(await cache.get(b.key), b.key).toEqual(b.value)
  expect(await cache.getMany(BYSTANDERS.map((b) => b.key))).toEqual(BYSTANDERS.map((b) => b.value))
}

const BAD_TTLS: readonly { ttl: unknown; shown: string }[] = [
  { ttl: -1, shown: '-1' },
  { ttl: Number.NaN, shown: 'NaN' },
  { ttl: '1hfoo', shown: '"1hfoo"' },
  { ttl: '', shown: '""' },
  { ttl: 0, shown: '0' },
  { ttl: '5x', shown: '"5x"' },
  { ttl: '-1s', shown: '"-1s"' },
]

const ODD_STRINGS: readonly { label: string; text: string }[] = [
  { label: 'empty', text: '' },
  { label: 'NUL', text: '\0' },
  { label: 'NULs around text', text: 'a\0b\0' },
  { label: 'lone high surrogate', text: '\uD800' },
  { label: 'lone low surrogate', text: '\uDC00x' },
  { label: 'other lone high surrogate', text: '\uDBFF' },
  { label: 'reversed pair', text: '\uDC00\uD800' },
  { label: 'open brace', text: '{' },
  { label: 'close brace', text: '}' },
  { label: 'hash tag', text: '{a}' },
  { label: 'colon', text: ':' },
  { label: 'internal-looking', text: 'x:e:y' },
  { label: 'percent escape look-alike', text: '%7B' },
  { label: 'percent', text: '%' },
  { label: 'emoji', text: '😀' },
  { label: 'space and newline', text: ' \n' },
  { label: 'huge (100 KiB)', text: 'k'.repeat(100 * 1024) },
  { label: 'huge with braces (100 KiB)', text: '{}:\0'.repeat(25 * 1024) },
]

const NON_SERIALIZABLE: readonly { label: string; value: () => unknown }[] = [
  { label: 'function', value: () => () => 1 },
  { label: 'symbol', value: () => Symbol('s') },
  { label: 'BigInt', value: () => 10n },
  { label: 'nested function', value: () => ({ a: { f: () => 1 } }) },
  { label: 'nested symbol', value: () => ({ s: Symbol('s') }) },
  { label: 'nested BigInt', value: () => ({ list: [1, 2n] }) },
  {
    label: 'cyclic object',
    value: () => {
      const o: Record<string, unknown> = { a: 1 }
      o.self = o
      return o
    },
  },
]

/** One row of the table: what is done, and (inside) what must happen. */
interface Case {
  readonly name: string
  /** Runs only on backends that can plant a Redis type (the hash case). */
  readonly redisOnly?: boolean
  run(env: Env): Promise<void>
}

const cases: Case[] = [
  // --- invalid TTLs --------------------------------------------------------
  ...BAD_TTLS.map(
    ({ ttl, shown }): Case => ({
      name: `ttl ${shown}: set, setMany, wrap, expire and createCache refuse it, nothing written`,
      async run({ cache, store }) {
        expectClear(await failure(() => cache.set('t', 1, { ttl: ttl as never })), RangeError, [
          `[set]`,
          shown,
        ])
        expectClear(
          await failure(() => cache.setMany([{ key: 't', value: 1, ttl: ttl as never }])),
          RangeError,
          ['[setMany]', shown],
        )
        const factory = vi.fn(() => 1)
        expectClear(
          await failure(() => cache.wrap('t', factory, { ttl: ttl as never })),
          RangeError,
          ['[wrap]', shown],
        )
        expect(factory).not.toHaveBeenCalled()
        expect(await cache.has('t')).toBe(false)
        await cache.set('e', 'v')
        expectClear(await failure(() => cache.expire('e', ttl as never)), RangeError, [shown])
        expect(await cache.get('e')).toBe('v')
        expectClear(
          await failure(() => createCache({ store, defaultTtl: ttl as never })),
          InvalidOptionsError,
          ['defaultTtl'],
        )
      },
    }),
  ),
  {
    name: 'ttl of a wrong type (null, object, boolean): a TypeError naming the type',
    async run({ cache }) {
      for (const [ttl, shown] of [
        [null, 'null'],
        [{}, 'object'],
        [true, 'boolean'],
      ] as const) {
        expectClear(await failure(() => cache.set('t', 1, { ttl: ttl as never })), TypeError, [
          shown,
        ])
      }
      expect(await cache.has('t')).toBe(false)
    },
  },

  // --- invalid options -----------------------------------------------------
  {
    name: 'createCache: each bad option is named, all in one InvalidOptionsError',
    async run({ store }) {
      const cases: [Record<string, unknown>, string[]][] = [
        [{ store }, []], // control: valid
        [{ store: undefined }, ['store']],
        [{ store: {} }, ['store']],
        [{ store, namespace: 5 }, ['namespace']],
        [{ store, ttlJitter: 2 }, ['ttlJitter']],
        [{ store, ttlJitter: -0.1 }, ['ttlJitter']],
        [{ store, onError: 'ignore' }, ['onError']],
        [{ store, timeout: '1hfoo' }, ['timeout']],
        [{ store, timeout: -5 }, ['timeout']],
        [{ store, breakerDuration: Number.POSITIVE_INFINITY }, ['breakerDuration']],
        [{ store, serializer: { id: 'x' } }, ['serializer']],
        [{ store, hooks: 'nope' }, ['hooks']],
        [{ store, policy: { maxSize: 3 } }, ['policy']],
        [{ store, typo: true }, ['typo']],
        [
          { store, ttlJitter: 7, defaultTtl: 'soon', onError: 1 },
          ['ttlJitter', 'defaultTtl', 'onError'],
        ],
      ]
      for (const [options, names] of cases) {
        if (names.length === 0) {
          // Not closed: close() closes the store too, which for the memory store empties it.
          expect(createCache(options as never).namespace).toBe('default')
          continue
        }
        const error = await failure(() => createCache(options as never))
        expectClear(error, InvalidOptionsError, names)
        expectClear(error, 'E_INVALID_OPTIONS', names)
        expect((error as InvalidOptionsError).issues).toHaveLength(names.length)
      }
    },
  },
  {
    name: "wrap's lock: malformed ttl/wait/shape named in an InvalidOptionsError, factory not run",
    async run({ cache }) {
      const bad: [unknown, string[]][] = [
        [{ ttl: -1 }, ['lock.ttl']],
        [{ ttl: Number.NaN }, ['lock.ttl']],
        [{ ttl: '1hfoo' }, ['lock.ttl']],
        [{ ttl: '' }, ['lock.ttl']],
        [{ ttl: 0 }, ['lock.ttl']],
        [{ wait: 'soon' }, ['lock.wait']],
        [{ wait: -5 }, ['lock.wait']],
        [{ ttl: '10s', wiat: '5s' }, ['lock.wiat']],
        [{ ttl: 'x', wait: 'y' }, ['lock.ttl', 'lock.wait']],
        ['10s', ['lock', 'string']],
        [null, ['lock', 'null']],
        [[1], ['lock', 'array']],
      ]
      const factory = vi.fn(() => 1)
      for (const [lock, names] of bad) {
        const error = await failure(() => cache.wrap('l', factory, { lock: lock as never }))
        expectClear(error, InvalidOptionsError, ['[wrap]', ...names])
      }
      expect(factory).not.toHaveBeenCalled()
      expect(await cache.has('l')).toBe(false)
    },
  },
  {
    name: "wrap's hardTimeout: negative, NaN, malformed, empty and 0 are refused naming it, factory not run",
    async run({ cache }) {
      const factory = vi.fn(() => 1)
      for (const [hardTimeout, shown] of [
        [-1, '-1'],
        [Number.NaN, 'NaN'],
        ['1hfoo', '"1hfoo"'],
        ['', '""'],
        [0, '0'],
      ] as const) {
        const error = await failure(() => cache.wrap('h', factory, { hardTimeout }))
        expectClear(error, RangeError, ['[wrap]', 'hardTimeout', shown])
      }
      expect(factory).not.toHaveBeenCalled()
      expect(await cache.has('h')).toBe(false)
      // cached() checks it at creation.
      expectClear(
        await failure(() => cache.cached(async () => 1, { hardTimeout: 'soon' as never })),
        InvalidOptionsError,
        ['hardTimeout'],
      )
    },
  },
  {
    name: "policies' maxSize: 0, negative, fractional, NaN, huge, missing and a string are refused naming maxSize",
    async run() {
      for (const factory of [lru, lfu, tinyLfu]) {
        for (const [options, names] of [
          [{ maxSize: 0 }, ['maxSize']],
          [{ maxSize: -1 }, ['maxSize']],
          [{ maxSize: 1.5 }, ['maxSize']],
          [{ maxSize: Number.NaN }, ['maxSize']],
          [{ maxSize: 2 ** 40 }, ['maxSize']],
          [{}, ['maxSize']],
          [{ maxSize: '10' }, ['maxSize']],
          [{ maxSize: 4, shards: 8 }, ['shards']],
        ] as const) {
          const error = await failure(() => factory(options as never))
          expectClear(error, InvalidOptionsError, [factory.name, ...names])
        }
      }
    },
  },
  {
    name: 'keys and tags of a wrong type: a TypeError naming the argument',
    async run({ cache }) {
      expectClear(await failure(() => cache.get(5 as never)), TypeError, ['[get]', 'key', 'number'])
      expectClear(await failure(() => cache.set(undefined as never, 1)), TypeError, ['key'])
      expectClear(await failure(() => cache.set('k', 1, { tags: 'a' as never })), TypeError, [
        'tags',
        '"a"',
      ])
      expectClear(await failure(() => cache.set('k', 1, { tags: [1] as never })), TypeError, [
        'tag',
      ])
      expectClear(await failure(() => cache.invalidate(null as never)), TypeError, ['tag', 'null'])
      expect(await cache.has('k')).toBe(false)
    },
  },

  // --- odd keys and tags ---------------------------------------------------
  {
    name: 'empty, huge and binary-ish keys round-trip, each distinct from the others',
    async run({ cache }) {
      for (const [i, { text }] of ODD_STRINGS.entries()) await cache.set(text, { i })
      for (const [i, { label, text }] of ODD_STRINGS.entries()) {
        expect(await cache.get(text), label).toEqual({ i })
      }
      expect(await cache.getMany(ODD_STRINGS.map((s) => s.text))).toEqual(
        ODD_STRINGS.map((_, i) => ({ i })),
      )
      // An odd key is not an alias of the plain key it resembles.
      expect(await cache.get('k'.repeat(100 * 1024 - 1))).toBeUndefined()
      expect(await cache.get('\uFFFD')).toBeUndefined()
      const factory = vi.fn(() => 'recomputed')
      for (const { label, text } of ODD_STRINGS) {
        expect(await cache.wrap(text, factory), label).not.toBe('recomputed')
      }
      expect(factory).not.toHaveBeenCalled()
      for (const { label, text } of ODD_STRINGS) expect(await cache.delete(text), label).toBe(true)
      expect(await cache.getMany(ODD_STRINGS.map((s) => s.text))).toEqual(
        ODD_STRINGS.map(() => undefined),
      )
    },
  },
  {
    name: 'empty, huge and binary-ish tags: each invalidates its own entry only',
    async run({ cache }) {
      for (const [i, { text }] of ODD_STRINGS.entries()) {
        await cache.set(`tagged-${i}`, i, { tags: [text] })
      }
      const keys = ODD_STRINGS.map((_, i) => `tagged-${i}`)
      expect(await cache.getMany(keys)).toEqual(ODD_STRINGS.map((_, i) => i))
      for (const [i, { label, text }] of ODD_STRINGS.entries()) {
        await cache.invalidate(text)
        const expected = ODD_STRINGS.map((_, j) => (j <= i ? undefined : j))
        expect(await cache.getMany(keys), `after invalidating ${label}`).toEqual(expected)
      }
    },
  },

  // --- non-serializable values ---------------------------------------------
  ...NON_SERIALIZABLE.map(
    ({ label, value }): Case => ({
      name: `${label}: set, setMany and wrap give E_SERIALIZE and write nothing`,
      async run({ cache }) {
        await cache.set('victim', 'old')
        const names = ['"victim"', 'json', 'nothing was written']
        expectClear(await failure(() => cache.set('victim', value())), SerializationError, names)
        expectClear(await failure(() => cache.set('victim', value())), 'E_SERIALIZE', names)
        expect(await cache.get('victim')).toBe('old')
        // One bad value in a batch: none of the batch is written.
        expectClear(
          await failure(() =>
            cache.setMany([
              { key: 'batch-ok', value: 1 },
              { key: 'victim', value: value() },
            ]),
          ),
          'E_SERIALIZE',
          names,
        )
        expect(await cache.has('batch-ok')).toBe(false)
        expect(await cache.get('victim')).toBe('old')
        expectClear(await failure(() => cache.wrap('fresh', value)), 'E_SERIALIZE', ['"fresh"'])
        expect(await cache.has('fresh')).toBe(false)
      },
    }),
  ),
  {
    name: 'undefined: E_INVALID_VALUE naming the key (undefined means a miss), nothing written',
    async run({ cache }) {
      await cache.set('victim', 'old')
      expectClear(await failure(() => cache.set('victim', undefined)), 'E_INVALID_VALUE', [
        '"victim"',
        'undefined',
      ])
      expect(await cache.get('victim')).toBe('old')
    },
  },

  // --- corrupted entries planted by another client -------------------------
  {
    name: 'a flipped payload byte: a miss plus an E_DESERIALIZE error event; wrap rewrites it',
    async run({ cache, errors, plantEntry }) {
      await cache.set('c', { a: 1 }, { tags: ['ct'] })
      await plantEntry('c', (b) => {
        const out = Buffer.from(b)
        out[out.length - 1] = (out[out.length - 1] as number) ^ 0xff
        return out
      })
      expect(await cache.get('c')).toBeUndefined()
      expect(errors.map((e) => [e.key, (e.error as { code?: string }).code])).toEqual([
        ['c', 'E_DESERIALIZE'],
      ])
      expect(await cache.getMany(['c', 'by:plain'])).toEqual([undefined, 'plain'])
      expect(await cache.wrap('c', () => 'fresh', { tags: ['ct'] })).toBe('fresh')
      expect(await cache.get('c')).toBe('fresh')
    },
  },
  {
    name: 'a truncated entry: a miss, never a crash; wrap rewrites it',
    async run({ cache, plantEntry }) {
      await cache.set('c', { a: 1 }, { tags: ['ct'] })
      await plantEntry('c', (b) => b.subarray(0, 5))
      expect(await cache.get('c')).toBeUndefined()
      expect(await cache.wrap('c', () => 'fresh')).toBe('fresh')
      expect(await cache.get('c')).toBe('fresh')
    },
  },
  {
    name: 'foreign bytes (not an entry): a miss, never a crash; wrap rewrites it',
    async run({ cache, plantEntry }) {
      await cache.set('c', { a: 1 })
      await plantEntry('c', () => Buffer.from([0xff, 0x00, 0xfe, 0x7b, 0x22]))
      expect(await cache.get('c')).toBeUndefined()
      // has() does not decode payloads: on the memory store (tags kept beside
      // the bytes) it answers true here, on Redis false (not an entry). It never throws.
      expect(typeof (await cache.has('c'))).toBe('boolean')
      expect(await cache.wrap('c', () => 'fresh')).toBe('fresh')
      expect(await cache.get('c')).toBe('fresh')
    },
  },
  {
    name: 'a key of another Redis type (hash) under the entry key: a miss, never a crash',
    redisOnly: true,
    async run({ cache, plantHash }) {
      await cache.set('c', { a: 1 })
      await plantHash?.('c')
      expect(await cache.get('c')).toBeUndefined()
      expect(await cache.getMany(['c', 'by:plain'])).toEqual([undefined, 'plain'])
      expect(await cache.has('c')).toBe(false)
      expect(await cache.expire('c', '1h')).toBe(false)
      expect(await cache.wrap('c', () => 'fresh')).toBe('fresh')
      expect(await cache.get('c')).toBe('fresh')
      expect(await cache.expire('c', '1h')).toBe(true)
    },
  },

  // --- a lock key overwritten with junk -----------------------------------
  {
    name: 'a lock key held by junk with no expiry: wrap with lock still answers after wait',
    async run({ cache, plantLockJunk }) {
      await plantLockJunk('locked')
      const value = await cache.wrap('locked', () => 'computed', {
        lock: { ttl: '10s', wait: 100 },
      })
      expect(value).toBe('computed')
      expect(await cache.get('locked')).toBe('computed')
      // A hit costs no lock: answered at once even though the junk is still there.
      expect(await cache.wrap('locked', () => 'again', { lock: { ttl: '10s', wait: '1h' } })).toBe(
        'computed',
      )
    },
  },
]

describe.each(backends)('bad input on $name', (backend) => {
  const applicable = cases.filter((c) => !c.redisOnly || backend.plantHash !== undefined)
  it.each(applicable.map((c, i) => ({ ...c, i })))('$name', async ({ run, i }) => {
    const { store, close } = await backend.connect()
    const ns = `bad-${backend.name}-${i}`
    const errors: ErrorEvent[] = []
    const cache = createCache({
      store,
      namespace: ns,
      hooks: [{ error: (event) => void errors.push(event) }],
    })
    const entryId = (key: string) => `${ns}:e:${key}`
    try {
      await writeBystanders(cache)
      await expectBystanders(cache)
      await run({
        backend: backend.name,
        store,
        ns,
        cache,
        errors,
        plantEntry: (key, bytes) => backend.plant(store, entryId(key), bytes),
        ...(backend.plantHash && { plantHash: (key) => backend.plantHash?.(entryId(key)) }),
        plantLockJunk: (key) => backend.plantLockJunk(store, entryId(key)),
      } as Env)
      // Nothing else in the cache is lost.
      await expectBystanders(cache)
    } finally {
      await cache.close()
      await close()
    }
  })
})
