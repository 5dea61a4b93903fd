import { redisGlobalSetup } from '@tagcache/redis-harness'
import { defineTestConfig } from '@tagcache/vitest-config'

// One redis-server (and one cluster) for the package's whole test run; tests that kill or restart
// a server start their own with startRedis().
export default defineTestConfig({ test: { globalSetup: redisGlobalSetup({ cluster: true }) } })
