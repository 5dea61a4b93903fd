// The printed demo's near-cache step: a local copy kept coherent by Redis, and another process's
// `invalidate` reaching it. Needs a Redis store; on the memory store it says how to run it.
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { inspect } from 'node:util'
import { createCache, type Store } from '@tagcache/core'
import { type NearCache, nearCache } from '@tagcache/near'
import type { InvalidatorReply, InvalidatorRequest } from './near-invalidator.ts'

export interface NearDemoOptions {
  /** Where lines go. */
  log: (line: string) => void
  /** Which store the playground runs on; the step needs a Redis one. */
  storeName: 'memory' | 'ioredis' | 'node-redis'
  /** The playground's Redis store (absent on the memory store). */
  store?: Store | undefined
  /** The Redis server, for the other process's own connection. */
  redisUrl: string
  /** Namespace of the step's entries (default: 'playground-near'). */
  namespace?: string
  /** Step number in the printed demo. */
  step?: number
}

/** What the step measured, for tests. */
export interface NearDemoResult {
  /** `get` through Redis (a near miss), in ms: the median over the step's keys. */
  redisMs: number
  /** `get` from the local copy (a near hit), in ms: the median over the step's keys. */
  nearMs: number
  /** From the other process's call to `invalidate` to the near cache hearing of it, in ms. */
  arrivalMs: number
  /** The read after the invalidation found nothing (a miss). */
  missAfter: boolean
}

const samples = 20
const names = ['Ada', 'Grace', 'Barbara', 'Frances', 'Margaret']

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** How long the other process, and the invalidation it makes, may take before the step gives up. */
const deadlineMs = 30_000

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes. */
export const wallClock = (): number => performance.timeOrigin + performance.now()

/**
 * Runs the near-cache step: a near cache over the Redis store; a tagged entry read once from Redis
 * and once from the local copy, with both latencies; then another process, with its own
 * connection and no near cache, invalidates the tag, and the step waits for Redis's invalidation
 * message to reach the near cache and shows the next read is a miss. Closes what it opened.
 *
 * On the memory store it logs one line saying how to run it and returns undefined.
 */
export async function runNearDemo({
  log,
  storeName,
  store,
  redisUrl,
  namespace = 'playground-near',
  step = 9,
}: NearDemoOptions): Promise<NearDemoResult | undefined> {
  if (storeName === 'memory' || store === undefined) {
    log(
      `\n${step}. a near cache (@tagcache/near) needs Redis: run \`pnpm demo -- --store ioredis --redis-url redis://127.0.0.1:6379\` (or --store node-redis)`,
    )
    return undefined
  }
  const show = (label: string, value: unknown) =>
    log(
      `  ${label.padEnd(44)} ${typeof value === 'string' ? value : inspect(value, { breakLength: Number.POSITIVE_INFINITY, colors: false })}`,
    )

  log(
    `\n${step}. a near cache: a local copy kept coherent by Redis (CLIENT TRACKING), tag versions included`,
  )
  // The other process starts first: it connects while this one sets up.
  const other = startInvalidator(storeName, redisUrl, namespace)
  const near = nearCache(store, { maxKeys: 1000 })
  const cache = createCache({ store: near, namespace })
  try {
    await within(near.ready(), 'the near cache to turn tracking on')
    // A rerun against a shared Redis starts from a clean namespace: O(1), nothing scanned.
    await cache.invalidateAll()
    // Twenty entries, each read once from Redis and once locally: the medians say more than the
    // first read alone (cold code paths, a busy machine).
    const keys = Array.from({ length: samples }, (_, i) => `user:${i + 1}`)
    for (const [i, key] of keys.entries()) {
      await cache.set(
        key,
        { id: i + 1, name: names[i % names.length] },
        { tags: ['users', key], ttl: '10m' },
      )
    }
    const redisTimes: number[] = []
    const nearTimes: number[] = []
    let fromRedis: unknown
    let fromNear: unknown
    for (const key of keys) {
      let started = performance.now()
      const first = await cache.get(key)
      redisTimes.push(performance.now() - started)
      started = performance.now()
      const second = await cache.get(key)
      nearTimes.push(performance.now() - started)
      if (key === 'user:1') [fromRedis, fromNear] = [first, second]
    }
    const redisMs = median(redisTimes)
    const nearMs = median(nearTimes)
    show("get('user:1') from Redis (a near miss)", fromRedis)
    show("get('user:1') again: local, no round trip", fromNear)
    log(
      `  Redis hit ${ms(redisMs)}, near hit ${ms(nearMs)} (${(redisMs / nearMs).toFixed(0)}x; medians of ${samples} keys, each read from Redis, then locally)`,
    )
    log(`  [near] ${near.stats.summary}`)

    const { pid } = await other.ready
    const before = near.stats.invalidations
    const done = other.invalidate('users')
    const heardAt = await heard(near, before)
    const { calledAt, tookMs } = await done
    // Should nothing have arrived (a network hiccup), sync() waits for what Redis had queued.
    if (heardAt === undefined) await within(near.sync(), 'the near cache to sync')
    show(
      `another process (pid ${pid}, no near cache)`,
      `invalidate('users') returned in ${ms(tookMs)}`,
    )
    const arrivalMs = heardAt === undefined ? Number.NaN : Math.max(0, heardAt - calledAt)
    show(
      'the invalidation reached this near cache',
      heardAt === undefined
        ? `not within ${deadlineMs / 1000}s; after sync(): ${near.stats.invalidations - before} invalidations`
        : `${ms(arrivalMs)} after the other process called invalidate`,
    )
    const after = await cache.get('user:1')
    show("get('user:1') after it (a miss, not stale)", after)
    const left = (await cache.getMany(keys)).filter((value) => value !== undefined).length
    show(`getMany of all ${samples} (all tagged 'users'): hits`, left)
    log(`  [near] ${near.stats.summary}`)
    return { redisMs, nearMs, arrivalMs, missAfter: after === undefined && left === 0 }
  } finally {
    // Closes the near cache's own connections, not the playground's client.
    await cache.close()
    await other.close()
  }
}

