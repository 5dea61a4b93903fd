import type { UserConfig } from 'tsdown'
/** Base tsdown options shared by every published package, with overrides applied. */
export declare function defineBuild(overrides?: UserConfig): UserConfig
