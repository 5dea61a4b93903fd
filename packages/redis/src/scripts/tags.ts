import { TAG_FUNCTIONS } from './lua-library.js'
import { luaScript } from './script.js'

/**
 * Tag versions, ensured or extended.
 *
 * - KEYS: tag keys. ARGV[1]: 'ensure' (create missing versions from ARGV[2]),
 *   'soften' (replace each version with the soft version of ARGV[2], see
 *   `soften`: `expireTags`) or 'extend' (only extend existing ones);
 *   ARGV[3]: ttl ms (0: none).
 * - Touches: `GET`, `SET`, `PTTL`, `PEXPIRE`, `PERSIST` of KEYS.
 *
 * Returns the versions (ensure, soften) or nothing (extend).
 */
export const TAGS_SCRIPT = luaScript(
  'tags',
  `${TAG_FUNCTIONS}
local ttl = tonumber(ARGV[3])
local out = {}
for i, key in ipairs(KEYS) do
  if ARGV[1] == 'ensure' then
    out[i] = ensure(key, ARGV[2], ttl)
  elseif ARGV[1] == 'soften' then
    out[i] = soften(key, ARGV[2], ttl)
  else
    extend(key, ttl)
  end
end
return out
`,
)
