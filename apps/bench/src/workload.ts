// A generated request trace for hit-ratio comparisons: Zipf-distributed
// requests over a large key space, interrupted by sequential scans (the case
// LRU handles worst and W-TinyLFU is built for). Deterministic per seed. No
// I/O here, so that test/workload.test.ts holds it in place.

/** mulberry32: a small, fast, seeded uniform [0, 1) generator. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The shape of a trace. */
export interface WorkloadOptions {
  /** Distinct keys (ids 0 .. keys - 1; id r is the r-th most popular). */
  keys: number
  /** Zipf exponent. */
  s: number
  /** Zipf requests between two scans. */
  burst: number
  /** Keys per scan: consecutive ids, each scan starting where the last ended. */
  scan: number
  /** Bursts (each followed by a scan). */
  cycles: number
  seed: number
}

/** A trace of key ids, and which requests were part of a scan. */
export interface Trace {
  ids: Int32Array
  /** 1 where the request belongs to a scan. */
  scan: Uint8Array
}

/** Builds the trace: `cycles` times, `burst` Zipf requests then a scan of `scan` keys. */
export function zipfWithScans(o: WorkloadOptions): Trace {
  const cdf = new Float64Array(o.keys)
  let total = 0
  for (let r = 0; r < o.keys; r++) {
    total += 1 / (r + 1) ** o.s
    cdf[r] = total
  }
  const random = seeded(o.seed)
  const length = o.cycles * (o.burst + o.scan)
  const ids = new Int32Array(length)
  const scan = new Uint8Array(length)
  let at = 0
  let scanStart = 0
  for (let c = 0; c < o.cycles; c++) {
    for (let i = 0; i < o.burst; i++) {
      // The first rank whose cumulative weight reaches u (binary search).
      const u = random() * total
      let lo = 0
      let hi = o.keys - 1
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if ((cdf[mid] as number) < u) lo = mid + 1
        else hi = mid
      }
      ids[at++] = lo
    }
    for (let i = 0; i < o.scan; i++) {
      scan[at] = 1
      ids[at++] = (scanStart + i) % o.keys
    }
    scanStart = (scanStart + o.scan) % o.keys
  }
  return { ids, scan }
}

/** Hits of a cache fed `trace`: overall and on the Zipf (non-scan) requests alone. */
export interface HitRatio {
  hits: number
  requests: number
  zipfHits: number
  zipfRequests: number
}

/**
 * Feeds `trace` to a cache given as `request(key) => hit`, counting hits
 * overall and outside the scans.
 */
export function replay(
  trace: Trace,
  keys: readonly string[],
  request: (key: string) => boolean,
): HitRatio {
  const r: HitRatio = { hits: 0, requests: 0, zipfHits: 0, zipfRequests: 0 }
  const { ids, scan } = trace
  for (let i = 0; i < ids.length; i++) {
    const hit = request(keys[ids[i] as number] as string)
    r.requests++
    if (hit) r.hits++
    if (scan[i] === 0) {
      r.zipfRequests++
      if (hit) r.zipfHits++
    }
  }
  return r
}
