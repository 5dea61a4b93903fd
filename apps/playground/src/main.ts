// The tagcache playground: `pnpm demo` from the repository root.
// Runs on the memory store; every step prints what the cache did and why.
import { parseArgs } from 'node:util'
import { runDemo } from './demo.ts'

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'memory' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (values.help) {
  console.log('usage: pnpm demo [--store memory]')
  process.exit(0)
}
if (values.store !== 'memory') {
  console.error(`[playground] unknown --store ${JSON.stringify(values.store)}; expected memory`)
  process.exit(2)
}

await runDemo({ log: console.log })
