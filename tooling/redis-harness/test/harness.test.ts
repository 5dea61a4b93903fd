import { execFile } from 'node:child_process'
import { createConnection } from 'node:net'
import { promisify } from 'node:util'
import {
  commandsSent,
  findRedisServer,
  outage,
  proxiesForCluster,
  type RedisCluster,
  type RedisServer,
  redisUrlFromEnv,
  startCluster,
  startProxy,
  startRedis,
} from '@tagcache/redis-harness'
import { afterEach, describe, expect, it, vi } from 'vitest'

const run = promisify(execFile)

/** Runs redis-cli against a port and returns its trimmed stdout. */
async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args])
  return stdout.trim()
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
function portIsOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Sends an inline command over a raw socket and returns the first reply line. */
function rawCommand(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let data = ''
    socket.setEncoding('utf8')
    socket.once('error', reject)
    socket.on('data', (chunk) => {
      data += chunk
      const end = data.indexOf('\r\n')
      if (end !== -1) {
        socket.destroy()
        resolve(data.slice(0, end))
      }
    })
    socket.write(`${line}\r\n`)
  })
}

const started: (RedisServer | RedisCluster)[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()))
})

async function server(args?: string[]): Promise<RedisServer> {
  const s = await startRedis(args ? { args } : {})
  started.push(s)
  return s
}

describe('startRedis', () => {
  it('starts a standalone server that answers PING and SET/GET', async () => {
    const s = await server()
    expect(s.host).toBe('127.0.0.1')
    expect(s.port).not.toBe(6379)
    expect(s.url).toBe(`redis://127.0.0.1:${s.port}`)
    expect(await rawCommand(s.port, 'PING')).toBe('+PONG')
    expect(await cli(s.port, 'ping')).toBe('PONG')
    expect(await cli(s.port, 'set', 'greeting', 'hello')).toBe('OK')
    expect(await cli(s.port, 'get', 'greeting')).toBe('hello')
    // persistence is off
    expect(await cli(s.port, '--json', 'config', 'get', 'save')).toBe('{"save":""}')
    expect(await cli(s.port, 'config', 'get', 'appendonly')).toBe('appendonly\nno')
  })

  it('passes extra args to redis-server', async () => {
    const s = await server(['--maxmemory', '10mb'])
    expect(await cli(s.port, 'config', 'get', 'maxmemory')).toBe(`maxmemory\n${10 * 1024 * 1024}`)
  })

  it('stop() stops the server and closes its port, and can be called twice', async () => {
    const s = await server()
    expect(await portIsOpen(s.port)).toBe(true)
    await s.stop()
    expect(await portIsOpen(s.port)).toBe(false)
    await expect(s.stop()).resolves.toBeUndefined()
  })

  it('gives servers started concurrently different ports', async () => {
    const [a, b] = await Promise.all([server(), server()])
    expect(a!.port).not.toBe(b!.port)
    await cli(a!.port, 'set', 'who', 'a')
    await cli(b!.port, 'set', 'who', 'b')
    expect(await cli(a!.port, 'get', 'who')).toBe('a')
    expect(await cli(b!.port, 'get', 'who')).toBe('b')
  })
})

