import { TAG_FUNCTIONS, TAG_KEYS } from './lua-library.js'
import { luaScript } from './script.js'

/**
 * Sets an entry's ttl and extends its tags' ttls to match, atomically.
 *
 * - KEYS[1]: entry key. ARGV[1]: ttl ms (0: none).
 * - Touches: `GET`, `PEXPIRE`, `PERSIST` of KEYS[1]; `PTTL`, `PEXPIRE`,
 *   `PERSIST` of the tag keys named inside the entry, which are **not** in
 *   KEYS (never sent with `declaredKeysOnly`).
 *
 * Returns 1, or 0 when the entry does not exist (or the key holds another
 * Redis type, planted by another client: left alone).
 */
export const EXPIRE_SCRIPT = luaScript(
  'expire',
  `${TAG_FUNCTIONS}${TAG_KEYS}
local s = redis.pcall('GET', KEYS[1])
if type(s) ~= 'string' then return 0 end
local ttl = tonumber(ARGV[1])
for _, key in ipairs(tagKeys(s) or {}) do extend(key, ttl) end
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
return 1
`,
)
