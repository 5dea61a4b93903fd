import type { RedisDriver } from './driver.js'

/**
 * Hears stampede lock releases: the `unlock` script publishes each released
 * lock key on one channel per store prefix, and this listens on a connection
 * of the driver's own, opened on the first wait (a store whose caches never
 * wait on a lock opens nothing). Waiters are woken by lock key.
 *
 * A release published before the subscription is acknowledged, or while the
 * connection is down, is not heard: a waiter then reads after its `ms`, as
 * if it had polled (core reads every 50 ms when it can be woken).
 */
export class UnlockListener {
  readonly #driver: RedisDriver
  readonly #channel: string
  readonly #waiters = new Map<string, Set<() => void>>()
  /** The subscription: started on the first wait; `null` when the driver cannot subscribe. */
  #closing: Promise<() => Promise<void>> | null | undefined

  constructor(driver: RedisDriver, channel: string) {
    this.#driver = driver
    this.#channel = channel
  }

  /** The channel the `unlock` script publishes to. */
  get channel(): string {
    return this.#channel
  }

  /** Resolves `true` when `lockKey` (as Redis sees it) is released, `false` after `ms`. */
  wait(lockKey: string, ms: number): Promise<boolean> {
    this.#listen()
    return new Promise((resolve) => {
      let set = this.#waiters.get(lockKey)
      if (set === undefined) {
        set = new Set()
        this.#waiters.set(lockKey, set)
      }
      const waiting = set
      const wake = () => {
        clearTimeout(timer)
        resolve(true)
      }
      const timer = setTimeout(() => {
        waiting.delete(wake)
        if (waiting.size === 0 && this.#waiters.get(lockKey) === waiting)
          this.#waiters.delete(lockKey)
        resolve(false)
      }, ms)
      waiting.add(wake)
    })
  }

  #listen(): void {
    if (this.#closing !== undefined) return
    const subscribe = this.#driver.subscribe
    if (subscribe === undefined) {
      this.#closing = null
      return
    }
    const closing = subscribe.call(this.#driver, this.#channel, (message) => this.#heard(message))
    this.#closing = closing
    // A failed subscription (no permission, connection refused): waiters
    // fall back on their timeouts; the next wait tries again.
    closing.catch(() => {
      if (this.#closing === closing) this.#closing = undefined
    })
  }

  #heard(message: Buffer): void {
    const key = message.toString('utf8')
    const waiting = this.#waiters.get(key)
    if (waiting === undefined) return
    this.#waiters.delete(key)
    for (const wake of waiting) wake()
  }

  /**
   * Closes the connection, if one is open; waiters end by their timeouts. A
   * later wait (another cache over the same store) opens a new one, which
   * the next `close()` closes.
   */
  async close(): Promise<void> {
    const closing = this.#closing
    if (closing === undefined || closing === null) return
    this.#closing = undefined
    const close = await closing.catch(() => undefined)
    await close?.()
  }
}
