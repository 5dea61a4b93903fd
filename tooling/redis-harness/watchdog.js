// @ts-check
/**
 * Watchdog child forked (IPC, unref'd) by index.js. The harness's own exit and
 * signal handlers cannot run when the test process is SIGKILLed, as vitest's
 * watchdog does to its workers when the vitest main process dies, so this
 * process keeps the pids and temp dirs of the live redis-servers. When the IPC
 * channel closes, because the parent exited for whatever reason, it SIGKILLs
 * those that are left, removes their directories and exits.
 *
 * Messages: `{ type: 'watch', pid, dir }` and `{ type: 'unwatch', pid }`.
 *
 * @module
 */
import { rmSync } from 'node:fs'

process.title = 'tagcache-redis-watchdog'

/** pid → temp dir of every redis-server still running. */
/** @type {Map<number, string>} */
const watched = new Map()

// Ctrl+C and a closed terminal signal the whole process group, but the
// watchdog must outlive its parent to clean up after it.
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
  process.on(signal, () => {})
}

process.on('message', (message) => {
  const m = /** @type {{ type?: unknown, pid?: unknown, dir?: unknown }} */ (message)
  if (typeof m?.pid !== 'number') return
  if (m.type === 'watch' && typeof m.dir === 'string') watched.set(m.pid, m.dir)
  else if (m.type === 'unwatch') watched.delete(m.pid)
})

process.on('disconnect', () => {
  for (const pid of watched.keys()) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  for (const dir of watched.values()) {
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch {
      // best effort
    }
  }
  process.exit(0)
})
