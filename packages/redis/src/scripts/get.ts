import { SERVABLE } from './lua-library.js'
import { luaScript } from './script.js'

/**
 * Reads entries and checks them against the current versions of their tags,
 * atomically, in one round trip.
 *
 * - KEYS: entry keys. ARGV: none.
 * - Touches: `GET` of each entry key; `MGET` of the tag keys named inside
 *   each entry, which are **not** in KEYS (never sent with `declaredKeysOnly`).
 *
 * Returns one element per key: `false` when absent; `0` when present but not
 * servable (a tag's version changed or is missing, or the bytes are not an
 * entry, or the key holds another Redis type); the entry when every stored
 * version is current (one bulk string, as cheap for clients to parse as a
 * GET); or, for an entry stale by a soft expiry (`expireTags`), an array of
 * the entry and its tags' current versions, for core to judge.
 */
export const GET_SCRIPT = luaScript(
  'get',
  `${SERVABLE}
local out = {}
for i, key in ipairs(KEYS) do
  local s = redis.pcall('GET', key)
  if not s then
    out[i] = false
  elseif type(s) ~= 'string' then
    out[i] = 0
  else
    local r, current = servable(s)
    if r == 1 then
      out[i] = s
    elseif r == 2 then
      out[i] = {s, unpack(current)}
    else
      out[i] = 0
    end
  end
end
return out
`,
)
