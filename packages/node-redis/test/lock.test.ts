// The stampede lock on real Redis, for both drivers: one computation across
// caches on separate connections, a holder process killed mid-factory, a
// lock key overwritten by another client, unlock never releasing another
// owner's lock; and the 50-call case on a cluster.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { type Cache, createCache, type Store } from '@tagcache/core'
import { ioredisStore } from '@tagcache/ioredis'
import { sharedCluster } from '@tagcache/redis-harness/vitest'
import { Cluster } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { cachesOn, connect, ioredis, server, useBothClients } from './both-clients.js'

useBothClients()

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The lock key of `key` in namespace `ns` (default store prefix). */
const lockKey = (ns: string, key: string) => `tagcache:${ns}:e:${key}%lock`

describe.each(['ioredis', 'node-redis'])('stampede lock over %s', (driver) => {
  it('50 concurrent wraps over 4 caches, each on its own connection: the factory runs once', async () => {
    const connections = await Promise.all(Array.from({ length: 4 }, () => connect(driver)))
    const ns = `once-${driver}`
    const caches = connections.map(([store]) => createCache({ store, namespace: ns }))
    let runs = 0
    const factory = async () => {
      runs++
      await sleep(100)
      return { computed: runs }
    }
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (caches[i % 4] as Cache).wrap('hot', factory, {
            tags: ['t'],
            lock: { ttl: '10s', wait: '10s' },
          }),
        ),
      )
      expect(runs).toBe(1)
      for (const r of results) expect(r).toEqual({ computed: 1 })
      // Released by its owner after the write.
      expect(await ioredis.exists(lockKey(ns, 'hot'))).toBe(0)
      // Control: without lock, the 4 caches compute once each (single-flight per cache only).
      runs = 0
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (caches[i % 4] as Cache).wrap('cold', factory, { tags: ['t'] }),
        ),
      )
      expect(runs).toBe(4)
    } finally {
      await Promise.all(connections.map(([, close]) => close()))
    }
  })

  it('waiters hear the holder release (pub/sub): they read right after its write, not every 15 ms', async () => {
    const { caches: cs, close } = await cachesOn(driver, `notify-${driver}`, 4)
    // SET calls on the server (the lock attempts, one per waiter per poll;
    // commandstats also counts the SETs scripts run: the holder's write).
    const sets = async () =>
      Number(/^cmdstat_set:calls=(\d+)/m.exec(await ioredis.info('commandstats'))?.[1] ?? 0)
    try {
      let released = 0
      const holderDone = cs[0]?.wrap(
        'slow',
        async () => {
          await sleep(600)
          released = performance.now()
          return 'value'
        },
        { lock: { ttl: '10s', wait: '10s' } },
      )
      // The holder has the lock before any waiter starts (under load, not a fixed delay).
      while ((await ioredis.exists(lockKey(`notify-${driver}`, 'slow'))) === 0) await sleep(5)
      const before = await sets()
      const served: number[] = []
      const waiters = cs.slice(1).map((c) =>
        c
          .wrap('slow', () => 'computed by a waiter', { lock: { ttl: '10s', wait: '10s' } })
          .then((v) => {
            served.push(performance.now())
            return v
          }),
      )
      expect(await holderDone).toBe('value')
      expect(await Promise.all(waiters)).toEqual(['value', 'value', 'value'])
      const attempts = (await sets()) - before
      const lag = Math.max(...served) - released
      console.log(
        `[lock] ${driver}: 3 waiters over a 600 ms factory tried the lock ${attempts} times (polling every 15 ms: ~120); the last was served ${lag.toFixed(1)} ms after the factory returned`,
      )
      // Polling every 15 ms, 3 waiters would try ~40 times each; woken by the
      // release with a 50 ms fallback, ~12 each. A busy machine only polls less.
      expect(attempts).toBeLessThan(70)
      // The waiters' stores listen on the release channel (one connection each;
      // the earlier tests' stores, never closed, listen too).
      const [, listening] = (await ioredis.call('PUBSUB', 'NUMSUB', 'tagcache:%unlocked')) as [
        string,
        number,
      ]
      expect(listening).toBeGreaterThanOrEqual(3)
    } finally {
      await Promise.all(cs.map((c) => c.close()))
      await close()
    }
  })

  it('a holder killed mid-factory (SIGKILL) delays the others by at most its lock ttl', async () => {
    const ttl = 800
    const ns = `crash-${driver}`
    const script = fileURLToPath(new URL('./lock-holder.mjs', import.meta.url))
    const child = fork(script, [driver, server.url, ns, 'k', String(ttl)], { stdio: 'inherit' })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    await new Promise((resolve, reject) => {
      child.once('message', resolve)
      child.once('exit', (code) => reject(new Error(`holder exited early with ${code}`)))
    })
    const locked = performance.now()
    expect(await ioredis.exists(lockKey(ns, 'k'))).toBe(1)
    const [store, close] = await connect(driver)
    try {
      const cache = createCache({ store, namespace: ns })
      let computedAt = 0
      const waiting = cache.wrap(
        'k',
        () => {
          computedAt = performance.now()
          return 'recomputed'
        },
        { lock: { ttl, wait: 30_000 } },
      )
      await sleep(50)
      child.kill('SIGKILL')
      const killed = performance.now()
      await exited
      expect(await waiting).toBe('recomputed')
      const delay = computedAt - killed
      console.log(
        `[lock] ${driver}: holder killed, another process computed ${Math.round(delay)} ms later (lock ttl ${ttl} ms, ${Math.round(computedAt - locked)} ms after the lock was seen)`,
      )
      // It waited for the lock to expire (not computing at once) ...
      expect(computedAt - locked).toBeGreaterThan(ttl - 200)
      // ... and it was the lock's expiry that freed it, not the end of `wait`
      // (30 s): a loaded CI run took 2.8 s past the kill, so the margin is wide.
      expect(delay).toBeLessThan(ttl + 5_000)
      expect(await cache.get('k')).toBe('recomputed')
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await close()
    }
  })

  it('a lock key overwritten with junk by another client: no crash, the waiter computes after wait, nothing else lost', async () => {
    const ns = `junk-${driver}`
    const [store, close] = await connect(driver)
    try {
      const cache = createCache({ store, namespace: ns })
      await cache.set('other', 'kept', { tags: ['t'] })
      // Bytes with no expiry: the lock never frees by itself.
      await ioredis.set(lockKey(ns, 'a'), Buffer.from([0xff, 0x00, 0xfe]))
      let started = performance.now()
      expect(await cache.wrap('a', () => 'A', { lock: { ttl: '5s', wait: 150 } })).toBe('A')
      expect(performance.now() - started).toBeGreaterThanOrEqual(145)
      expect(await ioredis.getBuffer(lockKey(ns, 'a'))).toEqual(Buffer.from([0xff, 0x00, 0xfe]))
      // A key of another type: the SET NX fails as for any held lock; unlock leaves it alone.
      await ioredis.hset(lockKey(ns, 'b'), 'x', 'y')
      started = performance.now()
      expect(await cache.wrap('b', () => 'B', { lock: { ttl: '5s', wait: 150 } })).toBe('B')
      expect(performance.now() - started).toBeGreaterThanOrEqual(145)
      await (store.unlock as NonNullable<Store['unlock']>)(`${ns}:e:b`, 'anyone')
      expect(await ioredis.hget(lockKey(ns, 'b'), 'x')).toBe('y')
      // Junk with a ttl: the waiter takes the lock once it expires, before `wait` ends.
      await ioredis.set(lockKey(ns, 'c'), 'junk', 'PX', 200)
      started = performance.now()
      expect(await cache.wrap('c', () => 'C', { lock: { ttl: '5s', wait: '30s' } })).toBe('C')
      expect(performance.now() - started).toBeLessThan(5_000)
      expect(await cache.get('other')).toBe('kept')
      expect(await cache.getMany(['a', 'b', 'c'])).toEqual(['A', 'B', 'C'])
    } finally {
      await close()
    }
  })

  it('unlock never deletes another owner lock (the holder outlived its lock, someone else took it)', async () => {
    const ns = `owner-${driver}`
    const [store, close] = await connect(driver)
    const lock = store.lock as NonNullable<Store['lock']>
    const unlock = store.unlock as NonNullable<Store['unlock']>
    const id = `${ns}:e:k`
    // A lock "expires" here when the test expires it (PEXPIRE 1), not after a
    // fixed sleep: on a loaded machine a 100 ms lock can expire between two
    // commands, or a 300 ms window can pass without a poll.
    // Waits until the key no longer holds `owner`'s token: a waiter may take
    // the lock again at once, so "gone" may never be seen.
    const expireNow = async (key: string, owner: string | null) => {
      await ioredis.pexpire(key, 1)
      while ((await ioredis.get(key)) === owner) await sleep(2)
    }
    try {
      expect(await lock.call(store, id, 'a', 60_000)).toBe(true)
      expect(await lock.call(store, id, 'b', 60_000)).toBe(false)
      await expireNow(lockKey(ns, 'k'), 'a') // a's lock expired
      expect(await lock.call(store, id, 'b', 60_000)).toBe(true)
      await unlock.call(store, id, 'a')
      expect(await ioredis.get(lockKey(ns, 'k'))).toBe('b')
      await unlock.call(store, id, 'b')
      expect(await ioredis.exists(lockKey(ns, 'k'))).toBe(0)

      // Through wrap: A's lock expires during its factory; B (another
      // connection) takes it and computes. A's release must leave B's lock.
      const [storeB, closeB] = await connect(driver)
      try {
        const a = createCache({ store, namespace: ns })
        const b = createCache({ store: storeB, namespace: ns })
        let bStarted = false
        let finishB: (v: string) => void = () => {}
        const slowA = a.wrap(
          'w',
          async () => {
            // A computes until B holds the lock and is computing too.
            while (!bStarted) await sleep(5)
            return 'A'
          },
          { lock: { ttl: 60_000 } },
        )
        // A holds the lock before B starts (under load, not a fixed delay).
        while ((await ioredis.exists(lockKey(ns, 'w'))) === 0) await sleep(5)
        const ownerA = await ioredis.get(lockKey(ns, 'w'))
        const slowB = b.wrap(
          'w',
          () =>
            new Promise<string>((resolve) => {
              bStarted = true
              finishB = resolve
            }),
          { lock: { ttl: 60_000, wait: 60_000 } },
        )
        await expireNow(lockKey(ns, 'w'), ownerA) // A's lock expired mid-factory
        expect(await slowA).toBe('A')
        // A's release left B's lock: it is held, and not by A.
        const ownerB = await ioredis.get(lockKey(ns, 'w'))
        expect(ownerB).not.toBeNull()
        expect(ownerB).not.toBe(ownerA)
        expect(await ioredis.pttl(lockKey(ns, 'w'))).toBeGreaterThan(0)
        finishB('B')
        expect(await slowB).toBe('B')
        expect(await ioredis.exists(lockKey(ns, 'w'))).toBe(0)
      } finally {
        await closeB()
      }
    } finally {
      await close()
    }
  })
})

describe('stampede lock on a cluster (ioredis)', () => {
  it('50 concurrent wraps over 4 caches, each on its own cluster connection: the factory runs once', async () => {
    const nodes = sharedCluster().nodes.map((n) => ({ host: n.host, port: n.port }))
    const clients = Array.from({ length: 4 }, () => new Cluster(nodes))
    try {
      const caches = clients.map((c) => createCache({ store: ioredisStore(c), namespace: 'lock' }))
      let runs = 0
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (caches[i % 4] as Cache).wrap(
            'hot',
            async () => {
              runs++
              await sleep(100)
              return runs
            },
            { tags: ['a', 'b'], lock: { ttl: '10s', wait: '10s' } },
          ),
        ),
      )
      expect(runs).toBe(1)
      expect(new Set(results)).toEqual(new Set([1]))
    } finally {
      await Promise.all(clients.map((c) => c.quit()))
    }
  })
})
