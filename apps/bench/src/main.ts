// `pnpm bench`: every figure is a ratio to a baseline measured in the same
// process, repeated in several fresh processes.
//   pnpm bench                  all suites
//   pnpm bench memory redis     some suites (memory | serializers | redis | bounded | observability | policies | resilience | near | tracking)
//   pnpm bench --runs 7         processes per comparison (default and minimum 5)
import { cpus, loadavg } from 'node:os'
import { boundedBench } from './bounded.ts'
import { memoryBench } from './memory.ts'
import { nearBench } from './near.ts'
import { observabilityBench } from './observability.ts'
import { policiesBench } from './policies.ts'
import { redisBench } from './redis.ts'
import { resilienceBench } from './resilience.ts'
import type { BenchOptions } from './runner.ts'
import { serializerBench } from './serializers.ts'
import { trackingBench } from './tracking.ts'

const suites: Record<string, (options: BenchOptions) => Promise<void>> = {
  memory: memoryBench,
  serializers: serializerBench,
  redis: redisBench,
  bounded: boundedBench,
  observability: observabilityBench,
  policies: policiesBench,
  resilience: resilienceBench,
  near: nearBench,
  tracking: trackingBench,
}
const MIN_RUNS = 5

const usage = `usage: pnpm bench [${Object.keys(suites).join('|')} ...] [--runs N (>= ${MIN_RUNS})]`
const args = process.argv.slice(2).filter((a) => a !== '--')
const wanted: string[] = []
let runs = MIN_RUNS
for (let i = 0; i < args.length; i++) {
  const arg = args[i] as string
  if (arg === '--runs' || arg.startsWith('--runs=')) {
    const value = arg === '--runs' ? args[++i] : arg.slice('--runs='.length)
    runs = Number(value)
    if (!Number.isInteger(runs) || runs < MIN_RUNS) {
      console.error(
        `[bench] --runs ${value}: expected a whole number >= ${MIN_RUNS} (fewer processes cannot show how far a ratio moves)\n${usage}`,
      )
      process.exit(2)
    }
  } else if (arg in suites) {
    wanted.push(arg)
  } else {
    console.error(`[bench] unknown argument "${arg}"\n${usage}`)
    process.exit(2)
  }
}

const started = performance.now()
const cpu = cpus()
console.log(`tagcache bench, ${new Date().toISOString()}`)
console.log(
  `node ${process.version}, ${process.platform}/${process.arch}, ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
console.log(
  `method: ${runs} processes, shuffled order, median [min-max]. Each comparison runs in ${runs} fresh processes, its cases (baseline included) in a new random order in each; a ratio is taken against the baseline measured in the same process (median of per-round ratios), then reported as its median [min-max] over processes; ops/s is the median over processes. A target is met when min >= target, NOT MET when max < target, not settled otherwise.`,
)
for (const name of wanted.length > 0 ? wanted : Object.keys(suites)) {
  const t0 = performance.now()
  await suites[name]?.({ runs })
  process.stderr.write(`[bench] ${name} done in ${((performance.now() - t0) / 1000).toFixed(0)}s\n`)
}
const total = (performance.now() - started) / 1000
console.log(`\nbench finished in ${Math.floor(total / 60)}m${Math.round(total % 60)}s`)
