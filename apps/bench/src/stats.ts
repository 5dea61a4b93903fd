// The pure part of the method: what one process measured, and how the parent
// turns several processes into one row (median [min-max], verdict). No I/O
// here, so that test/stats.test.ts holds it in place.

/** One case as measured in one process: ops/s per round, and CPU per op per round if measured. */
export interface CaseRun {
  name: string
  /** Ops/s of each timed round, in round order (round i of every case ran in the same pass). */
  rounds: number[]
  /** Client (this process) and server (redis-server) CPU per operation, µs, per round. */
  cpu?: { client: number[]; server: number[] }
}

/** What one child process prints: the order it ran its cases in, and each case's rounds. */
export interface ProcessRun {
  order: string[]
  cases: CaseRun[]
}

/** A figure over processes: the median, and the range it moved in. */
export interface Spread {
  median: number
  min: number
  max: number
}

/** `met`: the whole range is at or above the target; `NOT MET`: all of it is below. */
export type Verdict = 'met' | 'NOT MET' | 'not settled'

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('[bench] median of no values; expected at least one')
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

export function spread(xs: readonly number[]): Spread {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) }
}

/**
 * Whether a row reached its target: on every process (`met`), on none
 * (`NOT MET`), or on some only (`not settled`: the machine, not the code,
 * decided; run again or on a quieter machine).
 */
export function verdict(ratio: Spread, target: number): Verdict {
  if (ratio.min >= target) return 'met'
  if (ratio.max < target) return 'NOT MET'
  return 'not settled'
}

/**
 * `rounds`' throughput relative to `base` in one process: the median of
 * per-round ratios. Round i of both ran a second or two apart, so on a machine
 * whose speed drifts during a run both sides of each ratio move alike, where a
 * ratio of medians over the whole process would not.
 */
export function roundRatio(rounds: readonly number[], base: readonly number[]): number {
  const n = Math.min(rounds.length, base.length)
  if (n === 0) throw new RangeError('[bench] ratio of cases without rounds; expected at least one')
  return median(Array.from({ length: n }, (_, i) => (rounds[i] as number) / (base[i] as number)))
}

/** Fisher-Yates: a new array holding every element of `xs` once, in random order. */
export function shuffle<T>(xs: readonly T[], random: () => number = Math.random): T[] {
  const out = [...xs]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = out[i] as T
    out[i] = out[j] as T
    out[j] = t
  }
  return out
}

/**
 * `[min-max]`, min rounded down and max up: a range printed as [0.90-1.17]
 * then never hides a min of 0.897 that left a 0.90 target not settled.
 */
export function range(lo: number, hi: number, digits: number): string {
  const scale = 10 ** digits
  return `[${(Math.floor(lo * scale + 1e-9) / scale).toFixed(digits)}-${(Math.ceil(hi * scale - 1e-9) / scale).toFixed(digits)}]`
}

/** One row of a table, over processes. */
export interface Row {
  name: string
  /** Median over processes of each process's median ops/s. */
  opsPerSec: number
  /** Per process: {@link roundRatio} against the baseline measured in that process. */
  ratio: Spread
  target?: number
  verdict?: Verdict
  /** Per process: median over rounds of CPU per op (µs); then median [min-max] over processes. */
  cpu?: { client: Spread; server: Spread }
}

function caseIn(run: ProcessRun, name: string): CaseRun {
  const found = run.cases.find((c) => c.name === name)
  if (found === undefined) {
    throw new Error(
      `[bench] no case "${name}" in a process's results; expected one of ${run.cases.map((c) => `"${c.name}"`).join(', ')}`,
    )
  }
  return found
}

/**
 * Row `name` over `runs` (one per process), each ratio against `baseline` as
 * measured in the same process. With a target, a verdict per {@link verdict}.
 */
export function summarize(
  runs: readonly ProcessRun[],
  name: string,
  baseline: string,
  target?: number,
): Row {
  if (runs.length === 0) throw new RangeError(`[bench] no processes for "${name}"; expected >= 1`)
  const own = runs.map((run) => caseIn(run, name))
  const ratio = spread(
    runs.map((run, i) => roundRatio(own[i]!.rounds, caseIn(run, baseline).rounds)),
  )
  const row: Row = { name, opsPerSec: median(own.map((c) => median(c.rounds))), ratio }
  if (target !== undefined) {
    row.target = target
    row.verdict = verdict(ratio, target)
  }
  const cpus = own.flatMap((c) => (c.cpu === undefined ? [] : [c.cpu]))
  if (cpus.length === own.length) {
    row.cpu = {
      client: spread(cpus.map((c) => median(c.client))),
      server: spread(cpus.map((c) => median(c.server))),
    }
  }
  return row
}