describe('startCluster', () => {
  /** The slot ranges `CLUSTER SLOTS` reports, as [start, end, masterPort]. */
  async function slotRanges(port: number): Promise<[number, number, number][]> {
    const reply = JSON.parse(await cli(port, '--json', 'cluster', 'slots')) as [
      number,
      number,
      [string, number, ...unknown[]],
      ...unknown[],
    ][]
    return reply
      .map(([start, end, master]): [number, number, number] => [start, end, master[1]])
      .sort((x, y) => x[0] - y[0])
  }

  it('creates a 3-master cluster whose slots cover 0..16383', async () => {
    const cluster = await startCluster()
    started.push(cluster)
    expect(cluster.nodes).toHaveLength(3)
    expect(cluster.urls).toEqual(cluster.nodes.map((n) => `redis://127.0.0.1:${n.port}`))
    expect(new Set(cluster.nodes.map((n) => n.port)).size).toBe(3)

    for (const node of cluster.nodes) {
      expect(await cli(node.port, 'cluster', 'info')).toMatch(/^cluster_state:ok$/m)
    }

    const ranges = await slotRanges(cluster.nodes[0]!.port)
    let next = 0
    for (const [start, end] of ranges) {
      expect(start).toBe(next)
      next = end + 1
    }
    expect(next).toBe(16384)
    expect(new Set(ranges.map((r) => r[2]))).toEqual(new Set(cluster.nodes.map((n) => n.port)))

    // keys land on different masters; -c follows MOVED redirects
    const port = cluster.nodes[0]!.port
    for (const key of ['a', 'b', 'c', 'd']) {
      expect(await cli(port, '-c', 'set', key, `v-${key}`)).toBe('OK')
      expect(await cli(port, '-c', 'get', key)).toBe(`v-${key}`)
    }
  })

  it('creates replicas and stop() stops every node', async () => {
    const cluster = await startCluster({ masters: 3, replicas: 1 })
    started.push(cluster)
    expect(cluster.nodes).toHaveLength(6)
    const roles = await Promise.all(cluster.nodes.map((n) => cli(n.port, 'role')))
    expect(roles.filter((r) => r.startsWith('master'))).toHaveLength(3)
    expect(roles.filter((r) => r.startsWith('slave'))).toHaveLength(3)

    await cluster.stop()
    const open = await Promise.all(cluster.nodes.map((n) => portIsOpen(n.port)))
    expect(open).toEqual([false, false, false, false, false, false])
  })

  it('rejects fewer than 3 masters', async () => {
    await expect(startCluster({ masters: 2 })).rejects.toThrow(RangeError)
  })
})

describe('proxiesForCluster and outage', () => {
  it('puts a proxy in front of every node the seed lists, keyed by the address the node announces', async () => {
    const cluster = await startCluster({ masters: 3, replicas: 1 })
    started.push(cluster)
    const via = await proxiesForCluster([cluster.nodes[0]!]) // one seed finds the other five
    try {
      expect(Object.keys(via.addressMap).sort()).toEqual(
        cluster.nodes.map((n) => `127.0.0.1:${n.port}`).sort(),
      )
      expect(via.seeds).toEqual(via.proxies.map((p) => ({ host: p.host, port: p.port })))
      for (const node of cluster.nodes) {
        const proxied = via.addressMap[`127.0.0.1:${node.port}`]!
        expect(await cli(proxied.port, 'cluster', 'myid')).toBe(
          await cli(node.port, 'cluster', 'myid'),
        )
      }
    } finally {
      await via.close()
    }
  })

  it('cuts several proxies at once and waits on an async readiness probe both ways', async () => {
    const s = await server()
    const proxies = [await startProxy(s), await startProxy(s)]
    const answers = (port: number) =>
      rawCommand(port, 'PING').then(
        () => true,
        () => false,
      )
    const probe = vi.fn(async () =>
      (await Promise.all(proxies.map((p) => answers(p.port)))).every(Boolean),
    )
    try {
      expect(await probe()).toBe(true)
      const ongoing = await outage(proxies, probe)
      expect(await Promise.all(proxies.map((p) => answers(p.port)))).toEqual([false, false])
      await ongoing.restore()
      expect(await Promise.all(proxies.map((p) => answers(p.port)))).toEqual([true, true])
      expect(probe.mock.calls.length).toBeGreaterThanOrEqual(3)
    } finally {
      await Promise.all(proxies.map((p) => p.close()))
    }
  })
})

describe('environment', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('findRedisServer() resolves redis-server on PATH', () => {
    expect(findRedisServer()).toMatch(/\/redis-server$/)
  })

  it('explains how to get redis-server when it is not on PATH', async () => {
    vi.stubEnv('PATH', '/nonexistent')
    expect(findRedisServer()).toBeUndefined()
    const message =
      'redis-server not found on PATH; install it (Debian/Ubuntu: apt-get install -y redis-server) or set REDIS_URL to an external server'
    await expect(startRedis()).rejects.toThrow(message)
    await expect(startCluster()).rejects.toThrow(message)
  })

  it('redisUrlFromEnv() returns REDIS_URL when set', () => {
    vi.stubEnv('REDIS_URL', 'redis://example.test:6380')
    expect(redisUrlFromEnv()).toBe('redis://example.test:6380')
    vi.stubEnv('REDIS_URL', '')
    expect(redisUrlFromEnv()).toBeUndefined()
    vi.stubEnv('REDIS_URL', undefined)
    expect(redisUrlFromEnv()).toBeUndefined()
  })
})

