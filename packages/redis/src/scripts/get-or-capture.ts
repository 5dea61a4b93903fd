import { SERVABLE, TAG_FUNCTIONS } from './lua-library.js'
import { luaScript } from './script.js'

/**
 * `wrap`'s read: the GET script's check for one entry and, when it is not
 * servable, the TAGS script's `ensure` for the tags the caller will write it
 * with, so a miss captures its versions in the same round trip.
 *
 * - KEYS[1]: entry key; KEYS[2..]: tag keys. ARGV[1]: candidate version;
 *   ARGV[2]: ttl ms (0: none).
 * - Touches: `GET` of KEYS[1]; `MGET` of the tag keys named inside the entry,
 *   which are **not** in KEYS (never sent with `declaredKeysOnly`); `SET`,
 *   `PTTL`, `PEXPIRE`, `PERSIST` of KEYS[2..].
 *
 * Returns `{entry}` when servable; otherwise `{false | 0 | stale, version...}`
 * (false: no entry; 0: an entry not servable, or a key of another Redis
 * type, which the write then replaces; stale: an entry stale by a soft
 * expiry, as the GET script returns it, `{entry, current versions...}`).
 */
export const GET_OR_CAPTURE_SCRIPT = luaScript(
  'get-or-capture',
  `${TAG_FUNCTIONS}${SERVABLE}
local s = redis.pcall('GET', KEYS[1])
local out = {false}
if s then
  out[1] = 0
  if type(s) == 'string' then
    local r, current = servable(s)
    if r == 1 then return {s} end
    if r == 2 then out[1] = {s, unpack(current)} end
  end
end
local ttl = tonumber(ARGV[2])
for i = 2, #KEYS do out[i] = ensure(KEYS[i], ARGV[1], ttl) end
return out
`,
)
