// `pnpm bench`: every figure is a ratio to a baseline measured in the same run.
//   pnpm bench              all suites
//   pnpm bench memory       one suite (memory | serializers | redis | observability)
import { memoryBench } from './memory.ts'
import { observabilityBench } from './observability.ts'
import { redisBench } from './redis.ts'
import { serializerBench } from './serializers.ts'

const suites: Record<string, () => Promise<void>> = {
  memory: memoryBench,
  serializers: serializerBench,
  redis: redisBench,
  observability: observabilityBench,
}
const wanted = process.argv.slice(2).filter((a) => a !== '--')
const unknown = wanted.filter((name) => !(name in suites))
if (unknown.length > 0) {
  console.error(
    `[bench] unknown suite ${unknown.join(', ')}; expected ${Object.keys(suites).join(', ')}`,
  )
  process.exit(2)
}

console.log(`tagcache bench: node ${process.version}, ${process.platform}/${process.arch}`)
for (const name of wanted.length > 0 ? wanted : Object.keys(suites)) await suites[name]?.()
