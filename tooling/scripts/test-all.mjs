#!/usr/bin/env node
// The README's test command: build, typecheck, lint and test every package
// through turbo, then print one repo-wide `N passed, N failed` line summed from
// each package's vitest JSON report (.vitest/results.json).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { countResults, listFailures } from './count.mjs'

const root = new URL('../..', import.meta.url).pathname
const groups = ['packages', 'apps', 'tooling']
const resultFiles = groups.flatMap((group) => {
  const dir = join(root, group)
  if (!existsSync(dir)) return []
  return readdirSync(dir).map((name) => ({
    pkg: `${group}/${name}`,
    file: join(dir, name, '.vitest', 'results.json'),
  }))
})
for (const { file } of resultFiles) rmSync(file, { force: true })

const extra = process.argv.slice(2)
const turbo = spawnSync(
  'turbo',
  ['run', 'build', 'typecheck', 'lint', 'test', '--continue', '--output-logs=new-only', ...extra],
  { stdio: 'inherit', cwd: root },
)

let passed = 0
let failed = 0
let skipped = 0
const rows = []
const failures = []
for (const { pkg, file } of resultFiles) {
  if (!existsSync(file)) continue
  const report = JSON.parse(readFileSync(file, 'utf8'))
  const { passed: p, failed: f, skipped: s } = countResults(report)
  failures.push(...listFailures(report, join(root, pkg)).map((line) => `  ${pkg}/${line}`))
  passed += p
  failed += f
  skipped += s
  rows.push(`  ${pkg.padEnd(34)} ${String(p).padStart(5)} passed ${String(f).padStart(3)} failed`)
}
console.log('\nTests by package:')
console.log(rows.join('\n'))
if (failures.length > 0) {
  // Named here, at the end, so that a log cut to its last lines still says what failed.
  console.log('\nFailed:')
  console.log(failures.join('\n'))
}
const status = turbo.status ?? 1
if (status !== 0 && failed === 0) {
  // A build, typecheck or lint failure counts as one failure: never report green.
  console.log('\nA build, typecheck or lint task failed (see above).')
  failed += 1
}
if (rows.length === 0) failed += 1
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(status !== 0 || failed > 0 ? 1 : 0)
