// "Another process" of the near-cache step (near-demo.ts forks it): its own Redis connection and
// cache over the same namespace, no near cache. It invalidates the tags it is asked to over IPC,
// and closes its cache and client when the parent disconnects.
import { parseArgs } from 'node:util'
import { createCache } from '@tagcache/core'
import { connectIoredis, connectNodeRedis } from './redis.ts'

/** What the parent sends. */
export type InvalidatorRequest = { kind: 'invalidate'; tag: string }

/** What this process answers. */
export type InvalidatorReply =
  | { kind: 'ready' }
  /** `calledAt`: wall clock (timeOrigin + now) just before the call; `tookMs`: until it returned. */
  | { kind: 'invalidated'; tag: string; calledAt: number; tookMs: number }
  | { kind: 'error'; message: string }

const reply = (message: InvalidatorReply) => process.send?.(message)

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    'redis-url': { type: 'string' },
    namespace: { type: 'string' },
  },
})
const url = values['redis-url'] ?? 'redis://127.0.0.1:6379'

try {
  const { store, close } =
    values.store === 'node-redis' ? await connectNodeRedis(url) : await connectIoredis(url)
  const cache = createCache({ store, namespace: values.namespace ?? 'playground-near' })
  process.on('message', (request: InvalidatorRequest) => {
    if (request.kind !== 'invalidate') return
    const calledAt = performance.timeOrigin + performance.now()
    const started = performance.now()
    cache.invalidate(request.tag).then(
      () =>
        reply({
          kind: 'invalidated',
          tag: request.tag,
          calledAt,
          tookMs: performance.now() - started,
        }),
      (error: unknown) => reply({ kind: 'error', message: String(error) }),
    )
  })
  // The parent is done (or gone): let go of the cache and the client, and exit.
  process.once('disconnect', () => {
    void cache
      .close()
      .then(close)
      .finally(() => process.exit(0))
  })
  reply({ kind: 'ready' })
} catch (error) {
  reply({ kind: 'error', message: error instanceof Error ? error.message : String(error) })
  process.exitCode = 1
  process.disconnect?.()
}
