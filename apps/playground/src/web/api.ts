// The web view's JSON API: request bodies, validated with zod, and the state the page polls.
import { parseTtl } from '@tagcache/core'
import { z } from 'zod'

const key = z
  .string({ error: 'expected a string' })
  .min(1, { error: 'expected a non-empty string' })
  .max(512, { error: 'expected at most 512 characters' })

const tag = z
  .string({ error: 'expected a string' })
  .min(1, { error: 'expected a non-empty tag' })
  .max(256, { error: 'expected at most 256 characters' })

const ttl = z
  .union([z.string(), z.number()], {
    error: "expected milliseconds (a number) or a duration string like '30s' or '2h30m'",
  })
  .superRefine((value, ctx) => {
    try {
      if (parseTtl(value) === 0) ctx.addIssue({ code: 'custom', message: 'expected more than 0' })
    } catch (error) {
      // parseTtl's own message says what a ttl may be; the prefix is for the library's users.
      ctx.addIssue({
        code: 'custom',
        message: String((error as Error).message).replace(/^\[.*?\] \[.*?\] /, ''),
      })
    }
  })

/** `POST /api/set`: writes `value` under `key` with `tags` and an optional `ttl`. */
export const setRequest = z.strictObject({
  key,
  // The body is parsed JSON, so any value present is one; only a missing one is refused.
  value: z.unknown().refine((value) => value !== undefined, { error: 'expected a JSON value' }),
  tags: z.array(tag, { error: 'expected an array of strings' }).max(32).default([]),
  ttl: ttl.optional(),
})

/** `POST /api/get`: reads `key`. */
export const getRequest = z.strictObject({ key })

/** `POST /api/invalidate`: invalidates every tag of `tags` (at least one). */
export const invalidateRequest = z.strictObject({
  tags: z
    .array(tag, { error: 'expected an array of strings' })
    .min(1, { error: 'expected at least one tag' })
    .max(32),
})

/** `POST /api/traffic`: starts (`running: true`) or stops the traffic loop. */
export const trafficRequest = z.strictObject({
  running: z.boolean({ error: 'expected true or false' }),
})

/** `POST /api/reset`: zeroes the counters, the latencies and the chart. */
export const resetRequest = z.strictObject({})

/** The issues of a failed parse, one `path: message` each, joined: the body of a 400. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ')
}

/** Latency percentiles of one operation, in milliseconds. */
export interface LatencyView {
  count: number
  p50: number
  p99: number
}

/** One point of the chart: the last second. */
export interface SeriesPoint {
  /** Milliseconds since the epoch, at the end of the second. */
  t: number
  /** Cache operations per second. */
  ops: number
  hits: number
  misses: number
  /** `hits / (hits + misses)` within the second; null without reads. */
  hitRatio: number | null
  /** p99 of `get` within the second, in ms; null without gets. */
  getP99: number | null
}

/** One store the playground can run on, as the page lists them. */
export interface StoreChoice {
  name: 'memory' | 'ioredis' | 'node-redis'
  /** The store of this run. */
  inUse: boolean
  /** Whether it can be picked on this machine as configured (a Redis store needs a Redis URL). */
  available: boolean
  /** What it is, or what to do to use it. */
  note: string
}

/** What a store layer (e.g. the near cache) reports beside the cache's own counters. */
export interface LayerState {
  /** The layer's counters and flags, e.g. `{ hits: 3, misses: 1, healthy: true }`. */
  counters: Record<string, number | boolean>
  /** Latencies of the layer's reads by where they were answered, e.g. `near hit` and `Redis`. */
  latency: Record<string, LatencyView>
}

/** `GET /api/state`: everything the page shows. */
export interface WebState {
  store: {
    /** `store.name` of the store in use, e.g. `memory`, after any layers. */
    name: string
    /** The Redis server, password masked; absent on the memory store. */
    url?: string
    serializer: string
    namespace: string
    /** The bound of the namespace, e.g. `lru:1000`; null when unbounded. */
    policy: string | null
    /** Layers over the base store, outermost last (e.g. the near cache once it exists). */
    layers: string[]
  }
  choices: StoreChoice[]
  totals: {
    hits: number
    misses: number
    hitRatio: number
    sets: number
    invalidations: number
    evictions: number
    errors: number
    operations: number
  }
  latency: Partial<Record<'get' | 'set' | 'invalidate' | 'wrap', LatencyView>>
  /** The state of each layer that reports one (see `StoreLayer.state`), innermost first. */
  layers: Array<{ name: string } & LayerState>
  traffic: { running: boolean; line: string | null }
  series: SeriesPoint[]
}
