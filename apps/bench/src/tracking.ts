// `pnpm bench tracking` (issue 15): the two ways a near cache can have Redis
// track TAG version keys, side by side, with raw ioredis clients on a fresh
// redis-server per mode and run (no near cache code involved):
//   default  each reader's tracked connection (CLIENT TRACKING ON REDIRECT
//            <its listener>) MGETs the tags it needs; the server remembers
//            each (key, client) and tells a reader only of tags it read;
//   bcast    CLIENT TRACKING ON REDIRECT <its listener> BCAST PREFIX
//            tagcache:<ns>:t: ; every reader hears every tag change, read or
//            not, and reads leave nothing in the server's tracking table.
// Listeners are RESP2, subscribed to __redis__:invalidate, read through
// `messageBuffer`, as the near cache's ioredis link does. Phases: readers
// read a random subset of the tags; a writer SETs random tags at a fixed
// rate (a reader re-reads a changed tag it holds, as a near cache's next read
// would); then the writer SETs tags no reader read. Measured per phase:
// invalidation messages, keys and bytes per reader, split into useful (a
// change of a tag the reader holds), unneeded (a tag it never read) and
// spurious (a tag that did not change: dropped from a full tracking table);
// write -> invalidation latency (timestamps in this one process); server CPU
// per write. After the reads: the tracking table and used_memory. Last: a
// 3-tag MGET through a tracked vs an untracked connection. One more
// default-mode run with `tracking-table-max-keys` low shows a full table.
// Sizes: TAGCACHE_BENCH_TRACKING="tags=2000,writes=1000,rate=2000" (see
// TrackingSizes).

import { setTimeout as sleep } from 'node:timers/promises'
import { startRedis } from '@tagcache/redis-harness'
import { Redis } from 'ioredis'
import { type BenchOptions, type ChildArgs, type ChildTask, progress, runChild } from './runner.ts'
import { median, range, roundRatio, shuffle, spread } from './stats.ts'
import { seeded } from './workload.ts'

const NS = 'bench'
const PREFIX = `tagcache:${NS}:t:`
const CHANNEL = '__redis__:invalidate'
const keyOf = (tag: number) => `${PREFIX}${tag}`
/** Rounds of the MGET comparison, tracked and untracked back to back in each. */
const MGET_ROUNDS = 9

export type TrackingMode = 'default' | 'bcast'

/** The workload's sizes: defaults for a 2-core machine, the suite in about 2 minutes. */
export interface TrackingSizes {
  /** Tag version keys in Redis. @default 20000 */
  tags: number
  /** Simulated near caches, each a tracked connection and a listener. @default 4 */
  readers: number
  /** Share of the tags each reader reads (its own random subset). @default 0.1 */
  readFraction: number
  /** SETs of random tags, read or not, in the write phase. @default 20000 */
  writes: number
  /** SETs of tags no reader read, in the last phase. @default 5000 */
  unreadWrites: number
  /** Writes per second, sent in a pipeline every millisecond or so. @default 5000 */
  rate: number
  /** Sequential MGETs per connection and round (9 rounds) in the round-trip phase. @default 500 */
  mgetOps: number
  /** `tracking-table-max-keys` of the extra default-mode run. @default 1000 */
  maxKeys: number
}

export const DEFAULT_SIZES: TrackingSizes = {
  tags: 20_000,
  readers: 4,
  readFraction: 0.1,
  writes: 20_000,
  unreadWrites: 5_000,
  rate: 5_000,
  mgetOps: 500,
  maxKeys: 1_000,
}

/** Reads `TAGCACHE_BENCH_TRACKING` ("tags=2000,writes=1000") over the defaults. */
export function parseSizes(text: string | undefined): TrackingSizes {
  const sizes = { ...DEFAULT_SIZES }
  for (const part of (text ?? '').split(',').filter((p) => p.trim() !== '')) {
    const [name = '', value = ''] = part.split('=').map((s) => s.trim())
    const n = Number(value)
    if (!(name in sizes) || value === '' || !Number.isFinite(n) || n <= 0) {
      throw new RangeError(
        `[bench] TAGCACHE_BENCH_TRACKING "${part}": expected name=positive number, name one of ${Object.keys(DEFAULT_SIZES).join(', ')}`,
      )
    }
    sizes[name as keyof TrackingSizes] = n
  }
  return sizes
}

