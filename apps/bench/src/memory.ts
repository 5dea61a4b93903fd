import { createCache } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { LRUCache } from 'lru-cache'
import { compare, report, sampleValue } from './measure.ts'

const KEYS = 10_000

/**
 * Memory-store `get` of an entry with 3 tags vs an awaited `lru-cache` get of
 * the same value, in both modes: by reference (`serialize: false`, the hot
 * in-process path; target >= 0.5x) and the default, which decodes a copy per
 * read as Redis does (reported, no target: it costs what the serializer costs).
 */
export async function memoryBench(): Promise<void> {
  const lru = new LRUCache<string, object>({ max: KEYS * 2 })
  const cache = createCache({
    store: memoryStore({ maxEntries: KEYS * 2, serialize: false }),
    namespace: 'bench',
  })
  const copying = createCache({ store: memoryStore({ maxEntries: KEYS * 2 }), namespace: 'bench' })
  for (let i = 0; i < KEYS; i++) {
    const value = sampleValue(i)
    lru.set(`user:${i}`, value)
    const tags = [`user:${i}`, `team:${i % 50}`, 'users']
    await cache.set(`user:${i}`, value, { tags })
    await copying.set(`user:${i}`, value, { tags })
  }
  console.log(`value size: ${JSON.stringify(sampleValue(1)).length} bytes of JSON, ${KEYS} keys`)
  let i = 0
  const next = () => {
    i = (i + 7919) % KEYS
    return `user:${i}`
  }
  const results = await compare([
    { name: 'await lru-cache get (baseline)', run: async () => await lru.get(next()) },
    { name: 'tagcache memory get, 3 tags (serialize: false)', run: () => cache.get(next()) },
    { name: 'tagcache memory get, 3 tags (default: copies)', run: () => copying.get(next()) },
    {
      name: 'await Map get + 3-tag version check (ceiling)',
      run: (() => {
        const map = new Map<string, { v: object; tags: string[]; vers: string[] }>()
        const versions = new Map<string, string>()
        for (let k = 0; k < KEYS; k++) {
          const tags = [`user:${k}`, `team:${k % 50}`, 'users']
          for (const t of tags) versions.set(t, 'v1')
          map.set(`user:${k}`, { v: sampleValue(k), tags, vers: ['v1', 'v1', 'v1'] })
        }
        return async () => {
          const e = map.get(next())
          if (e === undefined) return undefined
          for (let t = 0; t < e.tags.length; t++)
            if (versions.get(e.tags[t] as string) !== e.vers[t]) return undefined
          return e.v
        }
      })(),
    },
  ])
  report('memory store: get of a tagged entry (3 tags), awaited, 1 in flight', results, {
    'tagcache memory get, 3 tags (serialize: false)': 0.5,
  })
}
