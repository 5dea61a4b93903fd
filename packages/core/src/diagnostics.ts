import {
  type Channel,
  channel,
  type TracingChannel,
  tracingChannel,
} from 'node:diagnostics_channel'
import type { Hook, OperationEndEvent } from './hooks.js'

/** Hook events published on a plain channel of their own (`tagcache:<event>`). */
export type ChannelEvent = Exclude<keyof Hook, 'before' | 'after' | 'around' | 'latency'>

/**
 * Names of the `node:diagnostics_channel` channels every cache publishes to,
 * whether or not it has hooks, so that observability tools can watch every
 * cache in the process without being passed to `createCache`:
 *
 * - `operation`: a tracing channel (`tracing:tagcache:operation:start`,
 *   `:end`, `:asyncStart`, `:asyncEnd`, `:error`). Its context is the
 *   operation's hook event: `start` sees what `before` sees; at `asyncEnd` it
 *   carries `duration` and `outcome` (and `error` when it failed).
 * - one plain channel per event: `tagcache:hit`, `tagcache:miss`, `tagcache:set`,
 *   `tagcache:invalidate`, `tagcache:evict`, `tagcache:stale`,
 *   `tagcache:coalesced`, `tagcache:breaker`, `tagcache:error`, `tagcache:hookError`; each message
 *   is the object the matching hook method receives.
 *
 * Nothing is published, and nothing is allocated for it, while a channel has
 * no subscribers.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel'
 * import { channelNames } from '@tagcache/core'
 *
 * subscribe(channelNames.miss, (event) => console.log('miss', event))
 * ```
 */
export const channelNames = {
  operation: 'tagcache:operation',
  error: 'tagcache:error',
  hit: 'tagcache:hit',
  miss: 'tagcache:miss',
  set: 'tagcache:set',
  invalidate: 'tagcache:invalidate',
  evict: 'tagcache:evict',
  stale: 'tagcache:stale',
  coalesced: 'tagcache:coalesced',
  breaker: 'tagcache:breaker',
  hookError: 'tagcache:hookError',
} as const satisfies Record<ChannelEvent | 'operation', string>

/** @internal The operation tracing channel. */
export const operationChannel: TracingChannel<object, OperationEndEvent & object> = tracingChannel(
  channelNames.operation,
)

/** @internal One plain channel per event. */
export const eventChannels: Record<ChannelEvent, Channel> = {
  error: channel(channelNames.error),
  hit: channel(channelNames.hit),
  miss: channel(channelNames.miss),
  set: channel(channelNames.set),
  invalidate: channel(channelNames.invalidate),
  evict: channel(channelNames.evict),
  stale: channel(channelNames.stale),
  coalesced: channel(channelNames.coalesced),
  breaker: channel(channelNames.breaker),
  hookError: channel(channelNames.hookError),
}
