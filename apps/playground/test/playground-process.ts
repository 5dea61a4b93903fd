// A playground process (src/main.ts) with its output, for the tests of long-running modes.
import { type ChildProcessByStdio, spawn } from 'node:child_process'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))

export interface Run {
  child: ChildProcessByStdio<null, Readable, Readable>
  stdout: () => string
  stderr: () => string
  /** Settles once the process has exited and its output is fully read. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** The first match of `pattern` in stdout; rejects if the process ends without one. */
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>
}

const runs: Run[] = []

/** Starts `node src/main.ts ...args`; killed after the test if still running. */
export function start(args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const child = spawn(process.execPath, [main, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  )
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = stdout.match(pattern)
        if (match === null) return
        child.stdout.off('data', check)
        resolve(match)
      }
      child.stdout.on('data', check)
      void closed.then(() => {
        child.stdout.off('data', check)
        reject(
          new Error(`exited without printing ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`),
        )
      })
      check()
    })
  const run = { child, stdout: () => stdout, stderr: () => stderr, closed, waitFor }
  runs.push(run)
  return run
}

afterEach(async () => {
  // A failed assertion must not leave a server and a traffic loop running.
  for (const run of runs.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL')
    await run.closed
  }
})
