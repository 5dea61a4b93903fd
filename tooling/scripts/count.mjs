// @ts-check
// Counting for the README's test command, kept apart from test-all.mjs so
// that it is tested (test/count.test.ts).

/**
 * @typedef {object} VitestJsonReport
 * @property {number} [numPassedTests]
 * @property {number} [numFailedTests]
 * @property {number} [numPendingTests]
 * @property {number} [numTodoTests]
 * @property {{ status?: string, assertionResults?: { status?: string }[] }[]} [testResults]
 */

/**
 * Tests passed, failed and skipped in one vitest JSON report. A failed test
 * counts once (its file's failure is the same failure, not another one); a
 * test file that failed with no failed test (it did not load, a hook threw)
 * counts as one failure, so a broken file can never read as green.
 *
 * @param {VitestJsonReport} report
 * @returns {{ passed: number, failed: number, skipped: number }}
 */
export function countResults(report) {
  let brokenFiles = 0
  for (const file of report.testResults ?? []) {
    if (file.status !== 'failed') continue
    const failedTests = (file.assertionResults ?? []).filter((t) => t.status === 'failed').length
    if (failedTests === 0) brokenFiles++
  }
  return {
    passed: report.numPassedTests ?? 0,
    failed: (report.numFailedTests ?? 0) + brokenFiles,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  }
}
