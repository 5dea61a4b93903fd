import { redisGlobalSetup } from '@tagcache/redis-harness'
import { defineTestConfig } from '@tagcache/vitest-config'
import ts from 'typescript'

// Vite's transformer (oxc) parses TC39 standard decorators but does not lower
// them, and Node cannot run them yet: files that use them go through the
// TypeScript compiler, exactly as a user's `tsc` build would.
export default defineTestConfig({
  // Nearly every test here spawns Node (the CLI, README examples) or runs the
  // TypeScript compiler: seconds alone, tens of seconds on a loaded 2-core
  // machine with turbo running other packages beside it. The limits only
  // catch hangs, so they are far above what a run needs.
  // One redis-server and one cluster for the whole test run, not one per file.
  test: { testTimeout: 180_000, globalSetup: redisGlobalSetup({ cluster: true }) },
  plugins: [
    {
      name: 'tagcache:tc39-decorators',
      enforce: 'pre',
      transform(code, id) {
        if (!id.endsWith('decorators.test.ts')) return null
        const out = ts.transpileModule(code, {
          fileName: id,
          compilerOptions: {
            target: ts.ScriptTarget.ES2022,
            module: ts.ModuleKind.ESNext,
            sourceMap: true,
          },
        })
        return {
          code: out.outputText,
          map: out.sourceMapText ? JSON.parse(out.sourceMapText) : null,
        }
      },
    },
  ],
})
