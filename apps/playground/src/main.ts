// The tagcache playground: `pnpm demo` from the repository root.
// Runs on the memory store by default; every step prints what the cache did.
//   pnpm demo -- --store ioredis --redis-url redis://127.0.0.1:6379
// With --metrics-port it then keeps the cache busy and serves Prometheus metrics:
//   pnpm demo -- --metrics-port 9464
import { parseArgs } from 'node:util'
import { type Hook, jsonSerializer, type Serializer, type Store } from '@tagcache/core'
import { runDemo } from './demo.ts'
import type { MetricsServer } from './metrics-server.ts'

// pnpm passes the `--` of `pnpm demo -- --flag` on to the script, and parseArgs would
// read every flag after it as a (rejected) positional argument.
const args = process.argv.slice(2)
if (args[0] === '--') args.shift()
const { values } = parseArgs({
  args,
  options: {
    store: { type: 'string', default: 'memory' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    serializer: { type: 'string', default: 'json' },
    'metrics-port': { type: 'string' },
    duration: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

const usage = `usage: pnpm demo [--store memory|ioredis|node-redis] [--redis-url redis://host:port]
                 [--serializer json|superjson|msgpack|compressed]
                 [--metrics-port <port> [--duration <seconds>]]

  --metrics-port <port>  after the demo, keep the cache busy and serve Prometheus metrics
                         on http://127.0.0.1:<port>/metrics (0 picks a free port), printing
                         a live stats line every second until Ctrl+C
  --duration <seconds>   with --metrics-port: stop after this many seconds`
if (values.help) {
  console.log(usage)
  process.exit(0)
}

function fail(message: string): never {
  console.error(`[playground] ${message}\n${usage}`)
  process.exit(2)
}

let metricsPort: number | undefined
if (values['metrics-port'] !== undefined) {
  const port = Number(values['metrics-port'])
  if (!/^\d+$/.test(values['metrics-port']) || port > 65_535) {
    fail(
      `invalid --metrics-port ${JSON.stringify(values['metrics-port'])}; expected 0 to 65535 (0 picks a free port)`,
    )
  }
  metricsPort = port
}
let durationMs: number | undefined
if (values.duration !== undefined) {
  if (metricsPort === undefined) fail('--duration only applies with --metrics-port')
  const seconds = Number(values.duration)
  // The upper bound is what a timer accepts (2^31 - 1 ms, about 24 days).
  if (!(seconds > 0 && seconds * 1000 <= 2 ** 31 - 1)) {
    fail(`invalid --duration ${JSON.stringify(values.duration)}; expected seconds, more than 0`)
  }
  durationMs = seconds * 1000
}

let serializer: Serializer
switch (values.serializer) {
  case 'json':
    serializer = jsonSerializer()
    break
  case 'superjson':
    serializer = (await import('@tagcache/serializer-superjson')).superjsonSerializer()
    break
  case 'msgpack':
    serializer = (await import('@tagcache/serializer-msgpack')).msgpackSerializer()
    break
  case 'compressed': {
    const { compressed } = await import('@tagcache/serializer-compress')
    serializer = compressed(jsonSerializer(), { algorithm: 'gzip', threshold: 64 })
    break
  }
  default:
    fail(
      `unknown --serializer ${JSON.stringify(values.serializer)}; expected json, superjson, msgpack or compressed`,
    )
}

let store: Store
let close = async () => {}
switch (values.store) {
  case 'memory': {
    const { memoryStore } = await import('@tagcache/memory')
    // serialize: true so that the chosen serializer really runs.
    store = memoryStore({ serialize: values.serializer !== 'json' })
    break
  }
  case 'ioredis': {
    const { Redis } = await import('ioredis')
    const { ioredisStore } = await import('@tagcache/ioredis')
    const client = new Redis(values['redis-url'], { maxRetriesPerRequest: 1, lazyConnect: true })
    await client.connect()
    store = ioredisStore(client)
    close = async () => void (await client.quit())
    break
  }
  case 'node-redis': {
    const { createClient } = await import('redis')
    const { nodeRedisStore } = await import('@tagcache/node-redis')
    const client = createClient({ url: values['redis-url'] })
    await client.connect()
    store = nodeRedisStore(client)
    close = async () => void (await client.close())
    break
  }
  default:
    fail(`unknown --store ${JSON.stringify(values.store)}; expected memory, ioredis or node-redis`)
}

try {
  if (metricsPort === undefined) {
    await runDemo({ log: console.log, store, serializer })
  } else {
    await runLive({ port: metricsPort, duration: durationMs, store, serializer })
  }
} finally {
  await close()
}

interface LiveOptions {
  port: number
  /** Milliseconds of traffic; until SIGINT/SIGTERM when undefined. */
  duration: number | undefined
  store: Store
  serializer: Serializer
}

async function runLive({ port, duration, store, serializer }: LiveOptions) {
  const { collectDefaultMetrics, Registry } = await import('prom-client')
  const { prometheusExporter } = await import('@tagcache/observability/prometheus')
  const { metricsCollector } = await import('@tagcache/observability')
  const { serveMetrics } = await import('./metrics-server.ts')
  const { runTraffic } = await import('./traffic.ts')

  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  let server: MetricsServer
  try {
    server = await serveMetrics(registry, port)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    console.error(
      `[playground] 127.0.0.1:${port} is already in use; pick another --metrics-port (0 picks a free one)`,
    )
    process.exitCode = 1
    return
  }

  // Listening for signals before the demo: a Ctrl+C during it still shuts down cleanly (the
  // demo finishes, the traffic loop does not start). A second one kills as usual.
  const stop = new AbortController()
  const onSignal = () => stop.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    console.log(`metrics: ${server.url}\n`)
    const live = metricsCollector()
    const hooks: Hook[] = [prometheusExporter({ registry }), live]
    const cache = await runDemo({ log: console.log, store, serializer, hooks })

    console.log(
      `\ntraffic: wrap/get over 1000 keys, occasional invalidate; ${duration === undefined ? 'Ctrl+C to stop' : `for ${duration / 1000}s`}`,
    )
    const signal =
      duration === undefined
        ? stop.signal
        : AbortSignal.any([stop.signal, AbortSignal.timeout(duration)])
    // On a terminal the line refreshes in place; in a pipe or a log, one line per second.
    const tty = process.stdout.isTTY === true
    await runTraffic({
      cache,
      metrics: live,
      signal,
      report: (line) => {
        if (tty) process.stdout.write(`\r${line}\x1b[K`)
        else console.log(line)
      },
    })
    if (tty) process.stdout.write('\n')
    console.log(`stopped; totals: ${cache.stats.summary}`)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await server.close()
  }
}
