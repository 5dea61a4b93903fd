// What the web view runs on: the base store chosen with --store, the layers over it, and what
// the page says about the stores not chosen.
import type { Store } from '@tagcache/core'
import type { PlaygroundOptions } from '../cli.ts'
import type { StoreChoice } from './api.ts'

/**
 * A store wrapped around the base store, shown on the page as a layer.
 *
 * The extension point for the near cache: once `@tagcache/near` exists, a `--near` flag in
 * cli.ts adds `{ name: 'near', detail: 'local L1, CLIENT TRACKING', wrap: (store) =>
 * nearCache(store) }` to the layers main.ts passes to `startWebView` (a Redis base store only).
 * Nothing else changes: the cache, counters, latencies and traffic loop run on the outermost
 * store, and `cache.close()` closes it.
 */
export interface StoreLayer {
  /** Short name on the page, e.g. `near`. */
  name: string
  /** One line on what it does, shown beside the name. */
  detail: string
  /** Returns the store that wraps `store`. */
  wrap(store: Store): Store
}

/** A Redis URL for display: the password, if any, replaced by `***`. */
export function maskedUrl(url: string): string {
  const shown = new URL(url)
  if (shown.password) shown.password = '***'
  return shown.toString()
}

/** The three stores with, for each, whether it is in use and how to pick it. */
export function storeChoices(
  options: Pick<PlaygroundOptions, 'store' | 'redisUrl' | 'redisUrlSource'>,
): StoreChoice[] {
  const { store, redisUrl, redisUrlSource } = options
  const url = maskedUrl(redisUrl)
  const redis = (name: 'ioredis' | 'node-redis', driver: string): StoreChoice => {
    if (store === name) {
      return { name, inUse: true, available: true, note: `${driver} client, Redis at ${url}` }
    }
    if (redisUrlSource === 'default') {
      return {
        name,
        inUse: false,
        available: false,
        note: `needs a Redis: REDIS_URL is not set; restart with REDIS_URL=redis://host:port pnpm demo -- --web --store ${name}`,
      }
    }
    return {
      name,
      inUse: false,
      available: true,
      note: `restart with --store ${name} to use the Redis at ${url} (${redisUrlSource === 'env' ? 'REDIS_URL' : '--redis-url'})`,
    }
  }
  return [
    {
      name: 'memory',
      inUse: store === 'memory',
      available: true,
      note: store === 'memory' ? 'in this process' : 'restart with --store memory',
    },
    redis('ioredis', 'ioredis'),
    redis('node-redis', 'node-redis'),
  ]
}
