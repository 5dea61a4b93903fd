import { WRITE_ENTRY } from './lua-library.js'
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
  `${WRITE_ENTRY}
writeEntry(KEYS[1], 2, tonumber(ARGV[1]), ARGV[2], ARGV[3], 4)
return 1
`,
)
