import { setTimeout as sleep } from 'node:timers/promises'
import type { Cache } from '@tagcache/core'
import type { MetricsCollector, MetricsSnapshot } from '@tagcache/observability'
import { ms } from './demo.ts'

export interface TrafficOptions {
  cache: Cache
  /** A collector on `cache`; reset every second, so the live line shows the last second only. */
  metrics: MetricsCollector
  /** Stops the traffic; in-flight operations finish first. */
  signal: AbortSignal
  /** Receives the live line once per second. */
  report: (line: string) => void
}

const KEYS = 1000
const GROUPS = 20
// Several callers at once, as in a server; enough to see coalescing, few enough to stay light.
const WORKERS = 4
const INVALIDATE_PROBABILITY = 0.001

/** Keeps `cache` busy with `wrap`, `get` and occasional `invalidate` until `signal` aborts. */
export async function runTraffic({
  cache,
  metrics,
  signal,
  report,
}: TrafficOptions): Promise<void> {
  let since = performance.now()
  metrics.reset()
  const ticker = setInterval(() => {
    const now = performance.now()
    report(liveLine(metrics.snapshot(), (now - since) / 1000))
    metrics.reset()
    since = now
  }, 1000)

  const worker = async () => {
    while (!signal.aborted) {
      // Squaring skews towards low ids: a few hot keys and a long tail, like real traffic.
      const id = Math.floor(KEYS * Math.random() ** 2)
      const key = `item:${id}`
      const roll = Math.random()
      try {
        if (roll < INVALIDATE_PROBABILITY) {
          await cache.invalidate(`group:${id % GROUPS}`)
        } else if (roll < 0.3) {
          await cache.get(key)
        } else {
          await cache.wrap(key, () => loadItem(id), {
            tags: [key, `group:${id % GROUPS}`],
            ttl: '1m',
          })
        }
      } catch {
        // Already counted by the collector and shown as errors= on the live line; a load
        // generator keeps going (a Redis restart should not end the run).
      }
      // Yields to the timers and the /metrics server, and keeps the CPU mostly idle.
      await sleep(1)
    }
  }

  try {
    await Promise.all(Array.from({ length: WORKERS }, worker))
  } finally {
    clearInterval(ticker)
  }
}

/** A slow source, so that misses cost visibly more than hits in the latency figures. */
async function loadItem(id: number) {
  await sleep(1 + Math.random() * 2)
  return { id, name: `item ${id}`, loadedAt: Date.now() }
}

export function liveLine(s: MetricsSnapshot, seconds: number): string {
  let calls = 0
  for (const op of Object.values(s.operations)) calls += op.calls
  const parts = [
    `${Math.round(calls / seconds)} ops/s`,
    `hitRatio=${(s.hitRatio * 100).toFixed(1)}%`,
  ]
  for (const name of ['get', 'wrap'] as const) {
    const latency = s.operations[name]?.latency
    if (latency) parts.push(`${name} p99=${ms(latency.p99)}`)
  }
  parts.push(`invalidations=${s.invalidations}`, `errors=${s.errors}`)
  return `[live] ${parts.join(' ')}`
}
