// The scripts of a bounded view (`store.bounded({ id, policy })`): the same
// reads and writes as the unbounded scripts, plus the bookkeeping of the
// bounded cache's index in the same call. One set of scripts per policy, so
// that each carries only its own rule.
//
// An index is a sorted set in the slot of its entries (their keys share its
// hash tag), members are the entries' ids (core's), scores per policy:
// - lru, mru: a counter (INCR of the companion key) at each use;
// - lfu: uses * 2^32 + (counter mod 2^32): fewest uses first, then least
//   recently used; uses saturate at 2^21 - 1 (scores stay exact doubles);
// - fifo: the counter at first insertion (ZADD NX: overwrites keep the place);
// - tlru: `TIME` in ms at each use;
// - rr: 0 (the victim is `ZRANDMEMBER`).
// Every script names the index and the counter in KEYS; evicted entries are
// deleted inside the script (same slot, not in KEYS) unless the caller asks
// for their ids back instead (`declaredKeysOnly`).
import { SERVABLE, WRITE_ENTRY } from './lua-library.js'
import { type LuaScript, luaScript } from './script.js'

/** The policies a Redis view evicts by (TinyLFU is in-process only). */
export type RedisPolicyName = 'lru' | 'lfu' | 'fifo' | 'mru' | 'rr' | 'tlru'

/**
 * Lua of one policy. `write` and `read` are the bodies of `onWrite` and
 * `onRead(idx, m, seq)`, where `seq` is the entry's new place in the order
 * (`seq` below: the counter's next value, the time in ms of this call, or
 * unused; a touch of several entries takes its counter values in one
 * `INCRBY`). `pick` is the body of `pick(idx, m)`.
 */
interface PolicyLua {
  readonly seq: 'counter' | 'time' | 'none'
  readonly write: string
  /** `''` when reads change nothing (FIFO, RR). */
  readonly read: string
  readonly pick: string
}

/** Lua expression of `seq`, for one use of the entry; `ctr` is the counter key. */
const SEQ = {
  counter: `redis.call('INCR', ctr)`,
  time: `nowMs()`,
  none: '0',
} as const

const AT_SEQ = `redis.call('ZADD', idx, seq, m)`
/** The lowest score, unless it is `m` (the entry just written): then the next. */
const LOWEST = `local c = redis.call('ZRANGE', idx, 0, 1)
  if c[1] ~= m then return c[1] end
  return c[2]`
const LFU = `local s = redis.call('ZSCORE', idx, m)
  local uses = 1
  if s then uses = math.min(math.floor(tonumber(s) / 4294967296) + 1, 2097151) end
  redis.call('ZADD', idx, string.format('%.0f', uses * 4294967296 + seq % 4294967296), m)`

const POLICIES: Readonly<Record<RedisPolicyName, PolicyLua>> = {
  lru: { seq: 'counter', write: AT_SEQ, read: AT_SEQ, pick: LOWEST },
  mru: {
    seq: 'counter',
    write: AT_SEQ,
    read: AT_SEQ,
    pick: `local c = redis.call('ZRANGE', idx, -2, -1)
  if c[2] ~= m then return c[2] end
  return c[1]`,
  },
  fifo: { seq: 'counter', write: `redis.call('ZADD', idx, 'NX', seq, m)`, read: '', pick: LOWEST },
  lfu: { seq: 'counter', write: LFU, read: LFU, pick: LOWEST },
  tlru: { seq: 'time', write: AT_SEQ, read: AT_SEQ, pick: LOWEST },
  rr: {
    seq: 'none',
    write: `redis.call('ZADD', idx, 'NX', 0, m)`,
    read: '',
    pick: `local c = redis.call('ZRANDMEMBER', idx, 2)
  if c[1] ~= m then return c[1] end
  return c[2]`,
  },
}

