// The tagcache playground: `pnpm demo` from the repository root.
// Runs on the memory store by default; every step prints what the cache did.
//   pnpm demo -- --store ioredis --redis-url redis://127.0.0.1:6379
import { parseArgs } from 'node:util'
import { jsonSerializer, type Serializer, type Store } from '@tagcache/core'
import { runDemo } from './demo.ts'

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'memory' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    serializer: { type: 'string', default: 'json' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

const usage =
  'usage: pnpm demo [--store memory|ioredis|node-redis] [--redis-url redis://host:port] [--serializer json|superjson|msgpack|compressed]'
if (values.help) {
  console.log(usage)
  process.exit(0)
}

let serializer: Serializer
switch (values.serializer) {
  case 'json':
    serializer = jsonSerializer()
    break
  case 'superjson':
    serializer = (await import('@tagcache/serializer-superjson')).superjsonSerializer()
    break
  case 'msgpack':
    serializer = (await import('@tagcache/serializer-msgpack')).msgpackSerializer()
    break
  case 'compressed': {
    const { compressed } = await import('@tagcache/serializer-compress')
    serializer = compressed(jsonSerializer(), { algorithm: 'gzip', threshold: 64 })
    break
  }
  default:
    console.error(
      `[playground] unknown --serializer ${JSON.stringify(values.serializer)}; expected json, superjson, msgpack or compressed\n${usage}`,
    )
    process.exit(2)
}

let store: Store
let close = async () => {}
switch (values.store) {
  case 'memory': {
    const { memoryStore } = await import('@tagcache/memory')
    // serialize: true so that the chosen serializer really runs.
    store = memoryStore({ serialize: values.serializer !== 'json' })
    break
  }
  case 'ioredis': {
    const { Redis } = await import('ioredis')
    const { ioredisStore } = await import('@tagcache/ioredis')
    const client = new Redis(values['redis-url'], { maxRetriesPerRequest: 1, lazyConnect: true })
    await client.connect()
    store = ioredisStore(client)
    close = async () => void (await client.quit())
    break
  }
  case 'node-redis': {
    const { createClient } = await import('redis')
    const { nodeRedisStore } = await import('@tagcache/node-redis')
    const client = createClient({ url: values['redis-url'] })
    await client.connect()
    store = nodeRedisStore(client)
    close = async () => void (await client.close())
    break
  }
  default:
    console.error(
      `[playground] unknown --store ${JSON.stringify(values.store)}; expected memory, ioredis or node-redis\n${usage}`,
    )
    process.exit(2)
}

try {
  await runDemo({ log: console.log, store, serializer })
} finally {
  await close()
}
