// The parent side: runs a suite's tasks in fresh child processes (child.ts),
// one after the other (2 cores: never two measuring processes at once), and
// prints the tables.

import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { type ProcessRun, type Row, range } from './stats.ts'

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url))
/** Marks the child's result line on stdout (libraries may print lines of their own). */
export const RESULT_PREFIX = '@@bench-result '
/** A child that printed its result but still runs this long has left a client open. */
const EXIT_GRACE_MS = 15_000
/** A child that has printed nothing in this long is stuck. */
const CHILD_TIMEOUT_MS = 10 * 60_000

/** Options every suite gets from main.ts. */
export interface BenchOptions {
  /** Fresh processes per comparison (>= 5). */
  runs: number
}

/** Arguments handed to a child task (JSON on its command line). */
export type ChildArgs = Record<string, string | number | boolean>

/** A task a suite runs in a child process; its result is printed as JSON. */
export type ChildTask = (args: ChildArgs) => Promise<unknown>

export const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`)

/**
 * Runs `suite`'s child task `task` in a fresh `node --expose-gc` process and
 * resolves with the JSON it printed. The child's stderr goes to ours.
 */
export function runChild<T>(suite: string, task: string, args: ChildArgs = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', CHILD, suite, task, JSON.stringify(args)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let stdout = ''
    let result: T | undefined
    let settled = false
    const what = `${suite} ${task} ${JSON.stringify(args)}`
    const fail = (message: string) => {
      if (settled) return
      settled = true
      clearTimeout(timeout)
      reject(new Error(`[bench] child ${what}: ${message}`))
    }
    const timeout = setTimeout(() => {
      child.kill('SIGKILL')
      fail(`no result within ${CHILD_TIMEOUT_MS / 60_000} min; killed`)
    }, CHILD_TIMEOUT_MS)
    let grace: NodeJS.Timeout | undefined
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk
      if (result !== undefined) return
      const at = stdout.indexOf(RESULT_PREFIX)
      const end = at === -1 ? -1 : stdout.indexOf('\n', at)
      if (end === -1) return
      result = JSON.parse(stdout.slice(at + RESULT_PREFIX.length, end)) as T
      grace = setTimeout(() => {
        progress(`child ${what} printed its result but did not exit: a client left open? killed`)
        child.kill('SIGKILL')
      }, EXIT_GRACE_MS)
    })
    child.on('error', (error) => fail(error.message))
    child.on('exit', (code, signal) => {
      clearTimeout(grace)
      if (result !== undefined) {
        settled = true
        clearTimeout(timeout)
        resolve(result)
      } else {
        fail(`exited with ${signal ?? `code ${code}`} before printing a result`)
      }
    })
  })
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)}s`

/**
 * Runs one comparison in `runs` fresh processes, one after another, each with
 * its own shuffled case order, and returns what each measured.
 */
export async function runProcesses(
  suite: string,
  task: string,
  runs: number,
  args: ChildArgs = {},
): Promise<ProcessRun[]> {
  const out: ProcessRun[] = []
  for (let r = 1; r <= runs; r++) {
    const t0 = performance.now()
    const run = await runChild<ProcessRun>(suite, task, args)
    out.push(run)
    progress(`${suite} ${task}: process ${r}/${runs} in ${seconds(t0)}; order ${orderOf(run)}`)
  }
  return out
}

/** A process's case order, short enough for a progress line. */
export function orderOf(run: ProcessRun): string {
  return run.order.map((n) => (n.length > 22 ? `${n.slice(0, 21)}…` : n)).join(' > ')
}

const ops = (n: number) => Math.round(n).toLocaleString('en-US')
const x = (n: number) => `${n.toFixed(2)}x`

/** An extra column: its header, and the cell for a row name. */
export interface Column {
  header: string
  width: number
  cell: (name: string) => string
}

/**
 * Prints rows as a table; `rows[0]` is the baseline every other row's ratio
 * was measured against (in the same process).
 */
export function printTable(title: string, rows: readonly Row[], columns: Column[] = []): void {
  console.log(`\n${title}`)
  const extra = (cell: (c: Column) => string) =>
    columns.map((c) => ` ${cell(c).padStart(c.width)}`).join('')
  console.log(
    `${'case'.padEnd(50)} ${'ops/s'.padStart(11)} ${'ratio'.padStart(7)} ${'[min-max]'.padEnd(13)}${extra((c) => c.header)}  target`,
  )
  for (const [i, row] of rows.entries()) {
    const name = i === 0 ? `${row.name} (baseline)` : row.name
    const r = row.ratio
    const verdict =
      row.target === undefined ? '' : `>= ${row.target.toFixed(2)} ${row.verdict ?? ''}`
    console.log(
      `${name.padEnd(50)} ${ops(row.opsPerSec).padStart(11)} ${x(r.median).padStart(7)} ${(i === 0 ? '' : range(r.min, r.max, 2)).padEnd(13)}${extra((c) => c.cell(row.name))}  ${verdict}`,
    )
  }
}

/** Prints client and server CPU per operation, median [min-max] over processes. */
export function printCpuTable(title: string, rows: readonly Row[]): void {
  console.log(`\n${title}`)
  console.log(`${'case'.padEnd(50)} ${'client µs/op'.padStart(22)} ${'server µs/op'.padStart(22)}`)
  const cell = (s: { median: number; min: number; max: number }) =>
    `${s.median.toFixed(1)} ${range(s.min, s.max, 1)}`
  for (const row of rows) {
    if (row.cpu === undefined) continue
    console.log(
      `${row.name.padEnd(50)} ${cell(row.cpu.client).padStart(22)} ${cell(row.cpu.server).padStart(22)}`,
    )
  }
}
