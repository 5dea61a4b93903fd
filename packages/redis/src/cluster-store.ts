import type { StoredEntry, StoreWrite } from '@tagcache/core'
import { RedisStoreBase } from './base-store.js'
import { type Commands, ttlArg } from './commands.js'
import type { RedisArg } from './driver.js'
import { encodeEntry } from './entry-format.js'
import { TAGS_SCRIPT } from './scripts/index.js'
import { TagHints } from './tag-hints.js'

/**
 * The store on Redis Cluster. An entry and its tags hash to different slots,
 * so no script sees them all: every command names one key (never
 * cross-slot), the per-key commands of a step are sent in parallel, and a
 * tagged read or write takes at most two round trips. No script touches a
 * key it is not given, so `declaredKeysOnly` changes nothing here.
 */
export class ClusterStore extends RedisStoreBase {
  // Hints save a script's work on one server; here reads are two steps anyway.
  protected readonly hints: TagHints

  constructor(commands: Commands) {
    super(commands)
    this.hints = new TagHints(0, commands.prefix, commands.luaPrefix, false)
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    const [entry] = await this.readInTwoSteps([key])
    return entry
  }

  async getMany(keys: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    if (keys.length === 0) return []
    return this.readInTwoSteps(keys)
  }

  /**
   * Captured versions: write the entry and extend the tags in parallel (one
   * round trip). Otherwise: ensure the tags' versions, then write (two).
   */
  async set(key: string, write: StoreWrite): Promise<void> {
    const { prefix, luaPrefix } = this.commands
    const full = prefix + key
    const setEntry = (versions: readonly string[]) => {
      const tagKeys = write.tags.map((t) => luaPrefix + t)
      const bytes = encodeEntry(tagKeys, versions, write.value)
      const args: RedisArg[] = Number.isFinite(write.ttl)
        ? ['SET', full, bytes, 'PX', ttlArg(write.ttl)]
        : ['SET', full, bytes]
      return this.commands.call(args, full, 'set')
    }
    if (write.captured !== undefined) {
      await Promise.all([setEntry(write.captured), this.extendTags(write.tags, write.ttl, 'set')])
      return
    }
    const versions = await this.tagVersions(write.tags, write.candidate, write.ttl)
    await setEntry(versions)
  }

  expire(key: string, ttl: number): Promise<boolean> {
    return this.expireInTwoSteps(key, ttl)
  }

  /** One script per tag: each tag key may live on another node. */
  async extendTags(tags: readonly string[], ttl: number, operation: string): Promise<void> {
    const args = ['extend', '', ttlArg(ttl)]
    const prefix = this.commands.prefix
    await Promise.all(
      tags.map((t) => this.commands.script(TAGS_SCRIPT, [prefix + t], args, operation)),
    )
  }
}
