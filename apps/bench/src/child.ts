// One task of one suite, in a process of its own (started by runner.ts):
//   node --expose-gc src/child.ts <suite> <task> '<JSON arguments>'
// Prints the task's result as one JSON line after RESULT_PREFIX. A task
// closes every client it opened: the process must exit by itself.
import { type ChildTask, RESULT_PREFIX } from './runner.ts'

const SUITES = [
  'memory',
  'serializers',
  'redis',
  'bounded',
  'observability',
  'policies',
  'resilience',
  'near',
  'tracking',
] as const

const [suite, task, args = '{}'] = process.argv.slice(2)
if (!SUITES.includes(suite as (typeof SUITES)[number])) {
  console.error(`[bench] child: unknown suite "${suite}"; expected one of ${SUITES.join(', ')}`)
  process.exit(2)
}
const { tasks } = (await import(`./${suite}.ts`)) as { tasks: Record<string, ChildTask> }
const run = task === undefined ? undefined : tasks[task]
if (run === undefined) {
  console.error(
    `[bench] child: unknown task "${task}" of ${suite}; expected one of ${Object.keys(tasks).join(', ')}`,
  )
  process.exit(2)
}
const result = await run(JSON.parse(args))
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`)
