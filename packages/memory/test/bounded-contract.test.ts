// The shared bounded suite (exact survivors per policy, the bound, events,
// every operation through the view, tags, invalidateAll), as the Redis
// adapters run it: one policy object, the same results on every store.
import { boundedStoreSuite } from '@tagcache/testing'
import { memoryStore } from '../src/index.js'

for (const serialize of [false, true]) {
  boundedStoreSuite(serialize ? 'memory' : 'memory (serialize: false)', {
    createStore: () => {
      const store = memoryStore({ serialize })
      return { store, dropTagVersion: async (tag) => void store.evictTagVersion(tag) }
    },
  })
}
