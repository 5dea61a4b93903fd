// Lua functions the scripts share, built from the entry format's constants
// so that the layout has one owner (entry-format.ts).
import { ENTRY_FORMAT_VERSION, ENTRY_HEADER_BYTES } from '../entry-format.js'

/** Position (1-based, as Lua counts) of an entry's first tag key: right after the header. */
export const LUA_FIRST_TAG_KEY = ENTRY_HEADER_BYTES + 1

/**
 * `replace`, `extend`, `ensure` and `soften` of a tag version key. Each
 * touches only the key it is given: `GET`, `SET`, `PTTL`, `PEXPIRE`,
 * `PERSIST` on `key`. `soften` gives the key core's soft version
 * (`softVersion` in @tagcache/core: `<candidate>_<anchor of the current
 * version>`, or the candidate alone when there is no version).
 *
 * A tag version key gets a fresh version only when it has none (SET NX), and
 * otherwise lives at least as long as the entries written with it (rule 1).
 * A key that must live `ttl` more gets twice that (`2 * ttl`, when created
 * or extended): the next writes within `ttl` find it long enough and leave it
 * alone. Every `PEXPIRE` is a change of the key for Redis, which client
 * tracking reports: extending on every write would tell every near cache
 * holding the tag's version that it changed, at every write that carries it
 * (the namespace's tag: every write).
 * A key holding something that is not a version (bytes another program
 * wrote, or a hash, list... under the name) reads as having none: it is
 * replaced by the fresh version, so one stray write never disables a
 * namespace. Versions are 1 to 64 characters of [A-Za-z0-9_-] (see
 * createTagVersion in core), so they never contain the entry format's NUL.
 */
export const TAG_FUNCTIONS = `
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
    redis.call('PEXPIRE', key, 2 * ttl)
  end
end
local function ensure(key, candidate, ttl)
  local old
  if ttl > 0 then
    old = redis.pcall('SET', key, candidate, 'NX', 'GET', 'PX', 2 * ttl)
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
local function soften(key, candidate, ttl)
  local old = redis.pcall('GET', key)
  local v = candidate
  if type(old) == 'string' and #old <= 64 and string.find(old, '^[%w_%-]+$') then
    local u = string.find(old, '_', 1, true)
    if u then v = candidate .. string.sub(old, u) else v = candidate .. '_' .. old end
  end
  return replace(key, v, ttl)
end
`

/**
 * `tagKeys(s)`: the tag keys of an entry string `s`, and the position where
 * its versions start; nil when `s` is not an entry in this format (another
 * program wrote the key): read as a miss. Touches no key.
 */
export const TAG_KEYS = `
local function tagKeys(s)
  if string.byte(s, 1) ~= ${ENTRY_FORMAT_VERSION} or #s < ${ENTRY_HEADER_BYTES} then return nil end
  local b1, b2 = string.byte(s, 2, 3)
  local keys, pos = {}, ${LUA_FIRST_TAG_KEY}
  for j = 1, b1 * 256 + b2 do
    local z = string.find(s, '\\0', pos, true)
    if not z then return nil end
    keys[j] = string.sub(s, pos, z - 1)
    pos = z + 1
  end
  return keys, pos
end
`

/**
 * `servable(s)`: whether entry string `s` can be served: `1` when every
 * stored version equals its tag's current one (fresh); `2` when each is
 * equal or stale by core's `compareVersion` (the current version is soft,
 * `<fresh>_<anchor>`, and the stored one has that anchor: the tag was
 * expired softly since), at least one stale; `false` otherwise. Also
 * returns the current versions read. Compares in place (string.find
 * anchored at the stored version, then its NUL), so a fresh entry builds no
 * version string in Lua.
 *
 * Touches keys it does not receive: `MGET` of the tag keys named inside `s`.
 * A script using it is not for servers that enforce declared keys (see
 * `declaredKeysOnly`).
 */
export const SERVABLE = `${TAG_KEYS}
local function servable(s)
  local keys, pos = tagKeys(s)
  if keys == nil or #keys == 0 then return false end
  local current = redis.call('MGET', unpack(keys))
  local result = 1
  for j = 1, #keys do
    local v = current[j]
    if not v then return false end
    if string.find(s, v, pos, true) == pos and string.byte(s, pos + #v) == 0 then
      pos = pos + #v + 1
    else
      local z = string.find(s, '\\0', pos, true)
      local u = string.find(v, '_', 1, true)
      if not z or not u then return false end
      local stored = string.sub(s, pos, z - 1)
      local w = string.find(stored, '_', 1, true)
      if w then stored = string.sub(stored, w + 1) end
      if stored ~= string.sub(v, u + 1) then return false end
      result = 2
      pos = z + 1
    end
  end
  return result, current
end
`

/**
 * Lua expression of an entry's header for `k` tags (a Lua variable): the
 * format version, then k as 16-bit big-endian.
 */
export const ENTRY_HEADER = `string.char(${ENTRY_FORMAT_VERSION}, math.floor(k / 256) % 256, k % 256)`

/**
 * `writeEntry(key, first, ttl, candidate, payload, capturedAt)`: writes an
 * entry whose tag keys are `KEYS[first..]`, choosing their versions
 * atomically: with `candidate` `''`, the captured versions
 * `ARGV[capturedAt..]` (aligned with the tag keys) are stored and the tags
 * only extended; otherwise each tag's current version is stored, `candidate`
 * given to those without one. Touches `key` (`SET`, with `replace`) and the
 * tag keys (see {@link TAG_FUNCTIONS}), nothing else.
 */
export const WRITE_ENTRY = `${TAG_FUNCTIONS}local function writeEntry(key, first, ttl, candidate, payload, capturedAt)
  local captured = candidate == ''
  local keys, versions = {}, {}
  for i = first, #KEYS do
    local tag, j = KEYS[i], i - first + 1
    if captured then
      versions[j] = ARGV[capturedAt + j - 1]
      extend(tag, ttl)
    else
      versions[j] = ensure(tag, candidate, ttl)
    end
    keys[j] = tag
  end
  local k = #keys
  local body = ''
  if k > 0 then body = table.concat(keys, '\\0') .. '\\0' .. table.concat(versions, '\\0') .. '\\0' end
  replace(key, ${ENTRY_HEADER} .. body .. payload, ttl)
end
`
