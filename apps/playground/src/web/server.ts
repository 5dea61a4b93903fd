// `pnpm demo -- --web`: one static page and a small JSON API over one cache, on node:http.
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type Cache,
  createCache,
  type EvictionPolicy,
  isTagCacheError,
  type Serializer,
  type Store,
} from '@tagcache/core'
import { type MetricsSnapshot, metricsCollector } from '@tagcache/observability'
import type { z } from 'zod'
import { runTraffic } from '../traffic.ts'
import {
  describeIssues,
  getRequest,
  invalidateRequest,
  type LatencyView,
  resetRequest,
  type SeriesPoint,
  type StoreChoice,
  setRequest,
  trafficRequest,
  type WebState,
} from './api.ts'
import type { StoreLayer } from './stores.ts'

/** Options of {@link startWebView}. */
export interface WebViewOptions {
  /** The base store (memory, ioredis, node-redis). The caller closes its Redis client. */
  store: Store
  /** Stores wrapped around the base store, innermost first (see {@link StoreLayer}). */
  layers?: StoreLayer[]
  /** Bounds the namespace (`createCache({ policy })`). */
  policy?: EvictionPolicy | undefined
  /** Default: JSON. */
  serializer?: Serializer | undefined
  /** Default: `playground-web`. */
  namespace?: string
  /** The Redis server as the page shows it (password masked). */
  url?: string | undefined
  /** The stores the page lists (see `storeChoices`). */
  choices: StoreChoice[]
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number
}

/** A running web view. */
export interface WebView {
  /** `http://127.0.0.1:<port>/`, with the port actually bound. */
  readonly url: string
  /** The cache the page drives. */
  readonly cache: Cache
  /** Stops the traffic loop, the server and the cache (not a Redis client it did not create). */
  close(): Promise<void>
}

/** Points of the chart: the last two minutes, one a second. */
const SERIES_LENGTH = 120
const MAX_BODY = 64 * 1024

const staticFiles: Record<string, { file: string; type: string }> = {
  '/': { file: 'page.html', type: 'text/html; charset=utf-8' },
  '/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
}

/** A request the API refuses: answered with `status` and `{ error: message }`. */
class HttpError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

/**
 * Starts the web view: creates the cache on `store` (after `layers`, bounded by `policy`),
 * then serves the page and its API on 127.0.0.1.
 */
