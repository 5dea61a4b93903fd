// @ts-check
/**
 * Vitest `globalSetup`: one standalone redis-server for the whole test run of
 * a package (or the external one named by `REDIS_URL`), handed to the test
 * files through `provide('tagcacheRedis', ...)`; read it with `sharedRedis()`
 * from `@tagcache/redis-harness/vitest`. See `redisGlobalSetup()`.
 *
 * @module
 */
import { redisForTests } from '../index.js'

/** @param {import('vitest/node').TestProject} project */
export default async function setup(project) {
  const server = await redisForTests()
  const { hostname, port } = new URL(server.url)
  project.provide('tagcacheRedis', {
    url: server.url,
    host: hostname,
    port: Number(port),
    external: server.external,
  })
  return () => server.stop()
}
