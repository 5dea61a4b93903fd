// The tagcache playground: `pnpm demo` from the repository root.
// Runs on the memory store by default; every step prints what the cache did.
//   pnpm demo -- --store ioredis --redis-url redis://127.0.0.1:6379
// On Redis it ends with a near-cache step (near-demo.ts): a near hit next to a Redis hit, and
// another process's invalidate reaching the near cache.
// With --metrics-port it then keeps the cache busy and serves Prometheus metrics:
//   pnpm demo -- --metrics-port 9464
// With --web it serves a page instead, to drive the cache and watch it live:
//   pnpm demo -- --web --port 8080
//   REDIS_URL=redis://127.0.0.1:6379 pnpm demo -- --web --store ioredis --near
import {
  type EvictionPolicy,
  type Hook,
  jsonSerializer,
  type Serializer,
  type Store,
} from '@tagcache/core'
import { type PlaygroundOptions, parseCli, UsageError, usage } from './cli.ts'
import { runDemo } from './demo.ts'
import type { MetricsServer } from './metrics-server.ts'
import { connectIoredis, connectNodeRedis, RedisUnavailableError } from './redis.ts'
import type { WebView } from './web/server.ts'

// A wrong flag or a missing Redis is one line on stderr and an exit code, never a stack trace.
function exit(message: string, code: number): never {
  console.error(`[playground] ${message}`)
  process.exit(code)
}

let options: PlaygroundOptions
try {
  options = parseCli(process.argv.slice(2))
} catch (error) {
  if (!(error instanceof UsageError)) throw error
  exit(`${error.message}; run with -h for the flags`, 2)
}
if (options.help) {
  console.log(usage)
  process.exit(0)
}
const { metricsPort, durationMs } = options

let serializer: Serializer
switch (options.serializer) {
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
}

let store: Store
let close = async () => {}
try {
  switch (options.store) {
    case 'memory': {
      const { memoryStore } = await import('@tagcache/memory')
      store = memoryStore() // copies values: the chosen serializer runs on every read and write
      break
    }
    case 'ioredis':
      ;({ store, close } = await connectIoredis(options.redisUrl))
      break
    case 'node-redis':
      ;({ store, close } = await connectNodeRedis(options.redisUrl))
      break
  }
} catch (error) {
  if (!(error instanceof RedisUnavailableError)) throw error
  exit(error.message, 1)
}

try {
  if (options.web) {
    await runWeb(options, store, serializer)
  } else if (metricsPort === undefined) {
    await runDemo({ log: console.log, store, serializer })
    const { runNearDemo } = await import('./near-demo.ts')
    try {
      await runNearDemo({
        log: console.log,
        storeName: options.store,
        store: options.store === 'memory' ? undefined : store,
        redisUrl: options.redisUrl,
      })
    } catch (error) {
      // E.g. a Redis without CLIENT TRACKING (before 6.0): one line, the rest of the demo stands.
      console.error(`[playground] the near-cache step failed: ${(error as Error).message}`)
      process.exitCode = 1
    }
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

async function runWeb(options: PlaygroundOptions, store: Store, serializer: Serializer) {
  const { startWebView } = await import('./web/server.ts')
  const { maskedUrl, storeChoices } = await import('./web/stores.ts')
  let policy: EvictionPolicy | undefined
  if (options.policy) {
    const policies = await import('@tagcache/policies')
    policy = policies[options.policy.name]({ maxSize: options.policy.maxSize })
  }
  let view: WebView
  try {
    view = await startWebView({
      store,
      serializer,
      policy,
      port: options.port,
      choices: storeChoices(options),
      url: options.store === 'memory' ? undefined : maskedUrl(options.redisUrl),
      layers: options.near ? [(await import('./web/near-layer.ts')).nearLayer()] : [],
    })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    console.error(
      `[playground] 127.0.0.1:${options.port} is already in use; pick another --port (0 picks a free one)`,
    )
    process.exitCode = 1
    return
  }
  console.log(`tagcache playground web view (store: ${store.name}): ${view.url}`)
  console.log('Ctrl+C to stop')
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  const signal = await stopped
  console.log(`\n${signal}: closing the traffic loop, the server and the cache`)
  await view.close()
}
