import { randomBytes } from 'node:crypto'

// A tag version must differ from every version the tag ever had, even after
// the store lost the tag (eviction, flush, failover) and a later write creates
// it again (DESIGN.md rule 1). A counter per tag restarts and collides; this is
// a 96-bit random process id plus a process-wide counter, which never repeats
// and costs one string concatenation per write.
const processId = randomBytes(12).toString('base64url')
let counter = 0

/** Returns a tag version no tag has ever had (random process id + counter). */
export function createTagVersion(): string {
  counter++
  return processId + counter.toString(36)
}
