// Throughput measurement that holds up on a noisy 2-core machine: cases of
// one comparison run interleaved, several rounds each, medians compared.
// Absolute ops/s drift between runs; ratios within one run are what we report.

/** One benchmark case: `run` performs one operation. */
export interface Case {
  name: string
  run: () => Promise<unknown> | unknown
  /** Runs before each of this case's rounds (e.g. attach a process-wide subscriber). */
  setup?: () => void
  /** Runs after each of this case's rounds, so it never leaks into other cases. */
  teardown?: () => void
}

/** Result of one case: median ops/s over rounds. */
export interface CaseResult {
  name: string
  opsPerSec: number
  rounds: number[]
}

/** Runs `concurrency` loops in parallel, each awaiting `run` in sequence, for `ms`. */
async function timedRound(run: Case['run'], ms: number, concurrency: number): Promise<number> {
  let ops = 0
  const start = performance.now()
  const deadline = start + ms
  const worker = async () => {
    while (performance.now() < deadline) {
      // Batches keep the clock reads out of the measured cost.
      for (let i = 0; i < 256; i++) await run()
      ops += 256
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return ops / ((performance.now() - start) / 1000)
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** Warms up, then runs all cases interleaved for `rounds` rounds of `ms` each. */
export async function compare(
  cases: Case[],
  { rounds = 7, ms = 400, concurrency = 1, warmupMs = 300 } = {},
): Promise<CaseResult[]> {
  for (const c of cases) {
    c.setup?.()
    await timedRound(c.run, warmupMs, concurrency)
    c.teardown?.()
  }
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]))
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      ;(globalThis as { gc?: () => void }).gc?.()
      c.setup?.()
      samples.get(c.name)?.push(await timedRound(c.run, ms, concurrency))
      c.teardown?.()
    }
  }
  return cases.map((c) => {
    const rs = samples.get(c.name) ?? []
    return { name: c.name, opsPerSec: median(rs), rounds: rs }
  })
}

/**
 * `r`'s throughput relative to `base`: the median of per-round ratios. Cases
 * run interleaved, so each round's ratio compares runs a second or two apart;
 * on a machine whose speed drifts during a run (this VM's halves at times),
 * both sides of each ratio move alike, where a ratio of medians taken over
 * the whole run would not.
 */
export function ratio(r: CaseResult, base: CaseResult): number {
  const n = Math.min(r.rounds.length, base.rounds.length)
  if (n === 0) return r.opsPerSec / base.opsPerSec
  return median(
    Array.from({ length: n }, (_, i) => (r.rounds[i] as number) / (base.rounds[i] as number)),
  )
}

/** Prints a table: median ops/s, and the ratio to the first (baseline) case per {@link ratio}. */
export function report(
  title: string,
  results: CaseResult[],
  targets: Record<string, number> = {},
): void {
  const base = results[0]
  console.log(`\n${title}`)
  console.log(`${'case'.padEnd(52)} ${'ops/s'.padStart(12)} ${'ratio'.padStart(8)}  target`)
  for (const r of results) {
    const x = base === undefined ? 1 : ratio(r, base)
    const target = targets[r.name]
    const verdict =
      target === undefined ? '' : `>= ${target.toFixed(2)} ${x >= target ? 'met' : 'NOT MET'}`
    console.log(
      `${r.name.padEnd(52)} ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(12)} ${x.toFixed(2).padStart(7)}x  ${verdict}`,
    )
  }
}

/** A ~200-byte JSON-like value, as in MEASURED.md. */
export function sampleValue(i: number) {
  return {
    id: i,
    name: `user-${i}`,
    email: `user-${i}@example.com`,
    roles: ['reader', 'writer'],
    active: i % 2 === 0,
    createdAt: '2026-01-01T00:00:00.000Z',
    profile: { bio: 'Lorem ipsum dolor sit amet, consectetur.', score: i * 3.5 },
  }
}
