// @ts-check
import { defineConfig, mergeConfig } from 'vitest/config'

/**
 * Vitest config every package extends. Results are also written as JSON to
 * `.vitest/results.json` so that `pnpm test` can print one repo-wide
 * `N passed, N failed` line.
 *
 * @param {import('vitest/config').ViteUserConfig} [overrides]
 */
export function defineTestConfig(overrides = {}) {
  return mergeConfig(
    defineConfig({
      test: {
        include: ['test/**/*.test.ts'],
        reporters: ['default', 'json'],
        outputFile: { json: '.vitest/results.json' },
        // Limits catch hangs, not slowness: CI runs every package at once on
        // 2 cores, where a test that takes 2 s alone can take 30 s.
        testTimeout: 60_000,
        hookTimeout: 60_000,
      },
    }),
    overrides,
  )
}