/** The policy's functions, and `readOne`: GET of an entry, its index kept in step. */
function policyLua(p: PolicyLua, servable: boolean): string {
  const touch = p.read === '' ? '' : `onRead(idx, m, ${SEQ[p.seq]}) `
  // servable: a hit is an entry found servable (tags checked here); otherwise
  // (two-step reads) an entry found at all, its tags checked by the caller.
  // A key of another Redis type under the entry's name (another program's)
  // is not an entry: a miss, which the next write replaces.
  const found = servable
    ? `if type(s) == 'string' then
    local r, current = servable(s)
    if r == 1 then ${touch}return s end
    if r == 2 then return {s, unpack(current)} end
  end
  return 0`
    : `if type(s) ~= 'string' then return false end
  ${touch}return s`
  return `
local now
local function nowMs()
  if not now then
    local t = redis.call('TIME')
    now = string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
  end
  return now
end
local function onWrite(idx, ctr, m)
  local seq = ${SEQ[p.seq]}
  ${p.write}
end
local function onRead(idx, m, seq)
  ${p.read}
end
local function readOne(idx, ctr, key, m)
  local s = redis.pcall('GET', key)
  if not s then
    redis.call('ZREM', idx, m)
    return false
  end
  ${found}
end
`
}

/** `evict(idx, m, bound, prefix, del)`: evicts down to `bound`, never `m`; returns the ids evicted. */
function evictLua(p: PolicyLua): string {
  return `
local function pick(idx, m)
  ${p.pick}
end
local function evict(idx, m, bound, prefix, del)
  local out = {}
  while redis.call('ZCARD', idx) > bound do
    local v = pick(idx, m)
    if not v then break end
    redis.call('ZREM', idx, v)
    if not del then
      out[#out + 1] = v
    elseif redis.call('DEL', prefix .. v) == 1 then
      out[#out + 1] = v
    end
  end
  return out
end
`
}

/** The scripts of one policy's bounded views. */
export interface BoundedScripts {
  /**
   * Reads entries of bounded caches (one round trip on standalone).
   * - KEYS: per entry, its index, its counter and its key. ARGV: the entries' ids.
   * - Touches: the GET script's keys (the tag keys named inside each entry,
   *   not in KEYS); `ZADD`, `ZSCORE`, `INCR`, `ZREM` of the index and counter.
   * Returns as the GET script; an absent entry leaves its index, a servable
   * one counts as used.
   */
  readonly get: LuaScript
  /**
   * `wrap`'s read: `get` of one entry and, when not servable, the capture of
   * its tags' versions (as the GET_OR_CAPTURE script).
   * - KEYS[1..3]: index, counter, entry key; KEYS[4..]: tag keys.
   *   ARGV[1]: the entry's id; ARGV[2]: candidate; ARGV[3]: ttl ms (0: none).
   */
  readonly getOrCapture: LuaScript
  /**
   * The bookkeeping of reads made without Lua (hinted reads: the store's
   * `MGET` or HINTED_GET script of an entry and its remembered tag keys),
   * sent after them in the same tick, for all the reads of a shard in that
   * tick: per entry, in order, counts a use when the entry exists, removes
   * its id from the index when it does not, atomically with that check.
   * - KEYS[1..2]: index, counter; KEYS[3..]: entry keys. ARGV: none (an
   *   entry's id is its key after the index key's prefix).
   * - Touches only KEYS. Returns 1.
   */
  readonly touch: LuaScript
  /** Whether a hit changes the index (all but `fifo` and `rr`): `touch` then goes with each hinted read. */
  readonly readsCount: boolean
  /**
   * First step of a two-step read (cluster, `declaredKeysOnly`): GET of the
   * entry, counted as used when present (its tags are checked afterwards;
   * one found stale is deleted by core), removed from the index when absent.
   * - KEYS: index, counter, entry key. ARGV[1]: the entry's id.
   * - Touches only KEYS. Returns the entry or nil.
   */
  readonly read: LuaScript
  /**
   * Writes an entry of a bounded cache and evicts down to the bound.
   * - KEYS[1..3]: entry key, index, counter; KEYS[4..]: tag keys (none when
   *   the entry comes encoded). ARGV[1]: ttl ms (0: none); ARGV[2]: candidate
   *   or `''` (captured); ARGV[3]: payload, or the whole entry (flag `r`);
   *   ARGV[4]: the entry's id; ARGV[5]: prefix of the view's entry keys as
   *   Lua sees them; ARGV[6]: the bound; ARGV[7]: flags, `d` to delete
   *   evicted entries here, `r` when ARGV[3] is the encoded entry;
   *   ARGV[8..]: captured versions.
   * - Touches: the SET script's keys; `ZADD`, `ZSCORE`, `INCR`, `ZCARD`,
   *   `ZRANGE`/`ZRANDMEMBER`, `ZREM` of the index and counter; with `d`,
   *   `DEL` of evicted entry keys (same slot, not in KEYS).
   * Returns the ids evicted (with `d`: those whose entry still existed).
   */
  readonly set: LuaScript
}

