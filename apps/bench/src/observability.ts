import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startRedis } from '@tagcache/redis-harness'
import type { CaseResult } from './measure.ts'
import { report } from './measure.ts'

const run = promisify(execFile)
const PAIR = fileURLToPath(new URL('./observability-pair.ts', import.meta.url))

/** The hook configurations compared with "no hooks", each in its own process. */
export const VARIANTS = {
  lifecycle: 'a hook with only after() (lifecycle cost)',
  collector: 'metricsCollector',
  subscribe: 'subscribe(metricsCollector) (diagnostics_channel)',
  otel: 'openTelemetryHook (SDK, no-op exporter)',
} as const
export type Variant = keyof typeof VARIANTS

/**
 * Tagged get throughput with no hooks, with metricsCollector, and with the
 * OpenTelemetry hook (SDK, no-op exporter), on the memory store (1 in flight)
 * and on ioredis (64 in flight). Target (issue 5): metricsCollector >= 0.9x
 * no hooks.
 *
 * Each configuration runs in a fresh process against its own "no hooks"
 * baseline, interleaved round by round: in one process, the JIT would tune
 * core's shared code for every hook at once (call sites that have seen the
 * OpenTelemetry SDK go megamorphic), which no application with one
 * configuration pays.
 */
function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export async function observabilityBench(): Promise<void> {
  const server = await startRedis()
  try {
    for (const store of ['memory', 'ioredis'] as const) {
      const rows: CaseResult[] = []
      const targets: Record<string, number> = {}
      for (const variant of Object.keys(VARIANTS) as Variant[]) {
        const { stdout } = await run(
          process.execPath,
          ['--expose-gc', PAIR, store, variant, String(server.port)],
          { maxBuffer: 1 << 20 },
        )
        const [baseline, observed] = JSON.parse(stdout.trim().split('\n').at(-1) as string) as [
          CaseResult,
          CaseResult,
        ]
        if (rows.length === 0) rows.push({ ...baseline, name: 'no hooks (baseline)' })
        // Rounds alternate baseline and variant, so each round's pair saw the same
        // machine: the median of per-round ratios resists drift better than a
        // ratio of medians. Shown as ops/s against the first process's baseline.
        const ratios = observed.rounds.map((ops, i) => ops / (baseline.rounds[i] as number))
        const ratio = median(ratios)
        rows.push({ ...observed, opsPerSec: (rows[0] as CaseResult).opsPerSec * ratio })
        if (variant === 'collector') targets[observed.name] = 0.9
      }
      report(
        `${store === 'memory' ? 'memory store, 1 in flight' : 'ioredis, 64 in flight'}: tagged get (3 tags), hooks vs none (each row vs its own in-process baseline)`,
        rows,
        targets,
      )
    }
  } finally {
    await server.stop()
  }
}
