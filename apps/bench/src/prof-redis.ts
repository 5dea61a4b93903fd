import { createCache } from '@tagcache/core'
import { nodeRedisStore } from '@tagcache/node-redis'
import { startRedis } from '@tagcache/redis-harness'
import { createClient } from 'redis'
import { compare, report, sampleValue } from './measure.ts'

const server = await startRedis()
const nodeRedis = createClient({ url: server.url })
await nodeRedis.connect()
const cache = createCache({ store: nodeRedisStore(nodeRedis), namespace: 'bench' })
for (let i = 0; i < 10000; i++)
  await cache.set(`user:${i}`, sampleValue(i), { tags: [`user:${i}`, `team:${i % 50}`, 'users'] })
let i = 0
const next = () => {
  i = (i + 7919) % 10000
  return i
}
console.log('port', server.port)
const t0 = process.cpuUsage()
const r = await compare([{ name: 'tagcache node-redis', run: () => cache.get(`user:${next()}`) }], {
  concurrency: 64,
  rounds: 3,
  ms: 2000,
  warmupMs: 300,
})
const cpu = process.cpuUsage(t0)
report('x', r)
console.log('client cpu s', (cpu.user + cpu.system) / 1e6)
const info = await nodeRedis.info('cpu')
console.log(info)
console.log(await nodeRedis.info('commandstats'))
await nodeRedis.close()
await server.stop()
