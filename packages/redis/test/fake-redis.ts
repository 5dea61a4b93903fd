// An in-process stand-in for a Redis client, for the store's own logic:
// which commands it builds, how it parses replies, what it remembers. Plain
// commands work on a Map; scripts cannot run here, so a test answers each
// script it expects with a handler (an unknown or unloaded script gets
// NOSCRIPT, as from Redis). What Lua does is tested on real Redis, in the
// adapters' tests.
import { createHash } from 'node:crypto'
import {
  EXPIRE_SCRIPT,
  encodeEntry,
  GET_OR_CAPTURE_SCRIPT,
  GET_SCRIPT,
  HINTED_GET_SCRIPT,
  type LuaScript,
  type RedisArg,
  type RedisDriver,
  SET_SCRIPT,
  TAGS_SCRIPT,
} from '../src/index.js'

const SCRIPT_NAMES = new Map(
  [
    GET_SCRIPT,
    HINTED_GET_SCRIPT,
    GET_OR_CAPTURE_SCRIPT,
    SET_SCRIPT,
    TAGS_SCRIPT,
    EXPIRE_SCRIPT,
  ].map((s) => [s.sha, s.name]),
)

/** One command the store sent, with the key it gave for cluster routing. */
export interface Sent {
  readonly args: readonly RedisArg[]
  readonly key: string | undefined
}

type ScriptHandler = (keys: string[], args: RedisArg[]) => unknown

export class FakeRedis {
  readonly data = new Map<string, Buffer>()
  readonly sent: Sent[] = []
  /** Makes the next commands fail with what it returns (`undefined`: run it). */
  fail: ((args: readonly RedisArg[]) => unknown) | undefined
  readonly #handlers = new Map<string, ScriptHandler>()
  readonly #loaded = new Set<string>()

  /** Answers `script` with `handler`; `loaded: false` makes its first EVALSHA fail with NOSCRIPT. */
  onScript(script: LuaScript, handler: ScriptHandler, { loaded = true } = {}): void {
    this.#handlers.set(script.sha, handler)
    if (loaded) this.#loaded.add(script.sha)
  }

  driver(options: Partial<Omit<RedisDriver, 'call'>> = {}): RedisDriver {
    return {
      name: 'fake',
      cluster: false,
      driverPrefix: '',
      ...options,
      call: (args, key) => this.#call(args, key),
    }
  }

  /** Names of the commands sent (EVALSHA as `EVALSHA:<script name>`), then forgets them. */
  take(): string[] {
    const out = this.sent.map(({ args }) => {
      const name = String(args[0])
      return name === 'EVALSHA' ? `EVALSHA:${SCRIPT_NAMES.get(String(args[1])) ?? args[1]}` : name
    })
    this.sent.length = 0
    return out
  }

  async #call(args: readonly RedisArg[], key: string | undefined): Promise<unknown> {
    this.sent.push({ args: [...args], key })
    const failure = this.fail?.(args)
    if (failure !== undefined) throw failure
    const [name, ...rest] = args.map((a) => (Buffer.isBuffer(a) ? a : String(a)))
    const str = (i: number) => String(rest[i])
    switch (name) {
      case 'GET':
        return this.data.get(str(0)) ?? null
      case 'MGET':
        return rest.map((k) => this.data.get(String(k)) ?? null)
      case 'SET':
        this.data.set(str(0), Buffer.from(rest[1] as Buffer | string))
        return 'OK'
      case 'DEL':
      case 'UNLINK':
        return rest.filter((k) => this.data.delete(String(k))).length
      case 'PTTL':
        return this.data.has(str(0)) ? -1 : -2
      case 'PEXPIRE':
      case 'PERSIST':
        return this.data.has(str(0)) ? 1 : 0
      case 'EVALSHA':
      case 'EVAL': {
        const sha = name === 'EVAL' ? createHash('sha1').update(str(0)).digest('hex') : str(0)
        const handler = this.#handlers.get(sha)
        if (name === 'EVAL' && handler !== undefined) this.#loaded.add(sha)
        if (handler === undefined || !this.#loaded.has(sha)) {
          throw new Error('NOSCRIPT No matching script. Please use EVAL.')
        }
        const n = Number(rest[1])
        return handler(rest.slice(2, 2 + n).map(String), rest.slice(2 + n))
      }
      default:
        throw new Error(`ERR fake: unknown command '${name}'`)
    }
  }
}

/**
 * Answers the write scripts (TAGS, SET) as their Lua does, on the fake's
 * Map, so that tests can write entries through the store and read them back.
 */
export function answerWriteScripts(fake: FakeRedis): void {
  const ensure = (key: string, candidate: string) => {
    if (!fake.data.has(key)) fake.data.set(key, Buffer.from(candidate))
    return fake.data.get(key) as Buffer
  }
  fake.onScript(TAGS_SCRIPT, (keys, [mode, candidate]) =>
    mode === 'ensure' ? keys.map((k) => ensure(k, String(candidate))) : [],
  )
  fake.onScript(SET_SCRIPT, ([entry, ...tagKeys], [, candidate, payload, ...captured]) => {
    const versions = tagKeys.map((k, i) =>
      String(candidate) === '' ? String(captured[i]) : ensure(k, String(candidate)).toString(),
    )
    fake.data.set(entry as string, encodeEntry(tagKeys, versions, payload as Buffer))
    return 1
  })
}