/**
 * Removes an entry of a bounded cache and its place in the index.
 * - KEYS[1]: index; KEYS[2]: entry key. ARGV[1]: the entry's id.
 * - Touches only KEYS. Returns the number of entries deleted (0 or 1).
 */
export const BOUNDED_DELETE_SCRIPT = luaScript(
  'bounded-delete',
  `redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('DEL', KEYS[2])
`,
)

const built = new Map<RedisPolicyName, BoundedScripts>()

/** The scripts of `policy`'s bounded views, built once. */
export function boundedScripts(policy: RedisPolicyName): BoundedScripts {
  const known = built.get(policy)
  if (known !== undefined) return known
  const p = POLICIES[policy]
  const checked = `${SERVABLE}${policyLua(p, true)}`
  const scripts: BoundedScripts = {
    get: luaScript(
      `bounded-get-${policy}`,
      `${checked}
local out = {}
for i = 1, #KEYS, 3 do
  local n = (i + 2) / 3
  out[n] = readOne(KEYS[i], KEYS[i + 1], KEYS[i + 2], ARGV[n])
end
return out
`,
    ),
    getOrCapture: luaScript(
      `bounded-get-or-capture-${policy}`,
      `${WRITE_ENTRY}${checked}
local s = readOne(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
if type(s) == 'string' then return {s} end
local out = {s}
local ttl = tonumber(ARGV[3])
for i = 4, #KEYS do out[i - 2] = ensure(KEYS[i], ARGV[2], ttl) end
return out
`,
    ),
    touch: luaScript(
      `bounded-touch-${policy}`,
      `${policyLua(p, false)}
local idx, ctr, from, n = KEYS[1], KEYS[2], #KEYS[1] - 1, #KEYS - 2
local base = ${p.seq === 'counter' ? "redis.call('INCRBY', ctr, n) - n" : '0'}
for i = 3, #KEYS do
  local m = string.sub(KEYS[i], from)
  if redis.call('EXISTS', KEYS[i]) == 1 then
    onRead(idx, m, ${p.seq === 'counter' ? 'base + i - 2' : SEQ[p.seq]})
  else
    redis.call('ZREM', idx, m)
  end
end
return 1
`,
    ),
    readsCount: p.read !== '',
    read: luaScript(
      `bounded-read-${policy}`,
      `${policyLua(p, false)}
return readOne(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
`,
    ),
    set: luaScript(
      `bounded-set-${policy}`,
      `${WRITE_ENTRY}${policyLua(p, false)}${evictLua(p)}
local ttl = tonumber(ARGV[1])
local flags = ARGV[7]
if string.find(flags, 'r', 1, true) then
  replace(KEYS[1], ARGV[3], ttl)
else
  writeEntry(KEYS[1], 4, ttl, ARGV[2], ARGV[3], 8)
end
onWrite(KEYS[2], KEYS[3], ARGV[4])
return evict(KEYS[2], ARGV[4], tonumber(ARGV[6]), ARGV[5], string.find(flags, 'd', 1, true) ~= nil)
`,
    ),
  }
  built.set(policy, scripts)
  return scripts
}
