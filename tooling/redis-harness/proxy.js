// @ts-check
/**
 * The harness' TCP proxy ({@link startProxy}). It runs on the caller's event
 * loop, or with `thread: true` on a worker thread: this module is then also
 * the worker's entry point. Its counters (down flag, open sockets, chunks
 * read) sit in an Int32Array, shared with the caller when on a worker, so
 * that `connections`, `chunks` and `restore()` stay synchronous either way.
 *
 * @module
 */
import { createConnection, createServer } from 'node:net'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'

/** @typedef {import('./index.d.ts').TcpProxy} TcpProxy */
/** @typedef {{ host?: string, port: number }} Target */

const HOST = '127.0.0.1'
// Slots of the counters.
const DOWN = 0
const CONNECTIONS = 1
const CHUNKS = 2
const SLOTS = 3

/**
 * Listens on a free port and forwards every connection to `target`.
 *
 * @param {Target} target
 * @param {Int32Array} stats
 */
async function listen(target, stats) {
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set()
  /** @param {import('node:net').Socket} socket */
  const adopt = (socket) => {
    sockets.add(socket)
    Atomics.add(stats, CONNECTIONS, 1)
    socket.once('close', () => {
      sockets.delete(socket)
      Atomics.sub(stats, CONNECTIONS, 1)
    })
    // A reset from either side only ends the pair: the proxy itself never throws.
    socket.on('error', () => {})
  }
  const server = createServer((client) => {
    adopt(client)
    if (Atomics.load(stats, DOWN) === 1) {
      client.resetAndDestroy()
      return
    }
    const upstream = createConnection({ host: target.host ?? HOST, port: target.port })
    adopt(upstream)
    // Either side ending or failing ends both, as a dropped link would.
    client.once('close', () => upstream.destroy())
    upstream.once('close', () => client.destroy())
    client.on('data', () => Atomics.add(stats, CHUNKS, 1))
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, () => resolveListen(undefined))
  })
  server.unref()
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const cut = async () => {
    Atomics.store(stats, DOWN, 1)
    const closing = [...sockets].map(
      (socket) =>
        new Promise((resolveClose) => {
          // Every socket still in the set has yet to emit 'close' (which
          // removes it), destroyed ones too: wait for it, so that
          // `connections` reads 0 once cut() resolves.
          socket.once('close', () => resolveClose(undefined))
          if (socket.destroyed) return
          // RST, not FIN: the client sees the link fail, not a polite goodbye.
          // A socket already half closed (or still connecting) is just destroyed:
          // resetting one that is closing may never emit 'close'.
          if (socket.readyState === 'open') socket.resetAndDestroy()
          else socket.destroy()
        }),
    )
    await Promise.all(closing)
  }
  const close = async () => {
    await cut()
    await new Promise((resolveClose) => server.close(() => resolveClose(undefined)))
  }
  return { port, cut, close }
}

/**
 * @param {number} port
 * @param {Int32Array} stats
 * @param {() => Promise<void>} cut
 * @param {() => Promise<void>} close
 * @returns {TcpProxy}
 */
function handle(port, stats, cut, close) {
  return {
    host: HOST,
    port,
    url: `redis://${HOST}:${port}`,
    get connections() {
      return Atomics.load(stats, CONNECTIONS)
    },
    get chunks() {
      return Atomics.load(stats, CHUNKS)
    },
    cut,
    restore() {
      Atomics.store(stats, DOWN, 0)
    },
    close,
  }
}

/**
 * A TCP proxy on a free 127.0.0.1 port that forwards every connection to
 * `target`, and can cut them all (and refuse new ones) to simulate a crashed
 * server or a network partition, then let connections through again.
 *
 * @param {Target} target
 * @param {{ thread?: boolean }} [options]
 * @returns {Promise<TcpProxy>}
 */
export async function startProxy(target, options = {}) {
  if (options.thread === true) return startOnThread(target)
  const stats = new Int32Array(SLOTS)
  const proxy = await listen(target, stats)
  return handle(proxy.port, stats, proxy.cut, proxy.close)
}

/** @param {Target} target */
async function startOnThread(target) {
  const stats = new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT))
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { tagcacheProxy: { target: { host: target.host, port: target.port }, stats } },
  })
  /**
   * Posts `request` and resolves with the worker's next message; rejects if
   * it fails. Between requests the worker is unref()ed: like the in-process
   * proxy's server, a forgotten proxy keeps nothing alive.
   */
  const ask = (/** @type {unknown} */ request) =>
    new Promise((resolveAsk, reject) => {
      worker.ref()
      const onError = (/** @type {Error} */ error) => {
        worker.off('message', onMessage)
        worker.unref()
        reject(error)
      }
      const onMessage = (/** @type {unknown} */ reply) => {
        worker.off('error', onError)
        worker.unref()
        resolveAsk(reply)
      }
      worker.once('error', onError)
      worker.once('message', onMessage)
      if (request !== undefined) worker.postMessage(request)
    })
  const { port } = /** @type {{ port: number }} */ (await ask(undefined))
  let closed = false
  return handle(
    port,
    stats,
    async () => {
      if (!closed) await ask('cut')
    },
    async () => {
      if (closed) return
      closed = true
      await ask('close')
      await worker.terminate()
    },
  )
}

// Entry point of a proxy's worker thread.
if (!isMainThread && parentPort !== null && workerData?.tagcacheProxy !== undefined) {
  const port = parentPort
  const { target, stats } = workerData.tagcacheProxy
  const proxy = await listen(target, stats)
  port.on('message', async (request) => {
    await (request === 'close' ? proxy.close() : proxy.cut())
    port.postMessage(request)
  })
  port.postMessage({ port: proxy.port })
}