describe('commandsSent', () => {
  it('lists the commands clients sent while fn ran, not those run inside scripts', async () => {
    const server = await startRedis()
    try {
      const socket = createConnection({ host: '127.0.0.1', port: server.port })
      await new Promise((resolve) => socket.once('connect', resolve))
      const send = (command: string) =>
        new Promise((resolve) => {
          socket.once('data', resolve)
          socket.write(command)
        })
      const seen = await commandsSent(server, async () => {
        await send('SET a 1\r\n')
        await send('EVAL "return redis.call(\'GET\', KEYS[1])" 1 a\r\n')
      })
      socket.destroy()
      expect(seen).toEqual(['set', 'eval'])
    } finally {
      await server.stop()
    }
  })
})

describe.each([
  { where: "on the caller's loop", thread: false },
  { where: 'on a worker thread', thread: true },
])('startProxy $where', ({ thread }) => {
  it('forwards to the server, cuts every connection and refuses new ones, then lets them through again', async () => {
    const s = await server()
    const proxy = await startProxy(s, { thread })
    try {
      expect(proxy.port).not.toBe(s.port)
      expect(proxy.url).toBe(`redis://127.0.0.1:${proxy.port}`)
      expect(await rawCommand(proxy.port, 'SET through proxy')).toBe('+OK')
      const open = createConnection({ host: '127.0.0.1', port: proxy.port })
      open.on('error', () => {})
      await new Promise((resolve) => open.once('connect', resolve))
      const closed = new Promise((resolve) => open.once('close', resolve))
      await vi.waitFor(() => expect(proxy.connections).toBe(2), { timeout: 5_000 })

      await proxy.cut()
      await closed // the open connection saw the link fail
      expect(proxy.connections).toBe(0)
      await expect(rawCommand(proxy.port, 'PING')).rejects.toThrow()
      expect(await cli(s.port, 'get', 'through')).toBe('proxy') // the server kept running

      proxy.restore()
      expect(await rawCommand(proxy.port, 'GET through')).toBe('$5')
    } finally {
      await proxy.close()
    }
    await expect(rawCommand(proxy.port, 'PING')).rejects.toThrow()
  })

  it('counts the chunks it reads from clients: a write sent after the last reply is one chunk', async () => {
    const s = await server()
    const proxy = await startProxy(s, { thread })
    const socket = createConnection({ host: '127.0.0.1', port: proxy.port })
    try {
      await new Promise((resolve) => socket.once('connect', resolve))
      expect(proxy.chunks).toBe(0)
      for (const line of ['SET a 1', 'GET a', 'PING']) {
        await new Promise((resolve) => {
          socket.once('data', resolve)
          socket.write(`${line}\r\n`)
        })
      }
      expect(proxy.chunks).toBe(3)
    } finally {
      socket.destroy()
      await proxy.close()
    }
  })
})

describe('startProxy chunks, writes made in one tick', () => {
  /** Rounds of 40 socket writes in one tick; resolves with the chunks the proxy read each in. */
  async function oneTick(rounds: number): Promise<number[]> {
    const s = await server()
    const proxy = await startProxy(s, { thread: true })
    // Without Nagle's algorithm, as Redis clients do: each write goes out at once.
    const socket = createConnection({ host: '127.0.0.1', port: proxy.port, noDelay: true })
    try {
      await new Promise((resolve) => socket.once('connect', resolve))
      const seen: number[] = []
      for (let round = 0; round < rounds; round++) {
        const before = proxy.chunks
        let replies = 0
        const all = new Promise<void>((resolve) => {
          const onData = (data: Buffer) => {
            replies += data.toString().split('\r\n').length - 1
            if (replies < 40) return
            socket.off('data', onData)
            resolve()
          }
          socket.on('data', onData)
        })
        for (let i = 0; i < 40; i++) socket.write('PING\r\n')
        await all
        seen.push(proxy.chunks - before)
        if (seen.at(-1)! > 1) break
      }
      return seen
    } finally {
      socket.destroy()
      await proxy.close()
    }
  }

  it('on a worker thread: read as they come, in more than one chunk', async () => {
    // How many depends on when the thread gets a core (fewer on a loaded
    // machine): rounds until one shows more than one chunk, at most 50.
    const seen = await oneTick(50)
    expect(Math.max(...seen)).toBeGreaterThan(1)
    expect(Math.max(...seen)).toBeLessThanOrEqual(40)
  })
})
