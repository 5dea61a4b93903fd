// @ts-check
/**
 * Throwaway `redis-server` processes for the Redis adapters' test suites: one
 * standalone server ({@link startRedis}) or a Redis Cluster ({@link startCluster}),
 * each on free loopback ports, in its own temp directory, with persistence off.
 *
 * Every process started here is tracked in a module-level set and killed
 * (SIGKILL) when this process exits or receives SIGINT/SIGTERM, so a failing or
 * interrupted test run leaves nothing running. A small watchdog child
 * (watchdog.js) also kills them if this process is SIGKILLed, which vitest does
 * to its workers when the vitest main process dies. The children are
 * `unref()`ed, so a forgotten server never keeps the event loop alive on its own.
 *
 * @module
 */
import { execFile, spawn } from 'node:child_process'
import { accessSync, constants, readFileSync, rmSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stripVTControlCharacters } from 'node:util'
import { startProxy } from './proxy.js'

const HOST = '127.0.0.1'
/** Attempts per process when its port turns out to be taken (EADDRINUSE). */
const PORT_ATTEMPTS = 5
/** How long a single server may take to answer PING. */
const READY_TIMEOUT_MS = 10_000
/** How long a cluster may take to report `cluster_state:ok` on every node. */
const CLUSTER_TIMEOUT_MS = 20_000
/** Grace period between SIGTERM and SIGKILL in `stop()`. */
const KILL_GRACE_MS = 2_000
const POLL_MS = 25

const NOT_FOUND =
  'redis-server not found on PATH; install it (Debian/Ubuntu: apt-get install -y redis-server) or set REDIS_URL to an external server'
const CLI_NOT_FOUND =
  'redis-cli not found on PATH; install it (Debian/Ubuntu: apt-get install -y redis-server, which ships redis-cli) or set REDIS_URL to an external server'

// ---------------------------------------------------------------------------
// Public helpers
// ---------------------------------------------------------------------------

/**
 * The external Redis server tests should use instead of starting one: the
 * `REDIS_URL` environment variable, or `undefined` when it is unset or blank.
 *
 * @returns {string | undefined}
 */
export function redisUrlFromEnv() {
  const url = process.env.REDIS_URL?.trim()
  return url ? url : undefined
}

/**
 * The absolute path of the `redis-server` executable found on `PATH`, or
 * `undefined` when there is none.
 *
 * @returns {string | undefined}
 */
export function findRedisServer() {
  return findExecutable('redis-server')
}

/**
 * @param {string} name
 * @returns {string | undefined}
 */
function findExecutable(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = resolve(dir, name)
    try {
      if (!statSync(candidate).isFile()) continue
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here (or not executable): keep looking
    }
  }
  return undefined
}

// ---------------------------------------------------------------------------
// Process tracking and cleanup
// ---------------------------------------------------------------------------

/**
 * @typedef {object} Tracked
 * @property {import('node:child_process').ChildProcess} child
 * @property {string} dir
 */

/** Every redis-server started and not yet fully stopped (process + temp dir). */
/** @type {Set<Tracked>} */
const live = new Set()
/** Ports handed out by this module and still in use, so concurrent starts never share one. */
/** @type {Set<number>} */
const reservedPorts = new Set()
let handlersInstalled = false

/**
 * Synchronous last-resort cleanup: SIGKILL every live server, then remove the
 * temp dirs (all kills first: the process may itself be SIGKILLed any moment).
 */
