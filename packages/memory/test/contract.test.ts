import { storeContractSuite } from '@tagcache/testing'
import { memoryStore } from '../src/index.js'

for (const serialize of [false, true]) {
  storeContractSuite(serialize ? 'memory' : 'memory (serialize: false)', {
    createStore: () => {
      let now = 1_000
      const store = memoryStore({ now: () => now, serialize })
      return {
        store,
        dropTagVersion: async (tag) => void store.evictTagVersion(tag),
        advance: async (ms) => {
          now += ms
        },
      }
    },
  })
}
