// @ts-check
/**
 * Vitest `globalSetup`: one Redis Cluster for the whole test run of a package
 * (or the external one named by `REDIS_CLUSTER_URL`), handed to the test files
 * through `provide('tagcacheRedisCluster', ...)`; read it with
 * `sharedCluster()` from `@tagcache/redis-harness/vitest`. See `redisGlobalSetup()`.
 *
 * @module
 */
import { redisClusterUrlsFromEnv, startCluster } from '../index.js'

/** @param {import('vitest/node').TestProject} project */
export default async function setup(project) {
  const external = redisClusterUrlsFromEnv()
  const cluster = external ? undefined : await startCluster()
  const urls = external ?? /** @type {import('../index.js').RedisCluster} */ (cluster).urls
  project.provide('tagcacheRedisCluster', {
    urls: [...urls],
    nodes: urls.map((url) => {
      const { hostname, port } = new URL(url)
      return { host: hostname, port: Number(port) }
    }),
    external: external !== undefined,
  })
  return () => cluster?.stop()
}
