import { randomBytes } from 'node:crypto'

// A tag version must differ from every version the tag ever had, even after
// the store lost the tag (eviction, flush, failover) and a later write creates
// it again: were it equal to an old one, entries invalidated back then would be
// served again. A counter per tag restarts and collides; this is
// a 96-bit random process id plus a process-wide counter, which never repeats
// and costs one string concatenation per write.
const processId = randomBytes(12).toString('base64url')
let counter = 0

/**
 * Returns a tag version no tag has ever had (random process id + counter).
 * Versions are 1 to 64 characters of `[A-Za-z0-9_-]`: stores rely on it to
 * tell a version from bytes another program wrote under a version key
 * ({@link isTagVersion}).
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
