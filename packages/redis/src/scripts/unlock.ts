import { luaScript } from './script.js'

/**
 * Releases a stampede lock if, and only if, its owner asks (compare and delete).
 *
 * - KEYS[1]: the lock key. ARGV[1]: the owner token. ARGV[2]: the channel
 *   that announces releases (`''`: none).
 * - Touches: `GET`, `DEL` of KEYS[1]; `PUBLISH` of KEYS[1] (as Redis sees
 *   it) to ARGV[2] once released, so that waiters read the value at once. A
 *   key of another type (planted by another client) is left alone: `GET`
 *   fails inside `pcall`, nothing matches.
 *
 * Returns 1 if the lock was released, 0 otherwise.
 */
export const UNLOCK_SCRIPT = luaScript(
  'unlock',
  `if redis.pcall('GET', KEYS[1]) == ARGV[1] then
  local n = redis.call('DEL', KEYS[1])
  if ARGV[2] and ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[2], KEYS[1]) end
  return n
end
return 0
`,
)
