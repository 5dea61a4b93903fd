import { storeContractSuite } from '@tagcache/testing'
import { memoryStore } from '../src/index.js'

storeContractSuite('memory', {
  createStore: () => {
    let now = 1_000
    const store = memoryStore({ now: () => now })
    return {
      store,
      dropTagVersion: async (tag) => void store.evictTagVersion(tag),
      advance: async (ms) => {
        now += ms
      },
    }
  },
})
