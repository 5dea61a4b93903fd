import type { ViteUserConfig } from 'vitest/config'
/** The shared vitest config, with overrides merged in. */
export declare function defineTestConfig(overrides?: ViteUserConfig): ViteUserConfig