function killAllSync() {
  for (const entry of live) {
    if (isRunning(entry.child)) {
      try {
        entry.child.kill('SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  for (const entry of live) {
    try {
      rmSync(entry.dir, { recursive: true, force: true })
    } catch {
      // best effort
    }
  }
  live.clear()
}

function onExit() {
  killAllSync()
}

/** @param {NodeJS.Signals} signal */
function onSignal(signal) {
  killAllSync()
  uninstallHandlers()
  // Our listener replaced Node's default "terminate on signal" behaviour. If
  // nobody else handles the signal, restore it by re-raising the signal.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

function installHandlers() {
  if (handlersInstalled) return
  handlersInstalled = true
  process.on('exit', onExit)
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}

function uninstallHandlers() {
  if (!handlersInstalled) return
  handlersInstalled = false
  process.off('exit', onExit)
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
}

/** @param {Tracked} entry */
function track(entry) {
  live.add(entry)
  installHandlers()
}

/** @param {Tracked} entry */
function untrack(entry) {
  live.delete(entry)
  if (live.size === 0) uninstallHandlers()
}

/** @type {import('node:child_process').ChildProcess | undefined} */
let watchdog

/**
 * Tells the watchdog process (started on first use) about a server to kill if
 * this process dies without cleaning up, or that it is gone.
 *
 * @param {{ type: 'watch', pid: number, dir: string } | { type: 'unwatch', pid: number }} message
 */
function notifyWatchdog(message) {
  if (!watchdog?.connected) {
    if (message.type === 'unwatch') return
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./watchdog.js', import.meta.url))],
      {
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
        env: { ...process.env, NODE_OPTIONS: undefined },
      },
    )
    // It must never keep this process alive; losing it only loses the backstop.
    child.unref()
    child.channel?.unref()
    child.on('error', () => {})
    watchdog = child
  }
  watchdog.send(message, () => {})
}

/** @param {import('node:child_process').ChildProcess} child */
function isRunning(child) {
  return child.exitCode === null && child.signalCode === null
}

// ---------------------------------------------------------------------------
// Ports and a minimal RESP client
// ---------------------------------------------------------------------------

/**
 * A port the OS considers free on 127.0.0.1 right now (bind to port 0, read it
 * back, close), skipping ports this module already handed out.
 *
 * @returns {Promise<number>}
 */
async function freePort() {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise((resolvePort, reject) => {
      const server = createServer()
      server.unref()
      server.once('error', reject)
      server.listen(0, HOST, () => {
        const address = server.address()
        const found = typeof address === 'object' && address ? address.port : 0
        server.close(() => resolvePort(found))
      })
    })
    if (port && !reservedPorts.has(port)) {
      reservedPorts.add(port)
      return port
    }
  }
  throw new Error('could not find a free port on 127.0.0.1')
}

/**
 * Sends one command over a fresh connection and returns the reply of a simple
 * type (simple string, error, integer or bulk string) as a string.
 *
 * @param {number} port
 * @param {string[]} args
 * @param {number} [timeoutMs]
 * @param {string} [host]
 * @returns {Promise<string>}
 */
function command(port, args, timeoutMs = 1_000, host = HOST) {
  return new Promise((resolveReply, reject) => {
    const socket = createConnection({ host, port })
    let buffer = Buffer.alloc(0)
    /** @param {Error | undefined} err @param {string} [reply] */
    const finish = (err, reply) => {
      socket.destroy()
      if (err) reject(err)
      else resolveReply(reply ?? '')
    }
    socket.setTimeout(timeoutMs, () => finish(new Error(`${args[0]} timed out on port ${port}`)))
    socket.once('error', (err) => finish(err))
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk])
      const end = buffer.indexOf('\r\n')
      if (end === -1) return
      const type = String.fromCharCode(buffer[0] ?? 0)
      const line = buffer.subarray(1, end).toString('utf8')
      if (type === '+' || type === ':') return finish(undefined, line)
      if (type === '-') return finish(new Error(line))
      if (type === '$') {
        const length = Number(line)
        if (length < 0) return finish(undefined, '')
        if (buffer.length < end + 2 + length + 2) return // wait for the rest
        return finish(undefined, buffer.subarray(end + 2, end + 2 + length).toString('utf8'))
      }
      finish(new Error(`unexpected reply type ${JSON.stringify(type)} to ${args[0]}`))
    })
    socket.write(
      `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
    )
  })
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// ---------------------------------------------------------------------------
// One redis-server process
// ---------------------------------------------------------------------------

/**
 * @typedef {object} Node
 * @property {number} port
 * @property {() => Promise<void>} stop
 */

/**
 * Starts one redis-server and waits until it answers PING, retrying on a fresh
 * port when the chosen one was taken in the meantime.
 *
 * @param {string} executable
 * @param {readonly string[]} userArgs extra `--option value` arguments
 * @param {boolean} cluster
 * @returns {Promise<Node>}
 */
async function startNode(executable, userArgs, cluster) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    // The cluster bus defaults to port + 10000, which can be taken or exceed
    // 65535 for an ephemeral port, so it gets a free port of its own.
    const busPort = cluster ? await freePort() : undefined
    const releasePorts = () => {
      reservedPorts.delete(port)
      if (busPort !== undefined) reservedPorts.delete(busPort)
    }
    const dir = await mkdtemp(join(tmpdir(), 'tagcache-redis-'))
    const logFile = join(dir, 'redis.log')
    const args = [
      '--save',
      '',
      '--appendonly',
      'no',
      // Replicas start their first sync at once instead of after 5 s.
      '--repl-diskless-sync-delay',
      '0',
      ...userArgs,
      ...(cluster
        ? [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--cluster-node-timeout',
            '5000',
            '--cluster-port',
            String(busPort),
          ]
        : []),
      // Last, so that `userArgs` cannot override them.
      '--bind',
      HOST,
      '--port',
      String(port),
      '--daemonize',
      'no',
      '--dir',
      dir,
      '--logfile',
      logFile,
    ]
    const child = spawn(executable, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    /** @type {Tracked} */
    const entry = { child, dir }
    track(entry)
    const pid = child.pid
    if (pid !== undefined) {
      notifyWatchdog({ type: 'watch', pid, dir })
      child.once('exit', () => notifyWatchdog({ type: 'unwatch', pid }))
    }
    let stderr = ''
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk) => {
      if (stderr.length < 8_192) stderr += chunk
    })
    /** @type {Promise<void>} */
    const exited = new Promise((r) => {
      if (!isRunning(child)) return r()
      child.once('exit', () => r())
      // A spawn failure (no pid) may emit 'error' without 'exit'.
      child.once('error', () => {
        if (child.pid === undefined) r()
      })
    })
    /** @type {Error | undefined} */
    let spawnError
    child.once('error', (err) => {
      spawnError = err
    })
    // Neither the process nor its stderr pipe keep the event loop alive.
    child.unref()
    const stderrPipe = /** @type {import('node:net').Socket | null} */ (child.stderr)
    stderrPipe?.unref()

    /** @type {Promise<void> | undefined} */
    let stopping
    const stop = () => {
      stopping ??= (async () => {
        if (isRunning(child) && child.pid !== undefined) {
          child.ref() // keep the loop alive until it is really gone
          child.kill('SIGTERM')
          const timer = setTimeout(() => {
            if (isRunning(child)) child.kill('SIGKILL')
          }, KILL_GRACE_MS)
          await exited
          clearTimeout(timer)
        }
        untrack(entry)
        releasePorts()
        await rm(dir, { recursive: true, force: true, maxRetries: 3 })
      })()
      return stopping
    }

    try {
      await waitReady(port, () => (isRunning(child) && !spawnError ? undefined : 'exited'))
      return { port, stop }
    } catch (err) {
      const log = readTail(logFile)
      await stop()
      const details = [spawnError?.message, stderr.trim(), log].filter(Boolean).join('\n')
      if (/Address already in use/i.test(details) && attempt < PORT_ATTEMPTS) continue
      const reason = err instanceof Error ? err.message : String(err)
      throw new Error(
        `redis-server on port ${port} did not start (${reason})${details ? `:\n${details}` : ''}`,
      )
    }
  }
}

/**
 * @param {number} port
 * @param {() => string | undefined} failed returns a reason once the process died
 */
async function waitReady(port, failed) {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    const reason = failed()
    if (reason) throw new Error(reason)
    try {
      if ((await command(port, ['PING'])) === 'PONG') return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`no PONG within ${READY_TIMEOUT_MS} ms`)
    await sleep(POLL_MS)
  }
}

/** @param {string} file */
function readTail(file) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n')
  } catch {
    return ''
  }
}

function requireRedisServer() {
  const executable = findRedisServer()
  if (!executable) throw new Error(NOT_FOUND)
  return executable
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/**
 * @typedef {import('./index.d.ts').RedisServer} RedisServer
 * @typedef {import('./index.d.ts').RedisCluster} RedisCluster
 * @typedef {import('./index.d.ts').StartRedisOptions} StartRedisOptions
 * @typedef {import('./index.d.ts').StartClusterOptions} StartClusterOptions
 */

/**
 * Starts a standalone redis-server on a free 127.0.0.1 port, with persistence
 * off and a temp `--dir`, and resolves once it answers PING.
 *
 * @param {StartRedisOptions} [options]
 * @returns {Promise<RedisServer>}
 */
export async function startRedis(options = {}) {
  const executable = requireRedisServer()
  const node = await startNode(executable, options.args ?? [], false)
  return {
    host: HOST,
    port: node.port,
    url: `redis://${HOST}:${node.port}`,
    stop: node.stop,
  }
}