/** The value of `name` in an INFO reply (a number), NaN when absent. */
export function infoNumber(text: string, name: string): number {
  const line = new RegExp(`^${name}:([^\\r\\n]*)`, 'm').exec(text)?.[1]
  return line === undefined ? Number.NaN : Number(line)
}

/** `usec_per_call` of `cmdstat_<command>` in INFO commandstats; 0 when the command did not run. */
export function usecPerCall(text: string, command: string): number {
  const line = new RegExp(`^cmdstat_${command}:([^\\r\\n]*)`, 'm').exec(text)?.[1]
  return Number(/usec_per_call=([\d.]+)/.exec(line ?? '')?.[1] ?? 0)
}

/** The q-quantile (0..1) of `xs`, nearest rank; NaN when empty. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number
}

/** What a reader's listener heard, counted as it arrives. */
export interface Heard {
  messages: number
  keys: number
  bytes: number
  /** A change of a tag the reader had read. */
  useful: number
  /** A tag the reader never read (BCAST tells everyone). */
  unneeded: number
  /**
   * A tag the reader had read that did not change since (a full tracking
   * table drops keys). Also, rarely, the second message of a tag written
   * twice before the first message arrived (counted at send time).
   */
  spurious: number
}

const heardZero = (): Heard => ({
  messages: 0,
  keys: 0,
  bytes: 0,
  useful: 0,
  unneeded: 0,
  spurious: 0,
})

/** One phase of writes, per reader figures averaged over the readers. */
export interface PhaseResult {
  writes: number
  seconds: number
  perReader: Heard
  latencyMs: { p50: number; p99: number }
  /** INFO commandstats, SET alone. */
  setUsecPerCall: number
  /** used_cpu_user + used_cpu_sys over the phase (writes, messages, re-reads), per write. */
  serverCpuUsPerWrite: number
  /** This process (the writer, and every reader's listener and re-reads), per write. */
  clientCpuUsPerWrite: number
}

/** What one child (one mode, one fresh server) measured. */
export interface ModeRun {
  mode: TrackingMode
  maxKeys: number
  /** After every reader read its subset. */
  reads: {
    trackingKeys: number
    trackingItems: number
    trackingPrefixes: number
    /**
     * used_memory after the reads minus before (readers connected and
     * tracking): the tracking table, and client buffers the replies grew.
     */
    memoryGrowthBytes: number
    usedMemory: number
    perReader: Heard
  }
  changed: PhaseResult
  unread: PhaseResult
  /** Sequential MGETs of 3 random tags: client µs per round trip, server usec_per_call. */
  mget: {
    tracked: { clientUs: number; serverUs: number }
    plain: { clientUs: number; serverUs: number }
    /** Tracked over untracked, the median of per-round ratios (rounds ran back to back). */
    ratio: { clientUs: number; serverUs: number }
  }
}

interface Reader {
  listener: Redis
  tracked: Redis
  /** The tags this reader reads. */
  subset: number[]
  /** 1 for a tag in {@link Reader.subset}. */
  holds: Uint8Array
  /** The write count of each tag when this reader last sent a read of it. */
  seen: Uint32Array
  heard: Heard
  latencies: number[]
  rereads: Promise<unknown>[]
}

const connect = (port: number, options: object = {}) =>
  new Redis(port, '127.0.0.1', { enableAutoPipelining: false, ...options })

/** A RESP2 listener subscribed to the invalidation channel; resolves with its client id. */
async function listen(
  listener: Redis,
  onMessage: (message: Buffer[] | null) => void,
): Promise<string> {
  listener.on('messageBuffer', (channel: Buffer, message: unknown) => {
    if (channel.toString() === CHANNEL) onMessage(Array.isArray(message) ? message : null)
  })
  const id = String(await listener.call('CLIENT', 'ID'))
  await listener.subscribe(CHANNEL)
  return id
}