export async function startWebView(options: WebViewOptions): Promise<WebView> {
  const { layers = [], namespace = 'playground-web', choices } = options
  let store = options.store
  for (const layer of layers) store = layer.wrap(store)

  // Three collectors on one cache: totals since start (or the last reset), the current second
  // (the chart), and the traffic loop's own line (runTraffic resets its collector every second).
  const totals = metricsCollector()
  const second = metricsCollector()
  const trafficMetrics = metricsCollector()
  const cache = createCache({
    store,
    namespace,
    hooks: [totals, second, trafficMetrics],
    ...(options.serializer ? { serializer: options.serializer } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
  })
  // A rerun against a shared Redis starts from a clean namespace: O(1), nothing scanned.
  await cache.invalidateAll()
  totals.reset()
  second.reset()

  const series: SeriesPoint[] = []
  let since = performance.now()
  const sampler = setInterval(() => {
    const now = performance.now()
    series.push(point(second.snapshot(), (now - since) / 1000))
    if (series.length > SERIES_LENGTH) series.shift()
    second.reset()
    since = now
  }, 1000)

  let traffic: { stop: AbortController; done: Promise<void>; line: string | null } | undefined
  const startTraffic = () => {
    if (traffic) return
    const stop = new AbortController()
    const running = {
      stop,
      line: null as string | null,
      done: Promise.resolve(),
    }
    running.done = runTraffic({
      cache,
      metrics: trafficMetrics,
      signal: stop.signal,
      report: (line) => {
        running.line = line
      },
    }).catch((error: unknown) => {
      // The workers survive cache errors; this is a bug in the loop itself: stop, say so.
      console.error(`[playground] traffic loop failed: ${error}`)
      if (traffic === running) traffic = undefined
    })
    traffic = running
  }
  const stopTraffic = async () => {
    const running = traffic
    if (!running) return
    // Stopped at once for the page; the workers' calls in flight finish before `done`.
    traffic = undefined
    running.stop.abort()
    await running.done
  }

  const state = (): WebState => {
    const s = totals.snapshot()
    let operations = 0
    const latency: WebState['latency'] = {}
    for (const [name, op] of Object.entries(s.operations)) {
      operations += op.calls
      if (name === 'get' || name === 'set' || name === 'invalidate' || name === 'wrap') {
        latency[name] = latencyView(op.latency)
      }
    }
    return {
      store: {
        name: store.name,
        ...(options.url ? { url: options.url } : {}),
        serializer: options.serializer?.id ?? 'json',
        namespace,
        policy: options.policy ? `${options.policy.name}:${options.policy.maxSize}` : null,
        layers: layers.map((layer) => `${layer.name} (${layer.detail})`),
      },
      choices,
      totals: {
        hits: s.hits,
        misses: s.misses,
        hitRatio: s.hitRatio,
        sets: s.sets,
        invalidations: s.invalidations,
        evictions: s.evictions,
        errors: s.errors,
        operations,
      },
      latency,
      layers: layers.flatMap((layer) =>
        layer.state ? [{ name: layer.name, ...layer.state() }] : [],
      ),
      traffic: { running: traffic !== undefined, line: traffic?.line ?? null },
      series,
    }
  }

  const api: Record<string, (body: unknown) => Promise<unknown>> = {
    '/api/set': async (body) => {
      const { key, value, tags, ttl } = parse(setRequest, body)
      await cache.set(key, value, { tags, ...(ttl === undefined ? {} : { ttl }) })
      return { ok: true, key, tags }
    },
    '/api/get': async (body) => {
      const { key } = parse(getRequest, body)
      const value = await cache.get(key)
      return value === undefined ? { key, hit: false } : { key, hit: true, value }
    },
    '/api/invalidate': async (body) => {
      const { tags } = parse(invalidateRequest, body)
      await cache.invalidate(...tags)
      return { ok: true, tags }
    },
    '/api/traffic': async (body) => {
      const { running } = parse(trafficRequest, body)
      if (running) startTraffic()
      else await stopTraffic()
      return { running: traffic !== undefined }
    },
    '/api/reset': async (body) => {
      parse(resetRequest, body)
      totals.reset()
      second.reset()
      series.length = 0
      for (const layer of layers) layer.reset?.()
      return { ok: true }
    },
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // A page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) would
    // otherwise be same-origin with this API; its requests carry its own name as Host.
    const host = req.headers.host ?? ''
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      throw new HttpError(
        403,
        `unexpected Host ${JSON.stringify(host)}; open http://127.0.0.1:${port}/`,
      )
    }
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1')
    const page = staticFiles[pathname]
    if (page) {
      allow(req, 'GET')
      const body = await readFile(new URL(page.file, import.meta.url))
      res.writeHead(200, { 'content-type': page.type, 'cache-control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : body)
      return
    }
    if (pathname === '/api/state') {
      allow(req, 'GET')
      return send(res, 200, state())
    }
    const route = api[pathname]
    if (!route) throw new HttpError(404, `no such endpoint ${pathname}`)
    allow(req, 'POST')
    send(res, 200, await route(await readJson(req)))
  }

  let port = 0
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return send(res, error.status, { error: error.message })
      // A bad ttl or value the cache refuses is the caller's mistake; anything else (Redis
      // down, a closed cache) is ours.
      if (
        isTagCacheError(error, 'E_INVALID_OPTIONS') ||
        isTagCacheError(error, 'E_INVALID_VALUE')
      ) {
        return send(res, 400, { error: error.message })
      }
      send(res, 500, { error: error instanceof Error ? error.message : String(error) })
    })
  })
  // Loopback only: the playground is a local tool, not something to expose on a network.
  server.listen(options.port ?? 0, '127.0.0.1')
  try {
    await once(server, 'listening')
  } catch (error) {
    clearInterval(sampler)
    await cache.close()
    throw error
  }
  port = (server.address() as AddressInfo).port

  let closing: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${port}/`,
    cache,
    close: () => {
      closing ??= (async () => {
        clearInterval(sampler)
        await stopTraffic()
        const closed = once(server, 'close')
        server.close()
        // The page's keep-alive connection would otherwise hold the server open.
        server.closeAllConnections()
        await closed
        await cache.close()
      })()
      return closing
    },
  }
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body)
  if (!result.success) throw new HttpError(400, `invalid request: ${describeIssues(result.error)}`)
  return result.data
}

function allow(req: IncomingMessage, method: 'GET' | 'POST') {
  const ok = req.method === method || (method === 'GET' && req.method === 'HEAD')
  if (!ok) throw new HttpError(405, `${req.method} is not allowed here; expected ${method}`)
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  // Only JSON: a form on another site cannot send it without the browser asking first (CORS).
  const type = req.headers['content-type'] ?? ''
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'expected a JSON body (content-type: application/json)')
  }
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY)
      throw new HttpError(413, `body too large; expected at most ${MAX_BODY} bytes`)
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  try {
    return JSON.parse(text === '' ? '{}' : text)
  } catch (error) {
    throw new HttpError(400, `invalid JSON body: ${(error as Error).message}`)
  }
}

function send(res: ServerResponse, status: number, body: unknown) {
  if (res.headersSent) return void res.end()
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    })
    .end(JSON.stringify(body))
}

function latencyView(latency: { count: number; p50: number; p99: number }): LatencyView {
  return { count: latency.count, p50: latency.p50, p99: latency.p99 }
}

function point(s: MetricsSnapshot, seconds: number): SeriesPoint {
  let calls = 0
  for (const op of Object.values(s.operations)) calls += op.calls
  const reads = s.hits + s.misses
  const get = s.operations.get?.latency
  return {
    t: Date.now(),
    ops: Math.round(calls / seconds),
    hits: s.hits,
    misses: s.misses,
    hitRatio: reads === 0 ? null : s.hits / reads,
    getP99: get && get.count > 0 ? get.p99 : null,
  }
}
