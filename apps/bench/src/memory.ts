import { createCache } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { LRUCache } from 'lru-cache'
import { type Case, measureProcess, sampleValue } from './measure.ts'
import { type BenchOptions, type ChildTask, printTable, runProcesses } from './runner.ts'
import { summarize } from './stats.ts'

const KEYS = 10_000
const tagsOf = (i: number) => [`user:${i}`, `team:${i % 50}`, 'users']

const LRU = 'await lru.get(k)'
const LRU_CLONE = 'await structuredClone(lru.get(k))'
const BY_REFERENCE = 'tagcache memory get (serialize: false)'
const COPIES = 'tagcache memory get (default: copies)'
const CEILING = 'await Map get + 3-tag version check (ceiling)'

/**
 * The cases, each building its own structure with its own values in
 * `prepare` (called in the process's shuffled order, so heap layout varies
 * between processes rather than favouring whichever was built first).
 */
function cases(): Case[] {
  let i = 0
  const next = () => {
    i = (i + 7919) % KEYS
    return `user:${i}`
  }
  const lruCase = (name: string, read: (lru: LRUCache<string, object>) => Case['run']): Case => {
    const lru = new LRUCache<string, object>({ max: KEYS * 2 })
    return {
      name,
      prepare: () => {
        for (let k = 0; k < KEYS; k++) lru.set(`user:${k}`, sampleValue(k))
      },
      run: read(lru),
    }
  }
  const cacheCase = (name: string, serialize: boolean): Case => {
    const store = serialize
      ? memoryStore({ maxEntries: KEYS * 2 })
      : memoryStore({ maxEntries: KEYS * 2, serialize: false })
    const cache = createCache({ store, namespace: 'bench' })
    return {
      name,
      prepare: async () => {
        for (let k = 0; k < KEYS; k++)
          await cache.set(`user:${k}`, sampleValue(k), { tags: tagsOf(k) })
      },
      run: () => cache.get(next()),
    }
  }
  const map = new Map<string, { v: object; tags: string[]; vers: string[] }>()
  const versions = new Map<string, string>()
  return [
    lruCase(LRU, (lru) => async () => await lru.get(next())),
    lruCase(LRU_CLONE, (lru) => async () => structuredClone(await lru.get(next()))),
    cacheCase(BY_REFERENCE, false),
    cacheCase(COPIES, true),
    {
      name: CEILING,
      prepare: () => {
        for (let k = 0; k < KEYS; k++) {
          const tags = tagsOf(k)
          for (const t of tags) versions.set(t, 'v1')
          map.set(`user:${k}`, { v: sampleValue(k), tags, vers: ['v1', 'v1', 'v1'] })
        }
      },
      run: async () => {
        const e = map.get(next())
        if (e === undefined) return undefined
        for (let t = 0; t < e.tags.length; t++)
          if (versions.get(e.tags[t] as string) !== e.vers[t]) return undefined
        return e.v
      },
    },
  ]
}

export const tasks: Record<string, ChildTask> = {
  get: () => measureProcess(cases(), { rounds: 6, ms: 300, warmupMs: 300 }),
}

/**
 * Memory-store `get` of an entry with 3 tags, 10k keys, awaited, 1 in flight.
 * By reference (`serialize: false`, the hot in-process path): target >= 0.5x
 * an awaited `lru-cache` get. The default decodes a copy per read, as Redis
 * does: target >= 1.0x an awaited `structuredClone` of an `lru-cache` value.
 */
export async function memoryBench({ runs }: BenchOptions): Promise<void> {
  const processes = await runProcesses('memory', 'get', runs)
  const size = JSON.stringify(sampleValue(1)).length
  const head = `memory store: get of a tagged entry (${KEYS.toLocaleString('en-US')} keys, 3 tags, ~${size}-byte values), awaited, 1 in flight; ${runs} processes`
  printTable(`${head}\n  by reference and ceiling, vs ${LRU}`, [
    summarize(processes, LRU, LRU),
    summarize(processes, BY_REFERENCE, LRU, 0.5),
    summarize(processes, COPIES, LRU),
    summarize(processes, CEILING, LRU),
  ])
  printTable(`  copies, vs ${LRU_CLONE} (same processes)`, [
    summarize(processes, LRU_CLONE, LRU_CLONE),
    summarize(processes, COPIES, LRU_CLONE, 1.0),
  ])
}
