// A store over a client of its own, for the scripts the tests fork
// (bounded-writer.mjs, lock-holder.mjs). Uses the built packages.

/** `{ store, close }` for `driver` ('ioredis' or 'node-redis') on the server at `url`. */
export async function connectStore(driver, url) {
  if (driver === 'ioredis') {
    const { Redis } = await import('ioredis')
    const { ioredisStore } = await import('@tagcache/ioredis')
    const client = new Redis(url)
    return { store: ioredisStore(client), close: () => client.quit() }
  }
  const { createClient } = await import('redis')
  const { nodeRedisStore } = await import('@tagcache/node-redis')
  const client = createClient({ url })
  await client.connect()
  return { store: nodeRedisStore(client), close: () => client.close() }
}
