// @ts-check
/**
 * The servers the harness's vitest `globalSetup` files started once for the
 * whole test run (see `redisGlobalSetup()` in the main module), for test files
 * to share. Tests isolate themselves by namespace or key prefix: a shared
 * server is never flushed, reconfigured, watched with MONITOR or stopped by a
 * test; a test that needs any of that starts its own with `startRedis()`.
 *
 * @module
 */
import { inject } from 'vitest'

/** @returns {import('./vitest.d.ts').SharedRedis} */
export function sharedRedis() {
  const server = inject('tagcacheRedis')
  if (!server) throw new Error(missing('standalone'))
  return server
}

/** @returns {import('./vitest.d.ts').SharedRedisCluster} */
export function sharedCluster() {
  const cluster = inject('tagcacheRedisCluster')
  if (!cluster) throw new Error(missing('cluster'))
  return cluster
}

/** @param {'standalone' | 'cluster'} what */
function missing(what) {
  return `no shared Redis ${what}: add redisGlobalSetup(${what === 'cluster' ? '{ cluster: true }' : ''}) from @tagcache/redis-harness to test.globalSetup in vitest.config.ts`
}
