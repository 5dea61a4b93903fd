// @ts-check
/**
 * Base tsdown options shared by every published package: ESM only, type
 * declarations, Node 22 target, and the package checks (publint, attw) run as
 * part of the build so a broken `exports` map fails before publishing.
 *
 * @param {import('tsdown').UserConfig} [overrides]
 * @returns {import('tsdown').UserConfig}
 */
export function defineBuild(overrides = {}) {
  return {
    entry: ['src/index.ts'],
    format: 'esm',
    platform: 'node',
    target: 'node22',
    dts: true,
    clean: true,
    fixedExtension: false,
    sourcemap: true,
    treeshake: true,
    publint: { strict: true },
    attw: { profile: 'esm-only', level: 'error' },
    ...overrides,
  }
}
