// `--metrics-port`: the playground as a long-running process with a Prometheus endpoint.
import { describe, expect, it } from 'vitest'
import { start } from './playground-process.ts'

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
