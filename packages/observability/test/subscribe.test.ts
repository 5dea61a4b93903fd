import { subscribe as subscribeChannel, unsubscribe } from 'node:diagnostics_channel'
import { channelNames, createCache, HOOK_METHODS, type Hook } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { afterEach, describe, expect, it } from 'vitest'
import { subscribe } from '../src/index.js'

function recorder() {
  const seen: string[] = []
  const hook: Hook = {}
  for (const method of HOOK_METHODS) {
    ;(hook as Record<string, unknown>)[method] = (event: {
      operation?: string
      outcome?: string
    }) =>
      void seen.push(
        method === 'before' || method === 'after'
          ? `${method}:${event.operation}${method === 'after' ? `:${event.outcome}` : ''}`
          : method,
      )
  }
  return { hook, seen }
}

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** The same operations, observed one way or the other. */
async function script(hooks: Hook[] = []) {
  const cache = createCache({ store: memoryStore(), namespace: 'sub', hooks })
  await cache.set('a', 1, { tags: ['t'] })
  await cache.get('a')
  await cache.getOrThrow('b').catch(() => {})
  await cache.wrap('w', () => 2)
  await Promise.all([cache.wrap('c', async () => 3), cache.wrap('c', async () => 3)])
  await cache.invalidate('t')
  await cache.get('a')
  await cache.set('bad', undefined).catch(() => {})
}

describe('subscribe(hook): every cache, through node:diagnostics_channel', () => {
  it('sees the same events, in the same order, as the hook passed in hooks', async () => {
    const direct = recorder()
    await script([direct.hook])
    const bridged = recorder()
    cleanups.push(subscribe(bridged.hook))
    await script()
    expect(bridged.seen).toEqual(direct.seen)
    expect(direct.seen).toContain('after:getOrThrow:miss')
    expect(direct.seen).toContain('coalesced')
    expect(direct.seen).toContain('error')
  })

  it('stops at unsubscribe, and a cache with no subscriber publishes nothing', async () => {
    const bridged = recorder()
    const stop = subscribe(bridged.hook)
    stop()
    stop() // idempotent
    await script()
    expect(bridged.seen).toEqual([])
  })

  it('publishes the tracing channel with the operation event as its context', async () => {
    const starts: unknown[] = []
    const ends: { operation: string; outcome: string; duration: number }[] = []
    const onStart = (m: unknown) => void starts.push(m)
    const onEnd = (m: unknown) => void ends.push(m as (typeof ends)[number])
    subscribeChannel(`tracing:${channelNames.operation}:start`, onStart)
    subscribeChannel(`tracing:${channelNames.operation}:asyncEnd`, onEnd)
    cleanups.push(() => {
      unsubscribe(`tracing:${channelNames.operation}:start`, onStart)
      unsubscribe(`tracing:${channelNames.operation}:asyncEnd`, onEnd)
    })
    const cache = createCache({ store: memoryStore() })
    await cache.set('k', 1)
    await cache.get('k')
    expect(starts).toHaveLength(2)
    expect(ends.map((e) => [e.operation, e.outcome])).toEqual([
      ['set', 'ok'],
      ['get', 'hit'],
    ])
    expect(ends[1]).toBe(starts[1])
    expect(ends[1]?.duration).toBeGreaterThanOrEqual(0)
  })

  it('a subscribed hook that throws never breaks an operation, nor crashes the process', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error) => void warnings.push(w.message)
    process.on('warning', onWarning)
    cleanups.push(() => process.off('warning', onWarning))
    const thrower: Hook = {}
    for (const method of HOOK_METHODS) {
      ;(thrower as Record<string, unknown>)[method] = () => {
        throw new Error('subscriber bug')
      }
    }
    cleanups.push(subscribe(thrower))
    const cache = createCache({ store: memoryStore() })
    await cache.set('k', 1, { tags: ['t'] })
    expect(await cache.get('k')).toBe(1)
    await cache.invalidate('t')
    expect(await cache.get('k')).toBeUndefined()
    await new Promise((resolve) => setImmediate(resolve))
    expect(warnings.filter((w) => w.includes('subscriber bug'))).toHaveLength(1)
  })
})
