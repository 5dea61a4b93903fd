// A process that takes a key's stampede lock and computes forever, for
// lock.test.ts: node lock-holder.mjs <ioredis|node-redis> <url> <namespace>
// <key> <lockTtlMs>. Uses the built packages. Sends 'computing' once its
// factory runs (the lock is held); the test then kills it with SIGKILL.
import { createCache } from '@tagcache/core'
import { connectStore } from './child-store.mjs'

const [driver, url, namespace, key, ttl] = process.argv.slice(2)
const { store } = await connectStore(driver, url)
const cache = createCache({ store, namespace })
await cache.wrap(
  key,
  () =>
    new Promise(() => {
      process.send('computing')
    }),
  { lock: { ttl: Number(ttl), wait: 60_000 } },
)