const trackingArgs = (mode: TrackingMode, id: string) =>
  mode === 'bcast'
    ? ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', id, 'BCAST', 'PREFIX', PREFIX]
    : ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', id]

/** One mode on its own server: the phases above, in this process. */
async function modeRun(args: ChildArgs): Promise<ModeRun> {
  const port = Number(args.port)
  const mode = args.mode as TrackingMode
  const sizes = { ...DEFAULT_SIZES, ...(args as Partial<TrackingSizes>) }
  const random = seeded(Number(args.seed ?? Date.now()))
  const writeCount = new Uint32Array(sizes.tags)
  const sentAt = new Float64Array(sizes.tags)
  const writer = connect(port)
  const info = connect(port)
  const readers: Reader[] = []
  const extra: Redis[] = []
  try {
    // Tags exist before anyone tracks: loading them is not part of any phase.
    for (let t = 0; t < sizes.tags; t += 1000) {
      const pairs: string[] = []
      for (let u = t; u < Math.min(sizes.tags, t + 1000); u++) pairs.push(keyOf(u), 'v0')
      await writer.mset(...pairs)
    }
    const perReader = Math.round(sizes.tags * sizes.readFraction)
    for (let r = 0; r < sizes.readers; r++) {
      const subset = shuffle(
        Array.from({ length: sizes.tags }, (_, i) => i),
        random,
      ).slice(0, perReader)
      const holds = new Uint8Array(sizes.tags)
      for (const t of subset) holds[t] = 1
      const reader: Reader = {
        listener: connect(port, { protocol: 2 }),
        tracked: connect(port),
        subset,
        holds,
        seen: new Uint32Array(sizes.tags),
        heard: heardZero(),
        latencies: [],
        rereads: [],
      }
      readers.push(reader)
      const id = await listen(reader.listener, (keys) => heard(reader, keys))
      await reader.tracked.call(...(trackingArgs(mode, id) as [string, ...string[]]))
    }
    const unreadTags: number[] = []
    for (let t = 0; t < sizes.tags; t++) {
      if (readers.every((r) => r.holds[t] === 0)) unreadTags.push(t)
    }

    const memoryBefore = infoNumber(await info.info('memory'), 'used_memory')
    const readSnap = snapshot()
    await Promise.all(
      readers.map(async (r) => {
        for (let i = 0; i < r.subset.length; i += 200) {
          await r.tracked.mget(...r.subset.slice(i, i + 200).map(keyOf))
        }
      }),
    )
    await settle()
    const stats = await info.info('stats')
    const usedMemory = infoNumber(await info.info('memory'), 'used_memory')
    const reads = {
      trackingKeys: infoNumber(stats, 'tracking_total_keys'),
      trackingItems: infoNumber(stats, 'tracking_total_items'),
      trackingPrefixes: infoNumber(stats, 'tracking_total_prefixes'),
      memoryGrowthBytes: usedMemory - memoryBefore,
      usedMemory,
      perReader: heardSince(readSnap),
    }

    const changed = await phase(() => Math.floor(random() * sizes.tags), sizes.writes)
    const unread =
      unreadTags.length === 0
        ? await phase(() => 0, 0)
        : await phase(
            () => unreadTags[Math.floor(random() * unreadTags.length)] as number,
            sizes.unreadWrites,
          )

    // Round trips: a tracking connection of this mode (redirected to a
    // listener of its own, so no reader counts its invalidations) vs a plain one.
    const probeListener = connect(port, { protocol: 2 })
    const tracked = connect(port)
    const plain = connect(port)
    extra.push(probeListener, tracked, plain)
    await tracked.call(
      ...(trackingArgs(mode, await listen(probeListener, () => {})) as [string, ...string[]]),
    )
    const mget3 = (c: Redis) =>
      c.mget(
        keyOf(Math.floor(random() * sizes.tags)),
        keyOf(Math.floor(random() * sizes.tags)),
        keyOf(Math.floor(random() * sizes.tags)),
      )
    const rounds = { tracked: [] as number[][], plain: [] as number[][] }
    for (const c of [tracked, plain]) for (let i = 0; i < 200; i++) await mget3(c)
    for (let round = 0; round < MGET_ROUNDS; round++) {
      const order = round % 2 ? (['tracked', 'plain'] as const) : (['plain', 'tracked'] as const)
      for (const which of order) {
        const c = which === 'tracked' ? tracked : plain
        await info.call('CONFIG', 'RESETSTAT')
        const t0 = performance.now()
        for (let i = 0; i < sizes.mgetOps; i++) await mget3(c)
        const us = ((performance.now() - t0) * 1000) / sizes.mgetOps
        rounds[which].push([us, usecPerCall(await info.info('commandstats'), 'mget')])
      }
    }
    const ratio = (k: 0 | 1) =>
      roundRatio(
        rounds.tracked.map((r) => r[k] as number),
        rounds.plain.map((r) => r[k] as number),
      )
    const mid = (rs: number[][]) => ({
      clientUs: median(rs.map((r) => r[0] as number)),
      serverUs: median(rs.map((r) => r[1] as number)),
    })
    return {
      mode,
      maxKeys: Number(args.maxKeys ?? 0),
      reads,
      changed,
      unread,
      mget: {
        tracked: mid(rounds.tracked),
        plain: mid(rounds.plain),
        ratio: { clientUs: ratio(0), serverUs: ratio(1) },
      },
    }
  } finally {
    const all = [writer, info, ...extra, ...readers.flatMap((r) => [r.listener, r.tracked])]
    await Promise.allSettled(all.map((c) => c.quit()))
  }

  function heard(r: Reader, keys: Buffer[] | null): void {
    const now = performance.now()
    r.heard.messages++
    if (keys === null) return
    const again: Buffer[] = []
    for (const key of keys) {
      r.heard.keys++
      const t = Number(key.toString('latin1', PREFIX.length))
      if (r.holds[t] !== 1) {
        r.heard.unneeded++
      } else if ((writeCount[t] as number) > (r.seen[t] as number)) {
        r.heard.useful++
        r.latencies.push(now - (sentAt[t] as number))
        r.seen[t] = writeCount[t] as number
        again.push(key)
      } else {
        // Not re-read: with a full table, a re-read pushes out another key,
        // whose invalidation would be re-read in turn, without end.
        r.heard.spurious++
      }
    }
    if (again.length > 0) r.rereads.push(r.tracked.mget(...again))
  }

  /** Every invalidation Redis queued so far has been heard, and every re-read answered. */
  async function settle(): Promise<void> {
    await Promise.all(readers.map((r) => r.listener.ping()))
    await Promise.all(readers.flatMap((r) => r.rereads.splice(0)))
  }

  function snapshot(): Heard[] {
    return readers.map((r) => ({ ...r.heard, bytes: r.listener.stream.bytesRead }))
  }

  function heardSince(before: Heard[]): Heard {
    const sum = heardZero()
    for (const [i, r] of readers.entries()) {
      const b = before[i] as Heard
      sum.messages += r.heard.messages - b.messages
      sum.keys += r.heard.keys - b.keys
      sum.bytes += r.listener.stream.bytesRead - b.bytes
      sum.useful += r.heard.useful - b.useful
      sum.unneeded += r.heard.unneeded - b.unneeded
      sum.spurious += r.heard.spurious - b.spurious
    }
    for (const k of Object.keys(sum) as (keyof Heard)[]) sum[k] /= readers.length
    return sum
  }

  /** `n` SETs of `pick()`ed tags at `sizes.rate`, a pipeline per timer tick. */
  async function phase(pick: () => number, n: number): Promise<PhaseResult> {
    const before = snapshot()
    for (const r of readers) r.latencies.length = 0
    await info.call('CONFIG', 'RESETSTAT')
    const cpu0 = serverCpu(await info.info('cpu'))
    const client0 = process.cpuUsage()
    const start = performance.now()
    const sent: Promise<unknown>[] = []
    let done = 0
    while (done < n) {
      const due = Math.min(n, Math.floor(((performance.now() - start) / 1000) * sizes.rate) + 1)
      if (due > done) {
        const pipeline = writer.pipeline()
        const now = performance.now()
        for (; done < due; done++) {
          const t = pick()
          writeCount[t] = (writeCount[t] as number) + 1
          sentAt[t] = now
          pipeline.set(keyOf(t), `v${(writeCount[t] as number).toString(36)}`)
        }
        sent.push(pipeline.exec())
      }
      await sleep(1)
    }
    await Promise.all(sent)
    const seconds = (performance.now() - start) / 1000
    await settle()
    const client = process.cpuUsage(client0)
    const cpu1 = serverCpu(await info.info('cpu'))
    const latencies = readers.flatMap((r) => r.latencies)
    return {
      writes: n,
      seconds,
      perReader: heardSince(before),
      latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) },
      setUsecPerCall: usecPerCall(await info.info('commandstats'), 'set'),
      serverCpuUsPerWrite: n === 0 ? 0 : ((cpu1 - cpu0) * 1e6) / n,
      clientCpuUsPerWrite: n === 0 ? 0 : (client.user + client.system) / n,
    }
  }
}

