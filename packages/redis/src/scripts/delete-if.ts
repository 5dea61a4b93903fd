import { luaScript } from './script.js'

/**
 * Deletes an entry only if it still holds the bytes a read found (compare and
 * delete): core's lazy removal of an entry it can never serve, which must not
 * remove another process's newer write of the key.
 *
 * - KEYS[1]: the entry key. ARGV[1]: the entry's bytes as read.
 * - Touches: `GET`, `DEL` of KEYS[1]. A key of another type is left alone.
 *
 * Returns 1 if the entry was deleted, 0 otherwise.
 */
export const DELETE_IF_SCRIPT = luaScript(
  'delete-if',
  `if redis.pcall('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`,
)
