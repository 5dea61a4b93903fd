// `pnpm bench`: every figure is a ratio to a baseline measured in the same run.
import { memoryBench } from './memory.ts'

console.log(`tagcache bench: node ${process.version}, ${process.platform}/${process.arch}`)
await memoryBench()
