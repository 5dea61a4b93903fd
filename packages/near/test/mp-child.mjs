// One process of the multi-process coherence test: a near cache over its own
// client (argv: driver, port, namespace), driven by the parent over IPC.
// Uses the built packages.
import { createCache } from '@tagcache/core'
import { nearCache } from '@tagcache/near'

const [driver, port, namespace] = process.argv.slice(2)
const url = `redis://127.0.0.1:${port}`
let store
let close
if (driver === 'ioredis') {
  const { Redis } = await import('ioredis')
  const { ioredisStore } = await import('@tagcache/ioredis')
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 })
  client.on('error', () => {})
  store = ioredisStore(client)
  close = () => client.quit()
} else {
  const { createClient } = await import('redis')
  const { nodeRedisStore } = await import('@tagcache/node-redis')
  const client = createClient({ url, socket: { reconnectStrategy: () => 50 } })
  client.on('error', () => {})
  await client.connect()
  store = nodeRedisStore(client)
  close = () => client.close()
}
const near = nearCache(store)
await near.ready()
const cache = createCache({ store: near, namespace })

const retry = async (fn) => {
  for (let i = 0; ; i++) {
    try {
      return await fn()
    } catch (error) {
      if (i > 200) throw error
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
}

process.on('message', async (m) => {
  try {
    if (m.op === 'set') await retry(() => cache.set(m.key, m.value, { tags: m.tags }))
    else if (m.op === 'invalidate') await retry(() => cache.invalidate(m.tag))
    else if (m.op === 'delete') await retry(() => cache.delete(m.key))
    else if (m.op === 'check') {
      // m.expected: key -> value (null: absent). First poll until fresh (the
      // staleness window), then, after sync(), every read must be fresh.
      const windows = []
      const stale = []
      const start = performance.now()
      for (const [key, expected] of Object.entries(m.expected)) {
        for (;;) {
          const value = (await retry(() => cache.get(key))) ?? null
          if (value === expected) break
          if (performance.now() - start > 2_000) {
            stale.push({ key, value, expected, phase: 'poll' })
            break
          }
          await new Promise((resolve) => setImmediate(resolve))
        }
        windows.push(performance.now() - start)
      }
      await retry(() => near.sync())
      for (const [key, expected] of Object.entries(m.expected)) {
        const value = (await retry(() => cache.get(key))) ?? null
        if (value !== expected) stale.push({ key, value, expected, phase: 'after sync' })
      }
      process.send({ id: m.id, windows, stale, stats: near.stats })
      return
    } else if (m.op === 'close') {
      await cache.close()
      await close()
      process.send({ id: m.id })
      process.exit(0)
    }
    process.send({ id: m.id })
  } catch (error) {
    process.send({ id: m.id, error: String(error) })
  }
})
process.send({ ready: true })
