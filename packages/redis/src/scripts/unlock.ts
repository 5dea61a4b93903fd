import { luaScript } from './script.js'

/**
 * Releases a stampede lock if, and only if, its owner asks (compare and delete).
 *
 * - KEYS[1]: the lock key. ARGV[1]: the owner token.
 * - Touches: `GET`, `DEL` of KEYS[1]. A key of another type (planted by
 *   another client) is left alone: `GET` fails inside `pcall`, nothing matches.
 *
 * Returns 1 if the lock was released, 0 otherwise.
 */
export const UNLOCK_SCRIPT = luaScript(
  'unlock',
  `if redis.pcall('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`,
)
