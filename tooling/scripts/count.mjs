// @ts-check
// Counting for the README's test command, kept apart from test-all.mjs so
// that it is tested (test/count.test.ts).

/**
 * @typedef {object} VitestJsonReport
 * @property {number} [numPassedTests]
 * @property {number} [numFailedTests]
 * @property {number} [numPendingTests]
 * @property {number} [numTodoTests]
 * @property {{ name?: string, status?: string, message?: string, assertionResults?: { status?: string, fullName?: string, title?: string, failureMessages?: string[] }[] }[]} [testResults]
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

/**
 * One line per failure in a vitest JSON report: the test file (relative to
 * `root`), the test's full name and the first line of its first error; a file
 * that failed with no failed test gives its own message. Printed at the end of
 * the README's test command so that a log cut to its last lines still names
 * what failed.
 *
 * @param {VitestJsonReport} report
 * @param {string} root
 * @returns {string[]}
 */
export function listFailures(report, root) {
  /** @param {string | undefined} text */
  const firstLine = (text) =>
    (text ?? '')
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '') ?? '(no message)'
  const lines = []
  for (const file of report.testResults ?? []) {
    const name = (file.name ?? '?').startsWith(root)
      ? (file.name ?? '').slice(root.length).replace(/^\//, '')
      : (file.name ?? '?')
    const failedTests = (file.assertionResults ?? []).filter((t) => t.status === 'failed')
    for (const t of failedTests) {
      lines.push(`${name} > ${t.fullName ?? t.title ?? '?'}: ${firstLine(t.failureMessages?.[0])}`)
    }
    if (file.status === 'failed' && failedTests.length === 0) {
      lines.push(`${name}: ${firstLine(file.message)}`)
    }
  }
  return lines
}
