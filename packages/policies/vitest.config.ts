import { defineTestConfig } from '@tagcache/vitest-config'

export default defineTestConfig()
