import { LUA_FIRST_TAG_KEY } from './lua-library.js'
import { luaScript } from './script.js'

/**
 * A read whose tag keys the caller remembers (from the entry's last read or
 * write): one `MGET` of the entry and those tag keys, then one comparison of
 * the current versions with the stored ones, as a block. Nothing is parsed
 * out of the entry, so it costs Redis about two thirds of the GET script.
 *
 * - KEYS[1]: entry key; KEYS[2..]: the tag keys the entry is expected to carry.
 *   ARGV: none.
 * - Touches: `MGET` of KEYS, nothing else.
 *
 * Returns `false` when absent; the entry when every version is current; the
 * entry wrapped in a table when a version is missing; otherwise the entry
 * followed by its tags' current versions, for the caller to compare (a
 * version may be stale by a soft expiry, `expireTags`, rather than invalid). The caller checks that the entry's tag
 * keys are KEYS[2..] (`checkHinted`): if not (it was rewritten with other
 * tags), the answer says nothing, and it reads the entry another way.
 */
export const HINTED_GET_SCRIPT = luaScript(
  'hinted-get',
  `local r = redis.call('MGET', unpack(KEYS))
local s = r[1]
if not s then return false end
local pos = ${LUA_FIRST_TAG_KEY}
for j = 2, #KEYS do
  if not r[j] then return {s} end
  pos = pos + #KEYS[j] + 1
end
if string.find(s, table.concat(r, '\\0', 2) .. '\\0', pos, true) == pos then return s end
return r
`,
)
