// Fault test of core's circuit breaker against a real redis-server frozen with
// SIGSTOP under load. The server is this file's own (never the shared one):
// it is frozen, then thawed (SIGCONT, in `finally`) and stopped.

import { type BreakerEvent, createCache, type Store } from '@tagcache/core'
import { type RedisServer, startRedis } from '@tagcache/redis-harness'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeRedisStore } from '../src/index.js'

let server: RedisServer
let client: ReturnType<typeof createClient>
let pid: number

beforeAll(async () => {
  server = await startRedis()
  client = createClient({ url: server.url })
  await client.connect()
  const info = await client.info('server')
  pid = Number(/process_id:(\d+)/.exec(info)?.[1])
})

afterAll(async () => {
  if (pid > 0) process.kill(pid, 'SIGCONT')
  await client?.close()
  await server?.stop()
})

/** `store`, recording when each call was sent (performance.now()). */
function timed(store: Store): { store: Store; sent: number[] } {
  const sent: number[] = []
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver)
      if (typeof value !== 'function' || name === 'onEvict' || name === 'bounded') return value
      return (...args: unknown[]) => {
        sent.push(performance.now())
        return value.apply(target, args)
      }
    },
  })
  return { store: proxy, sent }
}

describe('circuit breaker with a frozen Redis (SIGSTOP)', () => {
  it('no request waits much past the timeout, the store is skipped while open, and is used again after SIGCONT', async () => {
    expect(pid).toBeGreaterThan(0)
    const { store, sent } = timed(nodeRedisStore(client))
    const events: { at: number; state: BreakerEvent['state'] }[] = []
    const cache = createCache({
      store,
      namespace: 'breaker-fault',
      onError: 'miss',
      timeout: '50ms',
      breakerDuration: '1s',
      hooks: [{ breaker: (e) => void events.push({ at: performance.now(), state: e.state }) }],
    })
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`)
    for (const key of keys) await cache.set(key, { key }, { tags: ['t'] })

    let served = 0
    let worst = 0
    let hitsAfterThaw: number | undefined
    let thawedAt = Number.POSITIVE_INFINITY
    let running = true
    const worker = async (w: number) => {
      for (let i = w; running; i++) {
        const key = keys[i % keys.length] as string
        const started = performance.now()
        let computed = false
        const value = await cache.wrap(key, () => {
          computed = true
          return { key }
        })
        const now = performance.now()
        worst = Math.max(worst, now - started)
        expect(value).toEqual({ key })
        served++
        if (!computed && now > thawedAt && hitsAfterThaw === undefined) hitsAfterThaw = now
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)))
    let frozenAt = 0
    try {
      await new Promise((resolve) => setTimeout(resolve, 200))
      const servedBefore = served
      process.kill(pid, 'SIGSTOP')
      frozenAt = performance.now()
      // Frozen through more than two breaker windows.
      await new Promise((resolve) => setTimeout(resolve, 2_500))
      expect(served).toBeGreaterThan(servedBefore) // still answering, from the factory
    } finally {
      process.kill(pid, 'SIGCONT')
      thawedAt = performance.now()
    }
    // Recovery comes with the first probe after SIGCONT: within one window (1 s), with room for
    // load. Waited for as the breaker closing (a store call succeeding again) and a hit: a call
    // that joined another worker's computation also returns without computing, so a hit alone
    // can come before the store is used again.
    const closedAfterThaw = () => events.some((e) => e.state === 'closed' && e.at >= thawedAt)
    const deadline = thawedAt + 10_000
    while ((hitsAfterThaw === undefined || !closedAfterThaw()) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    running = false
    await load

    const opened = events.find((e) => e.state === 'open')
    expect(opened).toBeDefined()
    const closedAt = events.find((e) => e.state === 'closed' && e.at >= thawedAt)?.at
    const recovery = Math.max(hitsAfterThaw ?? Number.NaN, closedAt ?? Number.NaN) - thawedAt
    console.log(
      `[breaker-fault] served=${served} worst=${worst.toFixed(1)}ms ` +
        `firstOpen=${((opened?.at ?? 0) - frozenAt).toFixed(1)}ms after SIGSTOP ` +
        `recovery=${recovery.toFixed(1)}ms after SIGCONT skipped=${cache.stats.skipped} ` +
        `states=${events.map((e) => e.state).join(',')}`,
    )
    // No request waited on the frozen store for long (timeout 50 ms; generous for a busy CI machine).
    expect(worst).toBeLessThan(1_000)
    expect(cache.stats.skipped).toBeGreaterThan(0)
    // While open (from each 'open' to the next 'half-open'), nothing was sent to the store.
    for (const [i, event] of events.entries()) {
      if (event.state !== 'open') continue
      const next = events[i + 1]
      const until = next?.at ?? Number.POSITIVE_INFINITY
      // A call may be sent in the same tick as the failure that opened it; none after.
      expect(sent.filter((t) => t > event.at + 1 && t < until - 1)).toEqual([])
      // Open for its window (1 s) before the next state. A fresh-clone CI run measured 970.8 ms
      // between the hook's timestamps once (cause not found: the breaker and the hook read the same
      // clock, synchronously), so the bound is 900 ms: still far from a breaker that reopens at once.
      if (next !== undefined) expect(next.at - event.at).toBeGreaterThanOrEqual(900)
    }
    // It closed again after SIGCONT. (Not necessarily the last state: on a loaded machine a later
    // call may really take over 50 ms, and reopening then is the breaker doing its job.)
    expect(closedAfterThaw()).toBe(true)
    // Used again within the window (1 s) after SIGCONT on a quiet machine (651 ms measured). On a
    // loaded one a half-open probe may itself take over the 50 ms timeout and reopen the breaker
    // for another window (a loaded CI run: 3.0 s, two probes failed): bounded by several windows.
    expect(recovery).toBeLessThan(8_000)
  }, 30_000)
})
