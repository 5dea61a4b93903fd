import { ENTRY_HEADER, TAG_FUNCTIONS } from './lua-library.js'
import { luaScript } from './script.js'

/**
 * Writes one entry, choosing tag versions atomically with the write.
 *
 * - KEYS[1]: entry key; KEYS[2..]: tag keys. ARGV[1]: ttl ms (0: none);
 *   ARGV[2]: candidate version, or '' when versions were captured;
 *   ARGV[3]: payload; ARGV[4..]: captured versions, aligned with KEYS[2..].
 * - Touches: `SET` of KEYS[1]; `SET`, `PTTL`, `PEXPIRE`, `PERSIST` of KEYS[2..].
 *
 * Returns 1.
 */
export const SET_SCRIPT = luaScript(
  'set',
  `${TAG_FUNCTIONS}
local ttl = tonumber(ARGV[1])
local captured = ARGV[2] == ''
local keys, versions = {}, {}
for i = 2, #KEYS do
  local key = KEYS[i]
  if captured then
    versions[i - 1] = ARGV[i + 2]
    extend(key, ttl)
  else
    versions[i - 1] = ensure(key, ARGV[2], ttl)
  end
  keys[i - 1] = key
end
local k = #keys
local body = ''
if k > 0 then body = table.concat(keys, '\\0') .. '\\0' .. table.concat(versions, '\\0') .. '\\0' end
local entry = ${ENTRY_HEADER} .. body .. ARGV[3]
if ttl > 0 then
  redis.call('SET', KEYS[1], entry, 'PX', ttl)
else
  redis.call('SET', KEYS[1], entry)
end
return 1
`,
)