/**
 * Starts `masters * (1 + replicas)` cluster-enabled redis-servers, joins them
 * with `redis-cli --cluster create`, and resolves once every node reports
 * `cluster_state:ok`, knows every other node, and every replica's link to its
 * master is up.
 *
 * @param {StartClusterOptions} [options]
 * @returns {Promise<RedisCluster>}
 */
export async function startCluster(options = {}) {
  const { masters = 3, replicas = 0, args = [] } = options
  if (!Number.isInteger(masters) || masters < 3) {
    throw new RangeError(`masters must be an integer >= 3 (Redis Cluster minimum), got ${masters}`)
  }
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new RangeError(`replicas must be an integer >= 0, got ${replicas}`)
  }
  const executable = requireRedisServer()
  const cli = findExecutable('redis-cli')
  if (!cli) throw new Error(CLI_NOT_FOUND)

  const total = masters * (1 + replicas)
  const started = await Promise.allSettled(
    Array.from({ length: total }, () => startNode(executable, args, true)),
  )
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()))
  }

  try {
    const failure = started.find((r) => r.status === 'rejected')
    if (failure) throw failure.reason
    await createCluster(
      cli,
      nodes.map((n) => n.port),
      replicas,
    )
    await waitClusterOk(
      nodes.map((n) => n.port),
      total,
    )
  } catch (err) {
    await stop()
    throw err
  }

  return {
    nodes: nodes.map((n) => ({ host: HOST, port: n.port })),
    urls: nodes.map((n) => `redis://${HOST}:${n.port}`),
    stop,
  }
}

