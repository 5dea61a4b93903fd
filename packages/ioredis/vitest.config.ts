import { redisGlobalSetup } from '@tagcache/redis-harness'
import { defineTestConfig } from '@tagcache/vitest-config'
import ownPackage from './package.json' with { type: 'json' }

// The adapter's tests run against the newest and the oldest ioredis of the
// peer range: the `ioredis` devDependency, then `ioredis-oldest` (an npm:
// alias) put in place of `ioredis` for the tests and the adapter's source
// alike. test/versions.test.ts checks that each project loads the version it
// names and that the oldest is the peer range's lower bound.
const newest = ownPackage.devDependencies.ioredis
const oldest = ownPackage.devDependencies['ioredis-oldest'].replace(/^npm:ioredis@/, '')

export default defineTestConfig({
  test: {
    // One redis-server (and one cluster) for the package's whole test run, not one per file.
    globalSetup: redisGlobalSetup({ cluster: true }),
    projects: [
      { extends: true, test: { name: `ioredis ${newest}`, env: { IOREDIS_VERSION: newest } } },
      {
        extends: true,
        test: { name: `ioredis ${oldest}`, env: { IOREDIS_VERSION: oldest } },
        resolve: { alias: [{ find: /^ioredis(\/.*)?$/, replacement: 'ioredis-oldest$1' }] },
      },
    ],
  },
})
