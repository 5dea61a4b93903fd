import { parseArgs } from 'node:util'

export const usage = `usage: pnpm demo [--store memory|ioredis|node-redis] [--redis-url redis://host:port]
                 [--serializer json|superjson|msgpack|compressed]
                 [--metrics-port <port> [--duration <seconds>]]
                 [--web [--port <port>] [--policy <name>:<maxSize>] [--near]]

  --store <name>         where the cache lives (default memory; ioredis and node-redis need a
                         running Redis)
  --redis-url <url>      with a Redis store: the server (default redis://127.0.0.1:6379)
  --serializer <name>    how values are encoded (default json)
  --metrics-port <port>  after the demo, keep the cache busy and serve Prometheus metrics
                         on http://127.0.0.1:<port>/metrics (0 picks a free port), printing
                         a live stats line every second until Ctrl+C
  --duration <seconds>   with --metrics-port: stop after this many seconds
  --web                  instead of the printed demo, serve a page on http://127.0.0.1:<port>/
                         to set, read and invalidate entries, run a traffic loop and watch hits,
                         misses, hit ratio and latencies live, until Ctrl+C; a Redis store takes
                         REDIS_URL when --redis-url is not given
  --port <port>          with --web: the port (default 0 picks a free one; the URL is printed)
  --policy <name:size>   with --web: bound the namespace to size entries, e.g. lru:1000
                         (lru, lfu, fifo, mru, rr, tlru or tinyLfu, from @tagcache/policies)
  --near                 with --web and a Redis store: wrap the store in a near cache
                         (@tagcache/near) and show its hits, misses, invalidations and health,
                         and get latencies split into near hits and Redis reads
  -h, --help             print this and exit

The printed demo ends with a near-cache step when the store is Redis: a Redis hit next to a
near hit, and another process's invalidate reaching the near cache (@tagcache/near).`

const stores = ['memory', 'ioredis', 'node-redis'] as const
const serializers = ['json', 'superjson', 'msgpack', 'compressed'] as const
/** The eviction policies of @tagcache/policies, by factory name. */
export const policyNames = ['lru', 'lfu', 'fifo', 'mru', 'rr', 'tlru', 'tinyLfu'] as const
const defaultRedisUrl = 'redis://127.0.0.1:6379'

export interface PlaygroundOptions {
  help: boolean
  store: (typeof stores)[number]
  redisUrl: string
  /** Where `redisUrl` came from (REDIS_URL is read with --web only). */
  redisUrlSource: 'flag' | 'env' | 'default'
  serializer: (typeof serializers)[number]
  /** Port of the metrics server; undefined when the demo runs once and exits. */
  metricsPort: number | undefined
  /** Milliseconds of traffic after the demo; undefined for "until a signal". */
  durationMs: number | undefined
  /** `--web`: serve the web view instead of printing the demo. */
  web: boolean
  /** With `web`: the port to listen on (0 picks a free one). */
  port: number
  /** With `web`: the bound of the namespace, e.g. `{ name: 'lru', maxSize: 1000 }`. */
  policy: { name: (typeof policyNames)[number]; maxSize: number } | undefined
  /** With `web` and a Redis store: wrap the store in a near cache. */
  near: boolean
}

/** A mistake in the command line: main prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

const flags = {
  store: { type: 'string' },
  'redis-url': { type: 'string' },
  serializer: { type: 'string' },
  'metrics-port': { type: 'string' },
  duration: { type: 'string' },
  web: { type: 'boolean' },
  near: { type: 'boolean' },
  port: { type: 'string' },
  policy: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/**
 * Reads the playground's command line.
 *
 * parseArgs runs non-strict and the tokens are checked here, so that each mistake gets a message
 * of its own, and so that `--duration -1` reaches the value check (strict parseArgs refuses a
 * value starting with a dash as "ambiguous").
 *
 * @throws UsageError naming the flag and what was expected.
 */