/**
 * @param {string} cli
 * @param {number[]} ports
 * @param {number} replicas
 * @returns {Promise<void>}
 */
function createCluster(cli, ports, replicas) {
  const args = [
    '--cluster',
    'create',
    ...ports.map((p) => `${HOST}:${p}`),
    '--cluster-replicas',
    String(replicas),
    '--cluster-yes',
  ]
  return new Promise((resolveCreate, reject) => {
    execFile(cli, args, { timeout: CLUSTER_TIMEOUT_MS }, (err, stdout, stderr) => {
      const output = stripVTControlCharacters(`${stdout}${stderr}`).trim()
      if (err || /\[ERR\]|^ERR/m.test(output)) {
        reject(new Error(`redis-cli --cluster create failed: ${err?.message ?? ''}\n${output}`))
      } else {
        resolveCreate()
      }
    })
  })
}

/**
 * @param {number[]} ports
 * @param {number} total
 */
async function waitClusterOk(ports, total) {
  const deadline = Date.now() + CLUSTER_TIMEOUT_MS
  let last = ''
  for (;;) {
    const states = await Promise.all(ports.map((port) => nodeReady(port, total)))
    const notReady = states.filter((s) => s !== 'ok')
    if (notReady.length === 0) return
    last = notReady.join('; ')
    if (Date.now() > deadline) {
      throw new Error(`cluster not ready after ${CLUSTER_TIMEOUT_MS} ms: ${last}`)
    }
    await sleep(100)
  }
}

/**
 * `'ok'`, or why the node at `port` is not ready yet.
 *
 * @param {number} port
 * @param {number} total
 * @returns {Promise<string>}
 */
async function nodeReady(port, total) {
  try {
    const info = parseInfo(await command(port, ['CLUSTER', 'INFO']))
    if (info.cluster_state !== 'ok') return `${port}: cluster_state:${info.cluster_state}`
    if (Number(info.cluster_known_nodes) !== total) {
      return `${port}: cluster_known_nodes:${info.cluster_known_nodes}/${total}`
    }
    const replication = parseInfo(await command(port, ['INFO', 'replication']))
    if (replication.role === 'slave' && replication.master_link_status !== 'up') {
      return `${port}: master_link_status:${replication.master_link_status}`
    }
    return 'ok'
  } catch (err) {
    return `${port}: ${err instanceof Error ? err.message : String(err)}`
  }
}

