// The vitest globalSetup files behind redisGlobalSetup(): one server (and one
// cluster) per test run, handed to test files through provide/inject.
import { existsSync } from 'node:fs'
import { createConnection } from 'node:net'
import {
  type RedisServer,
  redisClusterUrlsFromEnv,
  redisGlobalSetup,
  startRedis,
} from '@tagcache/redis-harness'
import { sharedCluster, sharedRedis } from '@tagcache/redis-harness/vitest'
import { afterEach, describe, expect, it, vi } from 'vitest'

type Setup = (project: {
  provide(key: string, value: unknown): void
}) => Promise<() => Promise<void> | undefined>

/** Runs a globalSetup file's default export with a project that records what it provides. */
async function runSetup(file: string) {
  const { default: setup } = (await import(file)) as { default: Setup }
  const provided: Record<string, unknown> = {}
  const teardown = await setup({
    provide: (key, value) => {
      provided[key] = value
    },
  })
  return { provided, teardown }
}

/** Sends PING over a raw socket: the first reply line, or the connection error's code. */
function ping(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.setEncoding('utf8')
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
    socket.once('data', (chunk: string) => {
      socket.destroy()
      resolve(chunk.trim())
    })
    socket.write('PING\r\n')
  })
}

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('redisGlobalSetup', () => {
  it('names the standalone setup file, and the cluster one when asked', () => {
    const [standalone, ...rest] = redisGlobalSetup()
    expect(standalone).toMatch(/\/global-setup\/standalone\.js$/)
    expect(rest).toEqual([])
    const both = redisGlobalSetup({ cluster: true })
    expect(both).toEqual([standalone, expect.stringMatching(/\/global-setup\/cluster\.js$/)])
    for (const file of both) expect(existsSync(file as string)).toBe(true)
  })

  it('the standalone setup starts one server, provides it, and its teardown stops it', async () => {
    vi.stubEnv('REDIS_URL', undefined)
    const [file] = redisGlobalSetup()
    const { provided, teardown } = await runSetup(file as string)
    const server = provided.tagcacheRedis as { url: string; host: string; port: number }
    expect(server).toEqual({
      url: `redis://127.0.0.1:${server.port}`,
      host: '127.0.0.1',
      port: server.port,
      external: false,
    })
    expect(await ping(server.port)).toBe('+PONG')
    await teardown()
    expect(await ping(server.port)).toBe('ECONNREFUSED')
  })

  it('with REDIS_URL, the standalone setup provides that server and never stops it', async () => {
    const external: RedisServer = await startRedis()
    try {
      vi.stubEnv('REDIS_URL', external.url)
      const { provided, teardown } = await runSetup(redisGlobalSetup()[0] as string)
      expect(provided.tagcacheRedis).toEqual({
        url: external.url,
        host: '127.0.0.1',
        port: external.port,
        external: true,
      })
      await teardown()
      expect(await ping(external.port)).toBe('+PONG')
    } finally {
      await external.stop()
    }
  })

  it('with REDIS_CLUSTER_URL, the cluster setup provides those nodes and starts none', async () => {
    vi.stubEnv('REDIS_CLUSTER_URL', ' redis://10.0.0.1:7000, redis://10.0.0.2:7001 ,')
    expect(redisClusterUrlsFromEnv()).toEqual(['redis://10.0.0.1:7000', 'redis://10.0.0.2:7001'])
    const file = redisGlobalSetup({ cluster: true })[1] as string
    const { provided, teardown } = await runSetup(file)
    expect(provided.tagcacheRedisCluster).toEqual({
      urls: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7001'],
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      external: true,
    })
    await teardown()
    vi.stubEnv('REDIS_CLUSTER_URL', ' ')
    expect(redisClusterUrlsFromEnv()).toBeUndefined()
  })

  it('sharedRedis() and sharedCluster() say how to fix a config without the setup', () => {
    // This package's own vitest config runs no globalSetup.
    expect(() => sharedRedis()).toThrow(
      'no shared Redis standalone: add redisGlobalSetup() from @tagcache/redis-harness to test.globalSetup in vitest.config.ts',
    )
    expect(() => sharedCluster()).toThrow(
      'no shared Redis cluster: add redisGlobalSetup({ cluster: true }) from @tagcache/redis-harness',
    )
  })
})