export function parseCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): PlaygroundOptions {
  const args = [...argv]
  // pnpm passes the `--` of `pnpm demo -- --flag` on to the script.
  if (args[0] === '--') args.shift()
  const { tokens } = parseArgs({
    args,
    options: flags,
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  const given = new Map<string, string>()
  let help = false
  let web = false
  let near = false
  for (const token of tokens) {
    if (token.kind === 'positional') {
      throw new UsageError(`unexpected argument ${JSON.stringify(token.value)}`)
    }
    if (token.kind === 'option-terminator') throw new UsageError('unexpected "--"')
    if (!Object.hasOwn(flags, token.name)) throw new UsageError(`unknown flag ${token.rawName}`)
    if (flags[token.name as keyof typeof flags].type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`)
      if (token.name === 'web') web = true
      else if (token.name === 'near') near = true
      else help = true
      continue
    }
    // `--store --redis-url x` is a forgotten value, not a store named "--redis-url".
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
      throw new UsageError(`${token.rawName} needs a value`)
    }
    given.set(token.name, token.value)
  }

  const store = oneOf('store', given.get('store') ?? 'memory', stores)
  const serializer = oneOf('serializer', given.get('serializer') ?? 'json', serializers)

  // The printed demo keeps its historical default; the web view also takes REDIS_URL, as the
  // tests and CI do, so that the page can say which Redis it would use.
  const envUrl = web && env.REDIS_URL ? env.REDIS_URL : undefined
  const redisUrlSource = given.has('redis-url') ? 'flag' : envUrl ? 'env' : 'default'
  const redisUrl = given.get('redis-url') ?? envUrl ?? defaultRedisUrl
  if (!URL.canParse(redisUrl) || !['redis:', 'rediss:'].includes(new URL(redisUrl).protocol)) {
    const source = redisUrlSource === 'env' ? 'REDIS_URL' : '--redis-url'
    throw new UsageError(
      `invalid ${source} ${JSON.stringify(redisUrl)}; expected redis://host:port or rediss://host:port`,
    )
  }
  if (given.has('redis-url') && store === 'memory') {
    throw new UsageError('--redis-url only applies with --store ioredis or node-redis')
  }

  let metricsPort: number | undefined
  const port = given.get('metrics-port')
  if (port !== undefined) {
    if (!/^\d+$/.test(port) || Number(port) > 65_535) {
      throw new UsageError(
        `invalid --metrics-port ${JSON.stringify(port)}; expected 0 to 65535 (0 picks a free port)`,
      )
    }
    metricsPort = Number(port)
  }

  let durationMs: number | undefined
  const duration = given.get('duration')
  if (duration !== undefined) {
    const seconds = Number(duration)
    // The upper bound is what a timer accepts (2^31 - 1 ms, about 24 days).
    if (!(seconds > 0 && seconds * 1000 <= 2 ** 31 - 1)) {
      throw new UsageError(
        `invalid --duration ${JSON.stringify(duration)}; expected seconds, more than 0`,
      )
    }
    if (metricsPort === undefined)
      throw new UsageError('--duration only applies with --metrics-port')
    durationMs = seconds * 1000
  }

  if (web && metricsPort !== undefined) {
    throw new UsageError('--web and --metrics-port cannot be combined; the page shows the metrics')
  }
  let webPort = 0
  const portFlag = given.get('port')
  if (portFlag !== undefined) {
    if (!web) throw new UsageError('--port only applies with --web')
    if (!/^\d+$/.test(portFlag) || Number(portFlag) > 65_535) {
      throw new UsageError(
        `invalid --port ${JSON.stringify(portFlag)}; expected 0 to 65535 (0 picks a free port)`,
      )
    }
    webPort = Number(portFlag)
  }
  let policy: PlaygroundOptions['policy']
  const policyFlag = given.get('policy')
  if (policyFlag !== undefined) {
    if (!web) throw new UsageError('--policy only applies with --web')
    const [name = '', size = ''] = policyFlag.split(':')
    const maxSize = Number(size)
    if (
      !(policyNames as readonly string[]).includes(name) ||
      !/^\d+$/.test(size) ||
      !(maxSize >= 1 && maxSize <= 1_000_000_000)
    ) {
      throw new UsageError(
        `invalid --policy ${JSON.stringify(policyFlag)}; expected <name>:<maxSize>, e.g. lru:1000, with a name among ${policyNames.join(', ')}`,
      )
    }
    policy = { name: name as (typeof policyNames)[number], maxSize }
  }

  if (near) {
    if (!web) {
      throw new UsageError(
        '--near only applies with --web (the printed demo has a near-cache step whenever the store is Redis)',
      )
    }
    if (store === 'memory') {
      throw new UsageError(
        '--near needs a Redis store: add --store ioredis or --store node-redis (and REDIS_URL or --redis-url)',
      )
    }
  }

  return {
    help,
    store,
    redisUrl,
    redisUrlSource,
    serializer,
    metricsPort,
    durationMs,
    web,
    port: webPort,
    policy,
    near,
  }
}

function oneOf<const T extends readonly string[]>(
  flag: string,
  value: string,
  allowed: T,
): T[number] {
  if (allowed.includes(value)) return value
  const expected = `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`
  throw new UsageError(`unknown --${flag} ${JSON.stringify(value)}; expected ${expected}`)
}