/** @param {string} text `key:value` lines as returned by INFO / CLUSTER INFO */
function parseInfo(text) {
  /** @type {Record<string, string>} */
  const fields = {}
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1)
  }
  return fields
}

/**
 * Runs `fn` while a MONITOR connection watches the server, and returns the
 * names (lower case) of the commands clients sent meanwhile, leaving out the
 * commands scripts ran inside Redis. Counting them is how tests hold a
 * round-trip budget.
 *
 * @param {{ host?: string, port: number }} server
 * @param {() => Promise<unknown>} fn
 * @returns {Promise<string[]>}
 */
export async function commandsSent(server, fn) {
  const socket = createConnection({ host: server.host ?? '127.0.0.1', port: server.port })
  socket.setEncoding('utf8')
  /** @type {string[]} */
  const commands = []
  let buffer = ''
  let ready = /** @type {() => void} */ (() => {})
  const started = new Promise((resolve) => {
    ready = () => resolve(undefined)
  })
  socket.on('data', (chunk) => {
    buffer += chunk
    let newline = buffer.indexOf('\r\n')
    while (newline !== -1) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 2)
      if (line === '+OK') ready()
      // +1700000000.123456 [0 127.0.0.1:5555] "evalsha" "..."   (scripts: [0 lua])
      const match = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line)
      if (match && match[1] !== 'lua') commands.push(String(match[2]).toLowerCase())
      newline = buffer.indexOf('\r\n')
    }
  })
  socket.write('MONITOR\r\n')
  await started
  try {
    await fn()
    await new Promise((resolve) => setTimeout(resolve, 100))
  } finally {
    socket.destroy()
  }
  return commands
}

/** @typedef {import('./index.d.ts').TcpProxy} TcpProxy */

export { startProxy }

/** How long a client may take to notice a cut, or to reconnect after it. */
const OUTAGE_TIMEOUT_MS = 30_000

/**
 * Begins an outage for clients connected through `proxies` (one, or one per
 * cluster node): cuts them all at once, and resolves once `ready()` (the
 * clients' own view, or a probe that resolves to it) turns false. The
 * returned `restore()` lets connections through and resolves once `ready()`
 * is true.
 *
 * @param {TcpProxy | readonly TcpProxy[]} proxies
 * @param {() => boolean | Promise<boolean>} ready
 * @returns {Promise<{ restore(): Promise<void> }>}
 */
export async function outage(proxies, ready) {
  const all = Array.isArray(proxies) ? proxies : [proxies]
  await Promise.all(all.map((proxy) => proxy.cut()))
  await until(async () => !(await ready()), 'the clients to notice the cut')
  return {
    async restore() {
      for (const proxy of all) proxy.restore()
      await until(ready, 'the clients to reconnect')
    },
  }
}

/**
 * @param {() => boolean | Promise<boolean>} condition
 * @param {string} what
 */
async function until(condition, what) {
  const deadline = Date.now() + OUTAGE_TIMEOUT_MS
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`waited ${OUTAGE_TIMEOUT_MS} ms for ${what}`)
    await sleep(POLL_MS)
  }
}

/**
 * The external Redis Cluster tests should use instead of starting one: the
 * comma-separated node URLs in `REDIS_CLUSTER_URL` (one seed node is enough),
 * or `undefined` when it is unset or blank.
 *
 * @returns {string[] | undefined}
 */
export function redisClusterUrlsFromEnv() {
  const urls = (process.env.REDIS_CLUSTER_URL ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean)
  return urls.length > 0 ? urls : undefined
}

/**
 * The vitest `globalSetup` files that start one standalone server (or use
 * `REDIS_URL`) and, with `cluster: true`, one Redis Cluster (or use
 * `REDIS_CLUSTER_URL`) for a package's whole test run, instead of one per test
 * file. Test files read them with `sharedRedis()` and `sharedCluster()` from
 * `@tagcache/redis-harness/vitest`.
 *
 * @param {{ cluster?: boolean }} [options]
 * @returns {string[]}
 */
export function redisGlobalSetup(options = {}) {
  const file = (/** @type {string} */ name) =>
    fileURLToPath(new URL(`./global-setup/${name}.js`, import.meta.url))
  return options.cluster ? [file('standalone'), file('cluster')] : [file('standalone')]
}