export function ms(value: number): string {
  return `${value < 0.1 ? value.toFixed(4) : value < 1 ? value.toFixed(3) : value.toFixed(2)} ms`
}

/**
 * Resolves with the time (see {@link wallClock}) the near cache first counts more than `before`
 * invalidations, or undefined after the deadline. Checks every turn of the event loop, so that
 * the time is that of the message, not of a timer's granularity.
 */
function heard(near: NearCache, before: number): Promise<number | undefined> {
  const deadline = performance.now() + deadlineMs
  return new Promise((resolve) => {
    const check = () => {
      if (near.stats.invalidations > before) return resolve(wallClock())
      if (performance.now() > deadline) return resolve(undefined)
      setImmediate(check)
    }
    check()
  })
}

async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`waited ${deadlineMs / 1000}s for ${what}`)),
      deadlineMs,
    )
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

interface Invalidator {
  /** Resolves once the other process has connected. */
  ready: Promise<{ pid: number }>
  /** Asks the other process to invalidate `tag`; resolves with when it called and how long it took. */
  invalidate(tag: string): Promise<{ calledAt: number; tookMs: number }>
  /** Lets the other process close its cache and client, and waits for it to exit. */
  close(): Promise<void>
}

/** Forks near-invalidator.ts: another Node process with its own Redis connection. */
function startInvalidator(storeName: string, redisUrl: string, namespace: string): Invalidator {
  const child: ChildProcess = fork(
    new URL('./near-invalidator.ts', import.meta.url),
    ['--store', storeName, '--redis-url', redisUrl, '--namespace', namespace],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  )
  const exited = once(child, 'exit')
  const replies: InvalidatorReply[] = []
  let wake: (() => void) | undefined
  child.on('message', (reply: InvalidatorReply) => {
    replies.push(reply)
    wake?.()
  })
  child.once('exit', () => wake?.())
  const next = async <K extends InvalidatorReply['kind']>(kind: K) => {
    for (;;) {
      const reply = replies.shift()
      if (reply?.kind === 'error')
        throw new Error(`[playground] the other process: ${reply.message}`)
      if (reply?.kind === kind) return reply as Extract<InvalidatorReply, { kind: K }>
      if (reply !== undefined) continue
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `[playground] the other process exited (${child.exitCode ?? child.signalCode})`,
        )
      }
      await within(
        new Promise<void>((resolve) => {
          wake = resolve
        }),
        'the other process',
      )
    }
  }
  const send = (request: InvalidatorRequest) => child.send(request)
  const ready = next('ready').then(() => ({ pid: child.pid ?? 0 }))
  // Awaited by the step; a failure to start is reported there, not as an unhandled rejection.
  ready.catch(() => {})
  return {
    ready,
    async invalidate(tag) {
      send({ kind: 'invalidate', tag })
      const { calledAt, tookMs } = await next('invalidated')
      return { calledAt, tookMs }
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        if (child.connected) child.disconnect()
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
      }
    },
  }
}
