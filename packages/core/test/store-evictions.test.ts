import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  channelNames,
  createCache,
  type EvictEvent,
  type Store,
  type StoreEvictionReason,
} from '../src/index.js'
import { createKeySpace } from '../src/keys.js'
import { testStore } from './support/test-store.js'

type Listener = (key: string, reason: StoreEvictionReason) => void

/** A test store that offers `onEvict`, with a way to report an eviction as the store would. */
function evictingStore() {
  const listeners = new Set<Listener>()
  const store: Store = {
    ...testStore(),
    onEvict(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  const evict = (id: string, reason: StoreEvictionReason) => {
    for (const listener of listeners) listener(id, reason)
  }
  return { store, listeners, evict }
}

describe('evictions a store reports (Store.onEvict)', () => {
  it("emits `evict` with the store's reason and the caller's key", () => {
    const { store, evict } = evictingStore()
    const events: EvictEvent[] = []
    createCache({ store, namespace: 'app', hooks: [{ evict: (e) => events.push(e) }] })
    const ids = createKeySpace('app')
    evict(ids.entry('user:1'), 'capacity')
    evict(ids.entry('{weird}%key'), 'expired')
    expect(events).toEqual([
      { namespace: 'app', store: 'test', key: 'user:1', reason: 'capacity' },
      { namespace: 'app', store: 'test', key: '{weird}%key', reason: 'expired' },
    ])
  })

  it("ignores other namespaces' entries and ids that are not entries", () => {
    const { store, evict } = evictingStore()
    const seen: Record<string, string[]> = { a: [], b: [] }
    for (const ns of ['a', 'b'] as const) {
      createCache({ store, namespace: ns, hooks: [{ evict: (e) => seen[ns]?.push(e.key) }] })
    }
    evict(createKeySpace('a').entry('k'), 'capacity')
    evict(createKeySpace('a').tag('k'), 'capacity')
    evict(createKeySpace('ab').entry('k'), 'capacity')
    evict('foreign', 'expired')
    expect(seen).toEqual({ a: ['k'], b: [] })
  })

  it('publishes on the tagcache:evict channel without any hook', () => {
    const { store, evict } = evictingStore()
    createCache({ store, namespace: 'channel-only' })
    const messages: unknown[] = []
    const listener = (message: unknown) => messages.push(message)
    subscribe(channelNames.evict, listener)
    try {
      evict(createKeySpace('channel-only').entry('k'), 'expired')
    } finally {
      unsubscribe(channelNames.evict, listener)
    }
    expect(messages).toEqual([
      { namespace: 'channel-only', store: 'test', key: 'k', reason: 'expired' },
    ])
  })

  it('subscribes once per cache and unsubscribes at close()', async () => {
    const { store, listeners, evict } = evictingStore()
    const events: EvictEvent[] = []
    const cache = createCache({ store, namespace: 'n', hooks: [{ evict: (e) => events.push(e) }] })
    expect(listeners.size).toBe(1)
    await cache.close()
    expect(listeners.size).toBe(0)
    evict(createKeySpace('n').entry('k'), 'capacity')
    expect(events).toEqual([])
  })

  it('works with stores that do not offer it', async () => {
    const events: EvictEvent[] = []
    const cache = createCache({ store: testStore(), hooks: [{ evict: (e) => events.push(e) }] })
    await cache.set('k', 1, { tags: ['t'] })
    await cache.invalidate('t')
    expect(await cache.get('k')).toBeUndefined()
    // Core's own lazy removal still reports its reason.
    expect(events.map((e) => [e.key, e.reason])).toEqual([['k', 'invalidated']])
    await cache.close()
  })

  it('resolves every key back from its id, lone surrogates and escapes included', () => {
    const ids = createKeySpace('ns:{x}', false)
    const unit = fc.oneof(
      fc.constantFrom('%', '%u', '%25', '{', '}', ':', '\0', '\ud800', '\udc00'),
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    )
    fc.assert(
      fc.property(fc.string({ unit }), (key) => {
        expect(ids.keyOf(ids.entry(key))).toBe(key)
      }),
      { numRuns: 2_000 },
    )
  })
})