/**
 * The standalone server tests should use: the external one named by
 * `REDIS_URL` when set (never stopped, never flushed: tests isolate
 * themselves by key prefix or namespace), otherwise a throwaway server from
 * {@link startRedis}.
 *
 * @returns {Promise<{ url: string, external: boolean, stop(): Promise<void> }>}
 */
export async function redisForTests() {
  const external = redisUrlFromEnv()
  if (external !== undefined) return { url: external, external: true, stop: async () => {} }
  const server = await startRedis()
  return { url: server.url, external: false, stop: () => server.stop() }
}

/**
 * The Store contract harness's direct-access hooks (`dropTagVersion`,
 * `corruptTagVersion`) for a Redis store, over `send`, a function that sends
 * one raw command with the adapter's own client (each driver spells that
 * differently). `prefix` is the store's key prefix.
 *
 * @param {(args: (string | Buffer)[]) => Promise<unknown>} send
 * @param {string} [prefix]
 */
export function rawKeyHooks(send, prefix = 'tagcache:') {
  return {
    /** @param {string} tagId */
    async dropTagVersion(tagId) {
      await send(['DEL', prefix + tagId])
    },
    /**
     * A stray write from another program under a version key.
     * @param {string} tagId
     * @param {'bytes' | 'type'} kind
     */
    async corruptTagVersion(tagId, kind) {
      const key = prefix + tagId
      if (kind === 'bytes') {
        await send(['SET', key, Buffer.from([0xff, 0x00, 0x41, 0x20])])
      } else {
        await send(['DEL', key])
        await send(['HSET', key, 'not', 'a version'])
      }
    },
    /**
     * How many entry ids each shard of the bounded cache `id` indexes (ZCARD
     * of `<prefix>{<id>:<shard>}#i`, the Redis stores' layout).
     * @param {string} id
     * @param {number} shards
     */
    async boundedIndexSizes(id, shards) {
      const sizes = await Promise.all(
        Array.from({ length: shards }, (_, s) => send(['ZCARD', `${prefix}{${id}:${s}}#i`])),
      )
      return sizes.map(Number)
    },
  }
}

/**
 * A proxy (see startProxy) in front of the Redis at `url`, and the URL that
 * reaches Redis through it, for clients an outage test will cut off.
 *
 * @param {string} url
 */
export async function proxyFor(url) {
  const direct = new URL(url)
  const proxy = await startProxy({ host: direct.hostname, port: Number(direct.port) })
  const via = new URL(url)
  via.host = `${proxy.host}:${proxy.port}`
  return { proxy, url: via.toString() }
}

/**
 * A proxy (see startProxy) in front of every node of the Redis Cluster that
 * `seeds` belong to (the seeds and every node their `CLUSTER NODES` lists),
 * for cluster clients an outage test will cut off.
 *
 * @param {readonly { host: string, port: number }[]} seeds
 */
export async function proxiesForCluster(seeds) {
  const first = seeds[0]
  if (first === undefined) throw new RangeError('proxiesForCluster() needs at least one seed node')
  const listed = await command(first.port, ['CLUSTER', 'NODES'], 5_000, first.host)
  /** @type {Map<string, { host: string, port: number }>} */
  const nodes = new Map(seeds.map((node) => [`${node.host}:${node.port}`, node]))
  // `<id> <ip>:<port>@<bus-port>[,<hostname>] <flags> ...`; a node without an address shows `:0`.
  for (const line of listed.split('\n')) {
    const address = line.split(' ')[1]?.split('@')[0] ?? ''
    const colon = address.lastIndexOf(':')
    const [host, port] = [address.slice(0, colon), Number(address.slice(colon + 1))]
    if (host !== '' && port > 0) nodes.set(`${host}:${port}`, { host, port })
  }
  const proxies = await Promise.all(
    [...nodes].map(async ([address, node]) => ({ address, proxy: await startProxy(node) })),
  )
  return {
    proxies: proxies.map(({ proxy }) => proxy),
    seeds: proxies.map(({ proxy }) => ({ host: proxy.host, port: proxy.port })),
    addressMap: Object.fromEntries(
      proxies.map(({ address, proxy }) => [address, { host: proxy.host, port: proxy.port }]),
    ),
    async close() {
      await Promise.all(proxies.map(({ proxy }) => proxy.close()))
    },
  }
}