const serverCpu = (text: string) =>
  infoNumber(text, 'used_cpu_user') + infoNumber(text, 'used_cpu_sys')

export const tasks: Record<string, ChildTask> = { mode: modeRun }

/** A table row: its label, and the figure it shows from one run. */
type Line = [label: string, figure: (run: ModeRun) => number, digits: number]

const cell = (xs: number[], digits: number) => {
  const s = spread(xs)
  const m = s.median.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  })
  return `${m} ${range(s.min, s.max, digits)}`
}

function printModes(title: string, byMode: Record<TrackingMode, ModeRun[]>, lines: Line[]) {
  console.log(`\n${title}`)
  console.log(`${''.padEnd(54)} ${'default tracking'.padStart(26)} ${'BCAST PREFIX'.padStart(26)}`)
  for (const [label, figure, digits] of lines) {
    const [a, b] = (['default', 'bcast'] as const).map((m) => cell(byMode[m].map(figure), digits))
    console.log(`${label.padEnd(54)} ${a?.padStart(26)} ${b?.padStart(26)}`)
  }
}

const phaseLines = (p: (run: ModeRun) => PhaseResult, reads: boolean): Line[] => [
  ['  invalidation messages per reader', (r) => p(r).perReader.messages, 0],
  ['  invalidated keys per reader', (r) => p(r).perReader.keys, 0],
  ['  KiB received per reader', (r) => p(r).perReader.bytes / 1024, 1],
  ...(reads
    ? ([
        ['  useful (a change of a tag it read)', (r) => p(r).perReader.useful, 0],
        ['  unneeded (a tag it never read)', (r) => p(r).perReader.unneeded, 0],
        ['  spurious (a tag that did not change)', (r) => p(r).perReader.spurious, 0],
        ['  write -> invalidation at the reader, p50 ms', (r) => p(r).latencyMs.p50, 2],
        ['  write -> invalidation at the reader, p99 ms', (r) => p(r).latencyMs.p99, 2],
      ] as Line[])
    : []),
  ['  server SET usec_per_call (INFO commandstats)', (r) => p(r).setUsecPerCall, 2],
  ['  server CPU per write, µs (INFO cpu delta / writes)', (r) => p(r).serverCpuUsPerWrite, 1],
  ['  client CPU per write, µs (writer + readers, 1 process)', (r) => p(r).clientCpuUsPerWrite, 1],
]

