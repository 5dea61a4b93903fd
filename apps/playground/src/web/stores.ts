// What the web view runs on: the base store chosen with --store, the layers over it, and what
// the page says about the stores not chosen.
import type { Store } from '@tagcache/core'
import type { PlaygroundOptions } from '../cli.ts'
import type { LayerState, StoreChoice } from './api.ts'

/**
 * A store wrapped around the base store, shown on the page as a layer.
 *
 * The near cache is one (see near-layer.ts, `--near`). The cache, counters, latencies and
 * traffic loop run on the outermost store, and `cache.close()` closes it; a layer with a `state`
 * gets a panel of its own on the page.
 */
export interface StoreLayer {
  /** Short name on the page, e.g. `near`. */
  name: string
  /** One line on what it does, shown beside the name. */
  detail: string
  /** Returns the store that wraps `store`. */
  wrap(store: Store): Store
  /** What the page shows of the layer, read at every poll (after `wrap`). */
  state?(): LayerState
  /** Zeroes what `state` counts, with the page's "Reset counters". */
  reset?(): void
}

/** A Redis URL for display: the password, if any, replaced by `***`. */
export function maskedUrl(url: string): string {
  const shown = new URL(url)
  if (shown.password) shown.password = '***'
  return shown.toString()
}

/** The three stores with, for each, whether it is in use and how to pick it. */
export function storeChoices(
  options: Pick<PlaygroundOptions, 'store' | 'redisUrl' | 'redisUrlSource'> & { near?: boolean },
): StoreChoice[] {
  const { store, redisUrl, redisUrlSource, near = false } = options
  const url = maskedUrl(redisUrl)
  const redis = (name: 'ioredis' | 'node-redis', driver: string): StoreChoice => {
    if (store === name) {
      const layer = near
        ? 'under a near cache (--near)'
        : 'restart with --near for a near cache over it'
      return {
        name,
        inUse: true,
        available: true,
        note: `${driver} client, Redis at ${url}; ${layer}`,
      }
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
