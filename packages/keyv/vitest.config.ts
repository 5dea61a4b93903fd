import { redisGlobalSetup } from '@tagcache/redis-harness'
import { defineTestConfig } from '@tagcache/vitest-config'

// One redis-server for the package's whole test run (tests isolate by namespace).
export default defineTestConfig({ test: { globalSetup: redisGlobalSetup() } })