/**
 * Both modes, `runs` times each in a new random order, each run in a fresh
 * process on a fresh redis-server; then one default-mode run with a small
 * `tracking-table-max-keys`. No targets: the figures decide issue 15's choice.
 */
export async function trackingBench({ runs }: BenchOptions): Promise<void> {
  const sizes = parseSizes(process.env.TAGCACHE_BENCH_TRACKING)
  const byMode: Record<TrackingMode, ModeRun[]> = { default: [], bcast: [] }
  const one = async (mode: TrackingMode, maxKeys = 0) => {
    const server = await startRedis({
      args: maxKeys > 0 ? ['--tracking-table-max-keys', String(maxKeys)] : [],
    })
    try {
      const t0 = performance.now()
      const seed = Math.floor(Math.random() * 2 ** 31)
      const run = await runChild<ModeRun>('tracking', 'mode', {
        ...sizes,
        port: server.port,
        mode,
        maxKeys,
        seed,
      })
      progress(
        `tracking ${mode}${maxKeys > 0 ? ` (tracking-table-max-keys ${maxKeys})` : ''}: ${((performance.now() - t0) / 1000).toFixed(1)}s, writes at ${Math.round(run.changed.writes / run.changed.seconds)}/s`,
      )
      return run
    } finally {
      await server.stop()
    }
  }
  for (let r = 0; r < runs; r++) {
    for (const mode of shuffle(['default', 'bcast'] as const)) byMode[mode].push(await one(mode))
  }
  const n = (x: number) => x.toLocaleString('en-US')
  printModes(
    `tracking: tag version keys, default tracking vs BCAST PREFIX ${PREFIX}; ${sizes.readers} readers each reading ${n(Math.round(sizes.tags * sizes.readFraction))} of ${n(sizes.tags)} tags; median [min-max] over ${runs} runs, each on a fresh redis-server\nafter the reads`,
    byMode,
    [
      ['  tracking_total_keys', (r) => r.reads.trackingKeys, 0],
      ['  tracking_total_items', (r) => r.reads.trackingItems, 0],
      ['  tracking_total_prefixes', (r) => r.reads.trackingPrefixes, 0],
      ['  used_memory growth from the reads, KiB', (r) => r.reads.memoryGrowthBytes / 1024, 0],
    ],
  )
  printModes(
    `${n(sizes.writes)} SETs of random tags at ${n(sizes.rate)}/s (a reader re-reads a changed tag it holds)`,
    byMode,
    phaseLines((r) => r.changed, true),
  )
  printModes(
    `${n(sizes.unreadWrites)} SETs of tags no reader read, at ${n(sizes.rate)}/s`,
    byMode,
    phaseLines((r) => r.unread, false),
  )
  printModes(
    `MGET of 3 random tags, one at a time (${n(sizes.mgetOps)} per round, median of ${MGET_ROUNDS} rounds per run)`,
    byMode,
    [
      ['  tracking connection of the mode, µs per round trip', (r) => r.mget.tracked.clientUs, 1],
      ['  untracked connection, µs per round trip', (r) => r.mget.plain.clientUs, 1],
      ['  tracking connection, server MGET usec_per_call', (r) => r.mget.tracked.serverUs, 2],
      ['  untracked connection, server MGET usec_per_call', (r) => r.mget.plain.serverUs, 2],
      ['  tracked / untracked, round trip (per-round ratio)', (r) => r.mget.ratio.clientUs, 2],
      ['  tracked / untracked, usec_per_call (per-round ratio)', (r) => r.mget.ratio.serverUs, 2],
    ],
  )
  const full = await one('default', sizes.maxKeys)
  const per = (h: Heard) =>
    `${n(Math.round(h.keys))} invalidated keys per reader: ${n(Math.round(h.useful))} useful, ${n(Math.round(h.spurious))} spurious (unchanged)`
  console.log(`\ndefault tracking with tracking-table-max-keys ${n(sizes.maxKeys)} (one run)`)
  console.log(
    `  after the reads: tracking_total_keys ${n(full.reads.trackingKeys)}, tracking_total_items ${n(full.reads.trackingItems)}; ${per(full.reads.perReader)}`,
  )
  console.log(`  random-tag writes: ${per(full.changed.perReader)}`)
  console.log(
    `  server CPU per write ${full.changed.serverCpuUsPerWrite.toFixed(1)} µs (vs ${median(byMode.default.map((r) => r.changed.serverCpuUsPerWrite)).toFixed(1)} µs with the default limit)`,
  )
}
