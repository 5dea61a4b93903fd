/**
 * @internal Runs one computation per key at a time in this process; callers
 * that arrive while it runs share its promise.
 */
export class SingleFlight {
  readonly #inflight = new Map<string, Promise<unknown>>()

  /** The promise in flight for `key`, if any. */
  get<T>(key: string): Promise<T> | undefined {
    return this.#inflight.get(key) as Promise<T> | undefined
  }

  /** Starts `run` for `key` and forgets it once settled. */
  run<T>(key: string, run: () => Promise<T>): Promise<T> {
    const promise = run().finally(() => {
      if (this.#inflight.get(key) === promise) this.#inflight.delete(key)
    })
    this.#inflight.set(key, promise)
    return promise
  }

  get size(): number {
    return this.#inflight.size
  }
}
