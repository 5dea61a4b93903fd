// A process writing distinct keys into one bounded cache, for
// bounded-redis.test.ts: node bounded-writer.mjs <ioredis|node-redis> <url>
// <namespace> <worker> <writes> <maxSize>. Uses the built packages. Waits for
// 'go' on its IPC channel, writes 8 at a time, then sends the number of
// evictions it saw and exits.
import { createCache } from '@tagcache/core'
import { lru } from '@tagcache/policies'
import { connectStore } from './child-store.mjs'

const [driver, url, namespace, worker, writes, maxSize] = process.argv.slice(2)
const { store, close } = await connectStore(driver, url)
const cache = createCache({ store, namespace, policy: lru({ maxSize: Number(maxSize) }) })
await cache.set(`warm-${worker}`, 0) // loads the script before the race
await new Promise((resolve) => {
  process.once('message', resolve)
  process.send('ready')
})
for (let i = 0; i < Number(writes); i += 8) {
  await Promise.all(
    Array.from({ length: 8 }, (_, j) => cache.set(`w${worker}-${i + j}`, i + j, { tags: ['all'] })),
  )
}
process.send({ evictions: cache.stats.evictions })
await cache.close()
await close()
