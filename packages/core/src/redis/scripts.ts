import { createHash } from 'node:crypto'

/** A Lua script with its SHA1, run with EVALSHA and reloaded on NOSCRIPT. */
export interface LuaScript {
  readonly name: string
  readonly lua: string
  readonly sha: string
}

function script(name: string, lua: string): LuaScript {
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') }
}

// Entry format (a Redis string):
//   byte 0      format version (1)
//   bytes 1..4  metadata length n, unsigned 32-bit big-endian
//   n bytes     metadata: tagId \0 version \0 tagId \0 version ... (UTF-8)
//   rest        payload, byte for byte
// Tag ids are stored without the key prefix; core guarantees they contain no NUL.

// A tag version key gets a fresh version only when it has none (SET NX), and
// otherwise lives at least as long as the entries written with it (rule 1).
const TAG_FUNCTIONS = `
local function extend(key, ttl)
  local p = redis.call('PTTL', key)
  if p == -2 then return end
  if ttl == 0 then
    if p >= 0 then redis.call('PERSIST', key) end
  elseif p >= 0 and p < ttl then
    redis.call('PEXPIRE', key, ttl)
  end
end
local function ensure(key, candidate, ttl)
  local old
  if ttl > 0 then
    old = redis.call('SET', key, candidate, 'NX', 'GET', 'PX', ttl)
  else
    old = redis.call('SET', key, candidate, 'NX', 'GET')
  end
  if not old then return candidate end
  extend(key, ttl)
  return old
end
`

const SPLIT = `
local function split(meta)
  local parts, start = {}, 1
  while true do
    local z = string.find(meta, '\\0', start, true)
    if not z then
      parts[#parts + 1] = string.sub(meta, start)
      return parts
    end
    parts[#parts + 1] = string.sub(meta, start, z - 1)
    start = z + 1
  end
end
local function metaOf(s)
  local b1, b2, b3, b4 = string.byte(s, 2, 5)
  local n = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
  if n == 0 then return {} end
  return split(string.sub(s, 6, 5 + n))
end
`

/**
 * Reads entries and the current versions of their tags, atomically, in one
 * round trip. KEYS: entry keys. ARGV[1]: the prefix of tag keys.
 * Returns, per key, `false` or `{ entry, { currentVersion | false, ... } }`.
 */
export const GET_SCRIPT = script(
  'get',
  `${SPLIT}
local out = {}
for i, key in ipairs(KEYS) do
  local s = redis.call('GET', key)
  if not s then
    out[i] = false
  else
    local parts = metaOf(s)
    local current = {}
    if #parts > 0 then
      local tagKeys = {}
      for j = 1, #parts, 2 do tagKeys[#tagKeys + 1] = ARGV[1] .. parts[j] end
      current = redis.call('MGET', unpack(tagKeys))
    end
    out[i] = { s, current }
  end
end
return out
`,
)

/**
 * Writes one entry, choosing tag versions atomically with the write.
 * KEYS[1]: entry key; KEYS[2..]: tag keys.
 * ARGV[1]: ttl ms (0: none); ARGV[2]: candidate version, or '' when versions
 * were captured; ARGV[3]: payload; ARGV[4]: length of the tag key prefix;
 * ARGV[5..]: captured versions, aligned with KEYS[2..].
 */
export const SET_SCRIPT = script(
  'set',
  `${TAG_FUNCTIONS}
local ttl = tonumber(ARGV[1])
local captured = ARGV[2] == ''
local plen = tonumber(ARGV[4])
local parts = {}
for i = 2, #KEYS do
  local key = KEYS[i]
  local v
  if captured then
    v = ARGV[i + 3]
    extend(key, ttl)
  else
    v = ensure(key, ARGV[2], ttl)
  end
  parts[#parts + 1] = string.sub(key, plen + 1)
  parts[#parts + 1] = v
end
local meta = table.concat(parts, '\\0')
local n = #meta
local header = string.char(1, math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
if ttl > 0 then
  redis.call('SET', KEYS[1], header .. meta .. ARGV[3], 'PX', ttl)
else
  redis.call('SET', KEYS[1], header .. meta .. ARGV[3])
end
return 1
`,
)

/**
 * Tag versions: KEYS: tag keys. ARGV[1]: 'ensure' (create missing from
 * ARGV[2]) or 'extend' (only extend existing ones); ARGV[3]: ttl ms (0: none).
 * Returns the versions (ensure) or nothing (extend).
 */
export const TAGS_SCRIPT = script(
  'tags',
  `${TAG_FUNCTIONS}
local ttl = tonumber(ARGV[3])
local out = {}
for i, key in ipairs(KEYS) do
  if ARGV[1] == 'ensure' then
    out[i] = ensure(key, ARGV[2], ttl)
  else
    extend(key, ttl)
  end
end
return out
`,
)

/**
 * Sets an entry's ttl and extends its tags' ttls to match, atomically.
 * KEYS[1]: entry key. ARGV[1]: ttl ms (0: none); ARGV[2]: tag key prefix.
 * Returns 1, or 0 when the entry does not exist.
 */
export const EXPIRE_SCRIPT = script(
  'expire',
  `${TAG_FUNCTIONS}${SPLIT}
local s = redis.call('GET', KEYS[1])
if not s then return 0 end
local ttl = tonumber(ARGV[1])
local parts = metaOf(s)
for j = 1, #parts, 2 do extend(ARGV[2] .. parts[j], ttl) end
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
return 1
`,
)
