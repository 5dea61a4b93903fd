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

// Entry format (a Redis string), laid out so that the read script extracts
// the tag keys with one string.find each and creates no other Lua strings:
//   byte 0      format version (2)
//   bytes 1..2  number of tags k, unsigned 16-bit big-endian
//   k times     tag key (as Lua sees it: driver prefix + store prefix + tag id) NUL
//   k times     version NUL
//   rest        payload, byte for byte
// Core guarantees tag ids contain no NUL; versions never do.

// A tag version key gets a fresh version only when it has none (SET NX), and
// otherwise lives at least as long as the entries written with it (rule 1).
// A key holding something that is not a version (bytes another program
// wrote, or a hash, list... under the name) reads as having none: it is
// replaced by the fresh version, so one stray write never disables a
// namespace. Versions are 1 to 64 characters of [A-Za-z0-9_-] (see
// createTagVersion in core), so they never contain the entry format's NUL.
const TAG_FUNCTIONS = `
local function replace(key, candidate, ttl)
  if ttl > 0 then
    redis.call('SET', key, candidate, 'PX', ttl)
  else
    redis.call('SET', key, candidate)
  end
  return candidate
end
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
    old = redis.pcall('SET', key, candidate, 'NX', 'GET', 'PX', ttl)
  else
    old = redis.pcall('SET', key, candidate, 'NX', 'GET')
  end
  if not old then return candidate end
  if type(old) ~= 'string' or #old > 64 or not string.find(old, '^[%w_%-]+$') then
    return replace(key, candidate, ttl)
  end
  extend(key, ttl)
  return old
end
`

// Tag keys of an entry string `s`, and the position where its versions
// start; nil when `s` is not an entry in this format (another program wrote
// the key): read as a miss.
const TAG_KEYS = `
local function tagKeys(s)
  if string.byte(s, 1) ~= 2 or #s < 3 then return nil end
  local b1, b2 = string.byte(s, 2, 3)
  local keys, pos = {}, 4
  for j = 1, b1 * 256 + b2 do
    local z = string.find(s, '\\0', pos, true)
    if not z then return nil end
    keys[j] = string.sub(s, pos, z - 1)
    pos = z + 1
  end
  return keys, pos
end
`

// Whether entry string `s` can be served: every stored version equals its
// tag's current one. Compares in place (string.find anchored at the stored
// version, then its NUL), so no version string is built in Lua.
const SERVABLE = `${TAG_KEYS}
local function servable(s)
  local keys, pos = tagKeys(s)
  if keys == nil or #keys == 0 then return false end
  local current = redis.call('MGET', unpack(keys))
  for j = 1, #keys do
    local v = current[j]
    if not v or string.find(s, v, pos, true) ~= pos or string.byte(s, pos + #v) ~= 0 then
      return false
    end
    pos = pos + #v + 1
  end
  return true
end
`

/**
 * Reads entries and checks them against the current versions of their tags,
 * atomically, in one round trip. KEYS: entry keys.
 * Returns one element per key: `false` when absent; `0` when present but not
 * servable (a tag's version changed or is missing, or the bytes are not an
 * entry); otherwise the entry, every stored version being current. The check
 * compares in place (string.find anchored at the stored version, then its
 * NUL), so no version string is built in Lua, and the reply is one bulk
 * string per key, as cheap for clients to parse as a GET.
 */
export const GET_SCRIPT = script(
  'get',
  `${SERVABLE}
local out = {}
for i, key in ipairs(KEYS) do
  local s = redis.call('GET', key)
  if not s then
    out[i] = false
  elseif servable(s) then
    out[i] = s
  else
    out[i] = 0
  end
end
return out
`,
)

/**
 * A read whose tag keys the caller remembers (from the entry's last read or
 * write): one `MGET` of the entry and those tag keys, then one comparison of
 * the current versions with the stored ones, as a block. Nothing is parsed
 * out of the entry, so it costs Redis about two thirds of {@link GET_SCRIPT}.
 * KEYS[1]: entry key; KEYS[2..]: the tag keys the entry is expected to carry.
 * Returns `false` when absent; the entry when every version is current; the
 * entry wrapped in a table otherwise. The caller checks that the entry's tag
 * keys are KEYS[2..]: if not (it was rewritten with other tags), the answer
 * says nothing, and it reads with {@link GET_SCRIPT}.
 */
export const HINTED_GET_SCRIPT = script(
  'hinted-get',
  `local r = redis.call('MGET', unpack(KEYS))
local s = r[1]
if not s then return false end
local pos = 4
for j = 2, #KEYS do
  if not r[j] then return {s} end
  pos = pos + #KEYS[j] + 1
end
if string.find(s, table.concat(r, '\\0', 2) .. '\\0', pos, true) == pos then return s end
return {s}
`,
)

/**
 * `wrap`'s read: the GET script's check for one entry and, when it is not
 * servable, the TAGS script's `ensure` for the tags the caller will write it
 * with, so a miss captures its versions in the same round trip.
 * KEYS[1]: entry key; KEYS[2..]: tag keys. ARGV[1]: candidate version;
 * ARGV[2]: ttl ms (0: none). Returns `{entry}` when servable; otherwise
 * `{false | 0, version...}` (false: no entry; 0: an entry not servable).
 */
export const GET_OR_CAPTURE_SCRIPT = script(
  'get-or-capture',
  `${TAG_FUNCTIONS}${SERVABLE}
local s = redis.call('GET', KEYS[1])
local out = {false}
if s then
  if servable(s) then return {s} end
  out[1] = 0
end
local ttl = tonumber(ARGV[2])
for i = 2, #KEYS do out[i] = ensure(KEYS[i], ARGV[1], ttl) end
return out
`,
)

/**
 * Writes one entry, choosing tag versions atomically with the write.
 * KEYS[1]: entry key; KEYS[2..]: tag keys.
 * ARGV[1]: ttl ms (0: none); ARGV[2]: candidate version, or '' when versions
 * were captured; ARGV[3]: payload; ARGV[4..]: captured versions, aligned with KEYS[2..].
 */
export const SET_SCRIPT = script(
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
local entry = string.char(2, math.floor(k / 256) % 256, k % 256) .. body .. ARGV[3]
if ttl > 0 then
  redis.call('SET', KEYS[1], entry, 'PX', ttl)
else
  redis.call('SET', KEYS[1], entry)
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
 * KEYS[1]: entry key. ARGV[1]: ttl ms (0: none).
 * Returns 1, or 0 when the entry does not exist.
 */
export const EXPIRE_SCRIPT = script(
  'expire',
  `${TAG_FUNCTIONS}${TAG_KEYS}
local s = redis.call('GET', KEYS[1])
if not s then return 0 end
local ttl = tonumber(ARGV[1])
for _, key in ipairs(tagKeys(s) or {}) do extend(key, ttl) end
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
return 1
`,
)
