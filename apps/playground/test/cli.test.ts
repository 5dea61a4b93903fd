import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseCli } from '../src/cli.ts'
import { closedPort } from './closed-port.ts'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))

function playground(...args: string[]) {
  const result = spawnSync(process.execPath, [main, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** One line on stderr, starting `[playground]`, with no stack frame and no driver noise. */
function expectOneLine(stderr: string): string {
  expect(stderr).toMatch(/^\[playground\] [^\n]+\n$/)
  expect(stderr).not.toMatch(/\n\s+at /)
  return stderr.trimEnd()
}

describe('playground command line', () => {
  it.each([
    [['--bogus'], 'unknown flag --bogus; run with -h for the flags'],
    [['-x'], 'unknown flag -x; run with -h for the flags'],
    [['--store'], '--store needs a value; run with -h for the flags'],
    [['--store', '--serializer', 'json'], '--store needs a value'],
    [['--duration', '-1'], 'invalid --duration "-1"; expected seconds, more than 0'],
    [['--metrics-port', '0', '--duration', '-1'], 'invalid --duration "-1"'],
    [['--duration', '5'], '--duration only applies with --metrics-port'],
    [['--metrics-port', 'abc'], 'invalid --metrics-port "abc"; expected 0 to 65535'],
    [['--metrics-port', '0', '--duration', '0'], 'invalid --duration "0"'],
    [['--metrics-port', '70000'], 'invalid --metrics-port "70000"; expected 0 to 65535'],
    [['--store', 'mongo'], 'unknown --store "mongo"; expected memory, ioredis or node-redis'],
    [['--serializer', 'xml'], 'unknown --serializer "xml"; expected json, superjson, msgpack or'],
    [
      ['--store', 'ioredis', '--redis-url', 'localhost:6379'],
      'invalid --redis-url "localhost:6379"',
    ],
    [['--redis-url', 'redis://127.0.0.1:1'], '--redis-url only applies with --store ioredis'],
    [['--help=yes'], '--help takes no value'],
    [['memory'], 'unexpected argument "memory"; run with -h for the flags'],
    [['--port', '8080'], '--port only applies with --web'],
    [['--policy', 'lru:10'], '--policy only applies with --web'],
    [['--web', '--metrics-port', '0'], '--web and --metrics-port cannot be combined'],
    [['--web', '--port', 'x'], 'invalid --port "x"; expected 0 to 65535 (0 picks a free port)'],
    [['--web', '--port', '65536'], 'invalid --port "65536"'],
    [
      ['--web', '--policy', 'lru'],
      'invalid --policy "lru"; expected <name>:<maxSize>, e.g. lru:1000',
    ],
    [['--web', '--policy', 'arc:10'], 'with a name among lru, lfu, fifo, mru, rr, tlru, tinyLfu'],
    [['--web', '--policy', 'lru:0'], 'invalid --policy "lru:0"'],
    [['--web', '--policy', 'lru:1e3'], 'invalid --policy "lru:1e3"'],
    [['--web=yes'], '--web takes no value'],
    [['--near'], '--near only applies with --web (the printed demo has a near-cache step'],
    [['--web', '--near'], '--near needs a Redis store: add --store ioredis or --store node-redis'],
    [['--web', '--store', 'ioredis', '--near=1'], '--near takes no value'],
  ])('%j is a usage error: exit 2 and one line saying what was wrong', (args, message) => {
    const result = playground(...args)
    expect(result.status).toBe(2)
    expect(expectOneLine(result.stderr)).toContain(message)
    expect(result.stdout).toBe('')
  })

  it('-h prints the flags and exits 0', () => {
    const result = playground('-h')
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    const flags = [
      '--store',
      '--redis-url',
      '--serializer',
      '--metrics-port',
      '--duration',
      '--web',
    ]
    for (const flag of [...flags, '--port', '--policy', '--near']) {
      expect(result.stdout).toContain(`\n  ${flag} `)
    }
    expect(result.stdout).toContain('The printed demo ends with a near-cache step')
  })

  it('takes the flags after the `--` that `pnpm demo -- ...` passes on', () => {
    const result = playground('--', '--bogus')
    expect(result.status).toBe(2)
    expect(expectOneLine(result.stderr)).toContain('unknown flag --bogus')
    expect(playground('--', '-h').status).toBe(0)
  })

  for (const store of ['ioredis', 'node-redis']) {
    it(`--store ${store} with no Redis listening: exit 1, naming the URL and what to do`, async () => {
      const port = await closedPort()
      const url = `redis://127.0.0.1:${port}`
      const result = playground('--store', store, '--redis-url', url)
      expect(result.status).toBe(1)
      const line = expectOneLine(result.stderr)
      expect(line).toContain(`cannot connect to Redis at ${url} (connect ECONNREFUSED`)
      expect(line).toContain(`start one with \`redis-server --port ${port}\``)
      expect(line).toContain('or run with --store memory')
      expect(result.stdout).toBe('')
    })
  }

  it('never prints the password of --redis-url', async () => {
    const port = await closedPort()
    const result = playground(
      '--store',
      'ioredis',
      '--redis-url',
      `redis://app:s3cret@127.0.0.1:${port}`,
    )
    expect(result.status).toBe(1)
    expect(expectOneLine(result.stderr)).toContain(`redis://app:***@127.0.0.1:${port}`)
    expect(result.stderr).not.toContain('s3cret')
  })
})

describe('parseCli and REDIS_URL', () => {
  const env = { REDIS_URL: 'redis://10.0.0.1:6380' }
  it('--web takes the Redis URL from REDIS_URL unless --redis-url is given', () => {
    expect(parseCli(['--web', '--store', 'ioredis'], env)).toMatchObject({
      web: true,
      port: 0,
      redisUrl: 'redis://10.0.0.1:6380',
      redisUrlSource: 'env',
    })
    expect(
      parseCli(['--web', '--store', 'ioredis', '--redis-url', 'redis://127.0.0.1:7000'], env),
    ).toMatchObject({ redisUrl: 'redis://127.0.0.1:7000', redisUrlSource: 'flag' })
    expect(parseCli(['--web'], {})).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      redisUrlSource: 'default',
      policy: undefined,
    })
    expect(parseCli(['--web', '--port', '8080', '--policy', 'tinyLfu:500'], {})).toMatchObject({
      port: 8080,
      policy: { name: 'tinyLfu', maxSize: 500 },
    })
  })

  it('--near with --web and a Redis store', () => {
    expect(parseCli(['--web', '--store', 'node-redis', '--near'], env)).toMatchObject({
      web: true,
      near: true,
      store: 'node-redis',
      redisUrl: 'redis://10.0.0.1:6380',
    })
    expect(parseCli(['--web', '--store', 'ioredis'], env)).toMatchObject({ near: false })
  })

  it('the printed demo keeps its default and ignores REDIS_URL, as before --web', () => {
    expect(parseCli(['--store', 'ioredis'], env)).toMatchObject({
      web: false,
      redisUrl: 'redis://127.0.0.1:6379',
      redisUrlSource: 'default',
    })
  })

  it('a malformed REDIS_URL is named as such', () => {
    expect(() =>
      parseCli(['--web', '--store', 'node-redis'], { REDIS_URL: 'localhost:6379' }),
    ).toThrow('invalid REDIS_URL "localhost:6379"; expected redis://host:port')
  })
})
