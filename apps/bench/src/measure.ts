// Throughput measurement inside one child process: the cases of one
// comparison, in shuffled order, several timed rounds each, interleaved so
// that round i of every case sees the same machine. The parent (runner.ts)
// repeats this in fresh processes and reports the spread (stats.ts).

import { type CaseRun, type ProcessRun, shuffle } from './stats.ts'

/** One benchmark case: `run` performs one operation. */
export interface Case {
  name: string
  run: () => Promise<unknown> | unknown
  /**
   * Builds the case's own data, called once per process in the shuffled case
   * order, so that which structure lands where in the heap varies by process.
   */
  prepare?: () => Promise<void> | void
  /**
   * Operations the warm-up runs at least (it repeats until it has), e.g. one
   * read of every key so that per-key state a long-running process has is warm.
   */
  warmupOps?: number
  /** Runs before each of this case's rounds (e.g. attach a process-wide subscriber). */
  setup?: () => void
  /** Runs after each of this case's rounds, so it never leaks into other cases. */
  teardown?: () => void
}

export interface CompareOptions {
  /** Timed rounds per case. */
  rounds?: number
  /** Length of one round, ms (a round ends at the first batch past it). */
  ms?: number
  /** Operations in flight: loops each awaiting `run` in sequence. */
  concurrency?: number
  /** Untimed run of each case before the rounds, ms. */
  warmupMs?: number
  /**
   * Reads redis-server's CPU time (seconds, user + sys): when given, each
   * round also records client and server CPU per operation.
   */
  serverCpu?: () => Promise<number>
}

/**
 * Runs `concurrency` loops in parallel, each awaiting `run` in sequence, for
 * about `ms`; each loop reads the clock once per `batch` operations.
 */
async function timedRound(
  run: Case['run'],
  ms: number,
  concurrency: number,
  batch: number,
): Promise<{ ops: number; seconds: number }> {
  let ops = 0
  const start = performance.now()
  const deadline = start + ms
  const worker = async () => {
    while (performance.now() < deadline) {
      for (let i = 0; i < batch; i++) await run()
      ops += batch
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { ops, seconds: (performance.now() - start) / 1000 }
}

/**
 * Operations per clock read: about 1 ms of one loop's work, at most 256. Keeps
 * clock reads out of the cost of a fast case (1M ops/s) without letting a
 * slow one (a 50 KiB superjson round trip, 64 Redis gets in flight) overrun
 * its round by a whole batch.
 */
export function batchFor(opsPerSec: number, concurrency: number): number {
  return Math.max(1, Math.min(256, Math.floor(opsPerSec / concurrency / 1000)))
}

const gc = () => (globalThis as { gc?: () => void }).gc?.()

/** Prepares, warms up, then runs `cases` interleaved for `rounds` rounds, in the given order. */
export async function compare(
  cases: readonly Case[],
  { rounds = 7, ms = 300, concurrency = 1, warmupMs = 300, serverCpu }: CompareOptions = {},
): Promise<CaseRun[]> {
  for (const c of cases) await c.prepare?.()
  // Warm-up, clock read per operation; its rate sets the case's batch.
  const batches = new Map<Case, number>()
  for (const c of cases) {
    c.setup?.()
    let ops = 0
    let seconds = 0
    do {
      const r = await timedRound(c.run, warmupMs, concurrency, 1)
      ops += r.ops
      seconds += r.seconds
    } while (ops < (c.warmupOps ?? 0))
    c.teardown?.()
    batches.set(c, batchFor(ops / seconds, concurrency))
  }
  const out = cases.map((c): CaseRun => {
    const r: CaseRun = { name: c.name, rounds: [] }
    if (serverCpu !== undefined) r.cpu = { client: [], server: [] }
    return r
  })
  for (let round = 0; round < rounds; round++) {
    for (const [i, c] of cases.entries()) {
      const result = out[i] as CaseRun
      gc()
      c.setup?.()
      const server0 = serverCpu === undefined ? 0 : await serverCpu()
      const client0 = process.cpuUsage()
      const { ops, seconds } = await timedRound(c.run, ms, concurrency, batches.get(c) ?? 1)
      const client = process.cpuUsage(client0)
      const server = serverCpu === undefined ? 0 : (await serverCpu()) - server0
      c.teardown?.()
      result.rounds.push(ops / seconds)
      result.cpu?.client.push((client.user + client.system) / ops)
      result.cpu?.server.push((server * 1e6) / ops)
    }
  }
  return out
}

/** One process's share of a comparison: `cases` in a fresh random order. */
export async function measureProcess(
  cases: readonly Case[],
  options: CompareOptions = {},
): Promise<ProcessRun> {
  const order = shuffle(cases)
  const results = await compare(order, options)
  return { order: order.map((c) => c.name), cases: results }
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
