import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { countResults, listFailures } from '../count.mjs'

describe('countResults', () => {
  it('counts one failing test once, and a file that did not load as one failure (a real vitest report)', () => {
    const fixture = new URL('./fixtures/red', import.meta.url).pathname
    const out = join(mkdtempSync(join(tmpdir(), 'tagcache-count-')), 'results.json')
    const run = spawnSync(
      process.execPath,
      [
        new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname,
        'run',
        '--root',
        fixture,
        '--reporter=json',
        `--outputFile=${out}`,
      ],
      { encoding: 'utf8' },
    )
    expect(run.status, run.stderr).toBe(1)
    const report = JSON.parse(readFileSync(out, 'utf8'))
    expect(countResults(report)).toEqual({ passed: 2, failed: 2, skipped: 1 })
    // The summary's last lines name each failure, with its file and first error line.
    expect(listFailures(report, fixture).sort()).toEqual([
      'broken.fixture.ts: this file does not load',
      'tests.fixture.ts > fails: AssertionError: expected 1 to be 2 // Object.is equality',
    ])
  })

  it('a green report has no failures; an empty one counts nothing', () => {
    expect(
      countResults({
        numPassedTests: 3,
        numFailedTests: 0,
        numPendingTests: 1,
        numTodoTests: 1,
        testResults: [{ status: 'passed', assertionResults: [{ status: 'passed' }] }],
      }),
    ).toEqual({ passed: 3, failed: 0, skipped: 2 })
    expect(countResults({})).toEqual({ passed: 0, failed: 0, skipped: 0 })
  })

  it('a file with two failing tests counts two, not three', () => {
    expect(
      countResults({
        numPassedTests: 0,
        numFailedTests: 2,
        testResults: [
          { status: 'failed', assertionResults: [{ status: 'failed' }, { status: 'failed' }] },
        ],
      }),
    ).toEqual({ passed: 0, failed: 2, skipped: 0 })
  })
})
