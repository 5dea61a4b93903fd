import { createCache } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { startRedis } from '@tagcache/redis-harness'
import { Redis } from 'ioredis'
import { compare, report, sampleValue } from './measure.ts'
const server = await startRedis()
const io = new Redis(server.port, '127.0.0.1')
const cache = createCache({ store: ioredisStore(io), namespace: 'bench' })
const cacheLua = createCache({ store: ioredisStore(io, { tagHints: 0 }), namespace: 'bench' })
for (let i = 0; i < 10000; i++) await cache.set(`user:${i}`, sampleValue(i), { tags: [`user:${i}`, `team:${i % 50}`, 'users'] })
await cacheLua.get('user:1')
let i = 0
const next = () => { i = (i + 7919) % 10000; return i }
const r = await compare([

  { name: 'tagcache get (mget)', run: () => cache.get(`user:${next()}`) },

], { concurrency: 64, rounds: 3, ms: 2500, warmupMs: 300 })
report('exp', r)
await io.quit(); await server.stop(); process.exit(0)
