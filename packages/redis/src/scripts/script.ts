import { createHash } from 'node:crypto'

/** A Lua script with its SHA1, run with EVALSHA and reloaded on NOSCRIPT. */
export interface LuaScript {
  readonly name: string
  readonly lua: string
  readonly sha: string
}

/** A {@link LuaScript} of `lua`, its SHA1 computed once. */
export function luaScript(name: string, lua: string): LuaScript {
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') }
}
