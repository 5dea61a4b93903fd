import { randomBytes } from 'node:crypto'

// A tag version must differ from every version the tag ever had, even after
// the store lost the tag (eviction, flush, failover) and a later write creates
// it again: were it equal to an old one, entries invalidated back then would be
// served again. A counter per tag restarts and collides; this is
// a 96-bit random process id plus a process-wide counter, which never repeats
// and costs one string concatenation per write.
//
// Both parts are base 36 ([0-9a-z]), so a plain version never contains `_`:
// a soft version (expireTags) is `<fresh>_<anchor>`, see softVersion.
const processId = BigInt(`0x${randomBytes(12).toString('hex')}`)
  .toString(36)
  .padStart(19, '0')
let counter = 0

/**
 * Returns a tag version no tag has ever had (random process id + counter):
 * at most 30 characters of `[0-9a-z]`. Versions in general (soft ones
 * included, see {@link softVersion}) are 1 to 64 characters of
 * `[A-Za-z0-9_-]`: stores rely on it to tell a version from bytes another
 * program wrote under a version key ({@link isTagVersion}).
 */
export function createTagVersion(): string {
  counter++
  return processId + counter.toString(36)
}

const VERSION = /^[A-Za-z0-9_-]{1,64}$/

/**
 * Whether `value` has the shape of a tag version ({@link createTagVersion}).
 * A store that finds anything else under a version key treats it as missing
 * and replaces it with a fresh version.
 */
export function isTagVersion(value: string): boolean {
  return VERSION.test(value)
}

/**
 * The version a soft expiry (`cache.expireTags`) gives a tag whose current
 * version is `old`: `<fresh>_<anchor>`, where the anchor is the last version
 * the tag had from a hard change (a write that created it, or `invalidate`):
 * `old` itself, or `old`'s anchor when `old` is soft too. An entry whose
 * stored version has the same anchor as the tag's current one was written
 * before the soft expiry and after the last hard change: it is **stale**
 * (served only within a grace period, see `wrap`'s `grace`), never fresh.
 * An entry from before the last hard change has another anchor: invalid.
 *
 * Stores implement `Store.expireTags` with it (the Redis scripts spell the
 * same rule in Lua). `old` absent or not a version: the fresh version alone
 * (nothing written before can be served, not even as stale).
 *
 * @param fresh - A version from {@link createTagVersion} (no `_`).
 */
export function softVersion(fresh: string, old: string | null | undefined): string {
  if (old === null || old === undefined || !isTagVersion(old)) return fresh
  return `${fresh}_${anchorOf(old)}`
}

/** The anchor of a version (see {@link softVersion}): the part after `_`, or the version itself. */
export function anchorOf(version: string): string {
  const at = version.indexOf('_')
  return at === -1 ? version : version.slice(at + 1)
}

/**
 * How a stored tag version compares with the tag's current one:
 * `'fresh'` when equal; `'stale'` when the current version is soft
 * ({@link softVersion}) and both have the same anchor (the tag was only
 * expired softly since); `'invalid'` otherwise (a hard invalidation, or no
 * current version: rule 1, a missing version never matches).
 */
export function compareVersion(
  stored: string,
  current: string | null,
): 'fresh' | 'stale' | 'invalid' {
  if (current === null) return 'invalid'
  if (current === stored) return 'fresh'
  const at = current.indexOf('_')
  if (at === -1) return 'invalid'
  return anchorOf(stored) === current.slice(at + 1) ? 'stale' : 'invalid'
}
