import { parseArgs } from 'node:util'

export const usage = `usage: pnpm demo [--store memory|ioredis|node-redis] [--redis-url redis://host:port]
                 [--serializer json|superjson|msgpack|compressed]
                 [--metrics-port <port> [--duration <seconds>]]

  --store <name>         where the cache lives (default memory; ioredis and node-redis need a
                         running Redis)
  --redis-url <url>      with a Redis store: the server (default redis://127.0.0.1:6379)
  --serializer <name>    how values are encoded (default json)
  --metrics-port <port>  after the demo, keep the cache busy and serve Prometheus metrics
                         on http://127.0.0.1:<port>/metrics (0 picks a free port), printing
                         a live stats line every second until Ctrl+C
  --duration <seconds>   with --metrics-port: stop after this many seconds
  -h, --help             print this and exit`

const stores = ['memory', 'ioredis', 'node-redis'] as const
const serializers = ['json', 'superjson', 'msgpack', 'compressed'] as const

export interface PlaygroundOptions {
  help: boolean
  store: (typeof stores)[number]
  redisUrl: string
  serializer: (typeof serializers)[number]
  /** Port of the metrics server; undefined when the demo runs once and exits. */
  metricsPort: number | undefined
  /** Milliseconds of traffic after the demo; undefined for "until a signal". */
  durationMs: number | undefined
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
export function parseCli(argv: readonly string[]): PlaygroundOptions {
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
  for (const token of tokens) {
    if (token.kind === 'positional') {
      throw new UsageError(`unexpected argument ${JSON.stringify(token.value)}`)
    }
    if (token.kind === 'option-terminator') throw new UsageError('unexpected "--"')
    if (!Object.hasOwn(flags, token.name)) throw new UsageError(`unknown flag ${token.rawName}`)
    if (flags[token.name as keyof typeof flags].type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`)
      help = true
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

  const redisUrl = given.get('redis-url') ?? 'redis://127.0.0.1:6379'
  if (!URL.canParse(redisUrl) || !['redis:', 'rediss:'].includes(new URL(redisUrl).protocol)) {
    throw new UsageError(
      `invalid --redis-url ${JSON.stringify(redisUrl)}; expected redis://host:port or rediss://host:port`,
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

  return { help, store, redisUrl, serializer, metricsPort, durationMs }
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
