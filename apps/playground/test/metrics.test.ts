// `--metrics-port`: the playground as a long-running process with a Prometheus endpoint.
import { type ChildProcessByStdio, spawn } from 'node:child_process'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))

interface Run {
  child: ChildProcessByStdio<null, Readable, Readable>
  stdout: () => string
  stderr: () => string
  /** Settles once the process has exited and its output is fully read. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** The first match of `pattern` in stdout; rejects if the process ends without one. */
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>
}

const runs: Run[] = []

function start(args: string[]): Run {
  const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
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

describe('playground --metrics-port', () => {
  it('serves /metrics while traffic runs, 404 elsewhere, and exits 0 after --duration', async () => {
    const run = start(['--metrics-port', '0', '--duration', '2'])
    const [, url] = await run.waitFor(/^metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m)
    if (url === undefined) throw new Error('no URL')
    expect(url).not.toMatch(/:0\/metrics$/)
    await run.waitFor(/^traffic: .* for 2s$/m)

    const response = await fetch(url)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const body = await response.text()
    const hits = body.match(/^tagcache_hits_total\{namespace="playground"\} (\S+)$/m)
    expect(Number(hits?.[1])).toBeGreaterThan(0)
    expect(body).toMatch(
      /^tagcache_operation_duration_seconds_bucket\{le="[^"]+",namespace="playground",operation="get"\} \d+$/m,
    )
    expect((await fetch(new URL('/other', url))).status).toBe(404)

    expect(await run.closed).toEqual({ code: 0, signal: null })
    expect(run.stderr()).toBe('')
    const out = run.stdout()
    expect(out.match(/^ {2}\[stats\] /gm)).toHaveLength(7)
    expect(out).toMatch(
      /^\[live\] \d+ ops\/s hitRatio=\d+\.\d% get p99=[\d.]+ms wrap p99=[\d.]+ms invalidations=\d+ errors=0$/m,
    )
    expect(out).toMatch(/^stopped; totals: hits=\d+ /m)
    // A pipe gets plain lines; the \r overwrite is for terminals only.
    expect(out).not.toContain('\r')
  })

  it('runs until SIGTERM without --duration, then exits 0', async () => {
    const run = start(['--metrics-port', '0'])
    await run.waitFor(/^traffic: .*Ctrl\+C to stop$/m)
    await run.waitFor(/^\[live\] /m)
    run.child.kill('SIGTERM')
    expect(await run.closed).toEqual({ code: 0, signal: null })
    expect(run.stdout()).toMatch(/^stopped; totals: /m)
    expect(run.stderr()).toBe('')
  })
})
