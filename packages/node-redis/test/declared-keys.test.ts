// declaredKeysOnly, on real Redis: every key a script touches must be one it
// was given in KEYS (what Dragonfly and some managed Redis enforce). Redis
// does not enforce it, so MONITOR shows each script's own commands ("[0 lua]"
// lines, logged right after the script's EVALSHA/EVAL) and the test compares.
// Both drivers run here: ioredis reads known entries with a script,
// node-redis with a plain MGET.
import { createConnection } from 'node:net'
import { type Cache, createCache } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { describe, expect, it } from 'vitest'
import { nodeRedisStore } from '../src/index.js'
import { ioredis, nodeRedis, server, useBothClients } from './both-clients.js'

useBothClients()

/** One command as MONITOR logs it: name (lower case) and arguments. */
interface Logged {
  readonly name: string
  readonly args: string[]
  /** Issued by a script rather than a client. */
  readonly lua: boolean
}

/** Every command Redis runs while `fn` runs, scripts' own commands included. */
async function monitor(fn: () => Promise<unknown>): Promise<Logged[]> {
  const socket = createConnection({ host: '127.0.0.1', port: server.port })
  socket.setEncoding('latin1')
  const logged: Logged[] = []
  let buffer = ''
  let started = () => {}
  const ready = new Promise<void>((resolve) => {
    started = resolve
  })
  const marker = `monitor-end-${Math.random()}`
  let ended = () => {}
  const end = new Promise<void>((resolve) => {
    ended = resolve
  })
  socket.on('data', (chunk: string) => {
    buffer += chunk
    let newline = buffer.indexOf('\r\n')
    while (newline !== -1) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 2)
      newline = buffer.indexOf('\r\n')
      if (line === '+OK') started()
      const match = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/.exec(line)
      if (!match) continue
      const words = [...(match[2] as string).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map(
        (m) => m[1] as string,
      )
      const [name = '', ...args] = words
      if (args[0] === marker) ended()
      else logged.push({ name: name.toLowerCase(), args, lua: match[1] === 'lua' })
    }
  })
  socket.write('MONITOR\r\n')
  await ready
  try {
    await fn()
    // Core deletes stale entries without awaiting: let those land, then mark the end.
    await new Promise((resolve) => setTimeout(resolve, 50))
    await ioredis.exists(marker)
    await end
  } finally {
    socket.destroy()
  }
  return logged.filter((c) => c.args[0] !== marker)
}

/** Keys a command run by a script touches (the commands the scripts use). */
function touched(command: Logged): string[] {
  return command.name === 'mget' ? command.args : command.args.slice(0, 1)
}

/** For each script run, the keys its commands touched that its KEYS did not declare. */
function undeclaredKeys(logged: readonly Logged[]): { scripts: number; undeclared: string[] } {
  let declared: Set<string> | undefined
  let scripts = 0
  const undeclared: string[] = []
  for (const command of logged) {
    if (!command.lua) {
      const isScript = command.name === 'evalsha' || command.name === 'eval'
      declared = isScript ? new Set(command.args.slice(2, 2 + Number(command.args[1]))) : undefined
      if (isScript) scripts++
      continue
    }
    for (const key of touched(command)) {
      if (declared === undefined || !declared.has(key)) undeclared.push(key)
    }
  }
  return { scripts, undeclared }
}

/**
 * What a cache does to entries it has not seen: another process wrote them,
 * this one reads, wraps, expires and invalidates them.
 */
async function workload(writer: Cache, reader: Cache): Promise<void> {
  await writer.set('a', 1, { tags: ['x', 'y'] })
  await writer.set('b', 2, { tags: ['y'] })
  await writer.set('c', 3, { tags: ['x'], ttl: '1h' })
  expect(await reader.get('a')).toBe(1)
  expect(await reader.getMany(['b', 'c', 'absent'])).toEqual([2, 3, undefined])
  expect(await reader.wrap('c', () => 30, { tags: ['x'] })).toBe(3)
  expect(await reader.wrap('d', () => 4, { tags: ['x'] })).toBe(4)
  expect(await reader.expire('c', '2h')).toBe(true)
  await reader.invalidate('x')
  expect(await reader.wrap('a', () => 10, { tags: ['x', 'y'] })).toBe(10)
  expect(await reader.get('b')).toBe(2)
  expect(await reader.get('c')).toBeUndefined()
}

const drivers = [
  {
    name: 'ioredis',
    store: (declaredKeysOnly: boolean) => ioredisStore(ioredis, { declaredKeysOnly }),
  },
  {
    name: 'node-redis',
    store: (declaredKeysOnly: boolean) => nodeRedisStore(nodeRedis, { declaredKeysOnly }),
  },
]

describe.each(drivers)('declaredKeysOnly over $name', ({ name, store }) => {
  it('no script touches a key it was not given', async () => {
    const namespace = `declared-${name}`
    const writer = createCache({ store: store(true), namespace })
    const reader = createCache({ store: store(true), namespace })
    const { scripts, undeclared } = undeclaredKeys(await monitor(() => workload(writer, reader)))
    expect(scripts).toBeGreaterThan(0)
    expect(undeclared).toEqual([])
  })

  it('without it, the first read of an unseen entry touches undeclared tag keys (what the option avoids)', async () => {
    const namespace = `undeclared-${name}`
    const writer = createCache({ store: store(false), namespace })
    const reader = createCache({ store: store(false), namespace })
    const { undeclared } = undeclaredKeys(await monitor(() => workload(writer, reader)))
    expect(undeclared).toContain(`tagcache:${namespace}:t:x`)
  })

  it('an unseen entry takes 2 round trips, then 1; expire takes 2', async () => {
    const namespace = `declared-trips-${name}`
    const writer = createCache({ store: store(true), namespace })
    await writer.set('k', { v: 1 }, { tags: ['t'] })
    // Loads the scripts used below, so that no NOSCRIPT reload is counted.
    await writer.get('k')
    await writer.expire('k', '1h')
    const reader = createCache({ store: store(true), namespace })
    const names = async (fn: () => Promise<unknown>) =>
      (await monitor(fn)).filter((c) => !c.lua).map((c) => c.name)
    expect(await names(() => reader.get('k'))).toEqual(['mget', 'mget'])
    const hinted = name === 'ioredis' ? 'evalsha' : 'mget'
    expect(await names(() => reader.get('k'))).toEqual([hinted])
    expect(await reader.get('k')).toEqual({ v: 1 })
    // Core reads the entry first (the hinted read); the store's expire is then 2 round trips:
    // the entry, then its tags (TAGS script) and the entry's ttl, pipelined.
    expect(await names(() => reader.expire('k', '2h'))).toEqual([
      hinted,
      'mget',
      'evalsha',
      'pexpire',
    ])
    expect(await reader.ttl('k')).toBeGreaterThan(3_600_000)
  })
})
