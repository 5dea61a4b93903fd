import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { expect, it } from 'vitest'
import { eventually } from './clients.js'
import { spawnRedis } from './redis-process.js'

const script = fileURLToPath(new URL('./mp-child.mjs', import.meta.url))

interface Reply {
  id?: number
  ready?: boolean
  error?: string
  windows?: number[]
  stale?: unknown[]
  stats?: { hits: number; misses: number; flushes: number }
}

/** A forked near-cache process, driven over IPC. */
function child(driver: string, port: number, namespace: string) {
  const proc: ChildProcess = fork(script, [driver, String(port), namespace], { stdio: 'inherit' })
  let next = 0
  const waiting = new Map<number, (reply: Reply) => void>()
  const ready = new Promise<void>((resolve) => {
    proc.on('message', (reply: Reply) => {
      if (reply.ready) resolve()
      else if (reply.id !== undefined) waiting.get(reply.id)?.(reply)
    })
  })
  return {
    ready,
    async send(message: object): Promise<Reply> {
      const id = ++next
      const reply = await new Promise<Reply>((resolve) => {
        waiting.set(id, resolve)
        proc.send({ ...message, id })
      })
      waiting.delete(id)
      if (reply.error !== undefined) throw new Error(reply.error)
      return reply
    },
    kill: () => proc.kill('SIGKILL'),
  }
}

it('3 processes: random writes and invalidations in one, reads in two; nothing stale once the push is delivered, across CLIENT KILL and a server restart', async () => {
  const server = await spawnRedis()
  const namespace = `mp-${process.pid}`
  const procs = [
    child('ioredis', server.port, namespace),
    child('node-redis', server.port, namespace),
    child('ioredis', server.port, namespace),
  ]
  const [writer, ...readers] = procs as [ReturnType<typeof child>, ...ReturnType<typeof child>[]]
  const admin = new Redis(server.port, '127.0.0.1', { retryStrategy: () => 50 })
  admin.on('error', () => {})
  try {
    await Promise.all(procs.map((p) => p.ready))
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4']
    const tagsOf = (key: string) => [`g${Number(key.slice(1)) % 3}`, 'all']
    const model = new Map<string, number | null>(keys.map((k) => [k, null]))
    const windows: number[] = []
    const stale: unknown[] = []
    let seed = 42
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed % n
    }
    const check = async () => {
      const expected = Object.fromEntries(model)
      const replies = await Promise.all(readers.map((r) => r.send({ op: 'check', expected })))
      for (const reply of replies) {
        windows.push(...(reply.windows ?? []))
        stale.push(...(reply.stale ?? []))
      }
      return replies
    }
    const steps = 240
    for (let step = 1; step <= steps; step++) {
      const op = random(10)
      if (op < 6) {
        const key = keys[random(keys.length)] as string
        await writer.send({ op: 'set', key, value: step, tags: tagsOf(key) })
        model.set(key, step)
      } else if (op < 9) {
        const tag = ['g0', 'g1', 'g2', 'all'][random(4)] as string
        await writer.send({ op: 'invalidate', tag })
        for (const key of keys) if (tagsOf(key).includes(tag)) model.set(key, null)
      } else {
        const key = keys[random(keys.length)] as string
        await writer.send({ op: 'delete', key })
        model.set(key, null)
      }
      await check()
      if (step === 80) {
        // Every connection invalidations reach (ioredis listeners, node-redis tracking connections).
        const list = String(await admin.call('CLIENT', 'LIST'))
        for (const line of list.split('\n')) {
          const id = /\bid=(\d+)/.exec(line)?.[1]
          if (id !== undefined && /\bsub=1\b|\bflags=[^ ]*t/.test(line)) {
            await admin.call('CLIENT', 'KILL', 'ID', id)
          }
        }
      }
      if (step === 160) {
        await server.restart()
        await eventually(async () => (await admin.ping().catch(() => '')) === 'PONG', 10_000)
        for (const key of keys) model.set(key, null) // the server lost everything
      }
    }
    const final = await check()
    const sorted = [...windows].sort((a, b) => a - b)
    const worst = sorted[sorted.length - 1] ?? 0
    console.info(
      `near, 3 processes: ${steps} changes; staleness window median ${sorted[sorted.length >> 1]?.toFixed(2)} ms, p99 ${sorted[Math.floor(sorted.length * 0.99)]?.toFixed(2)} ms, worst ${worst.toFixed(2)} ms; reader stats ${final.map((r) => JSON.stringify({ hits: r.stats?.hits, misses: r.stats?.misses, flushes: r.stats?.flushes })).join(' ')}`,
    )
    expect(stale).toEqual([])
    // The readers served locally between changes.
    for (const reply of final) expect(reply.stats?.hits).toBeGreaterThan(0)
    await Promise.all(procs.map((p) => p.send({ op: 'close' })))
  } finally {
    for (const p of procs) p.kill()
    await admin.quit().catch(() => {})
    await server.stop()
  }
}, 120_000)
