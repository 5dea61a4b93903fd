// `--web`: the JSON API in-process, and the playground process on each store (no browser here;
// web-browser.test.ts drives the page itself).
import { request } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { createCache, isTagCacheError } from '@tagcache/core'
import { memoryStore } from '@tagcache/memory'
import { lru } from '@tagcache/policies'
import { sharedRedis } from '@tagcache/redis-harness/vitest'
import { afterEach, describe, expect, it } from 'vitest'
import { connectIoredis, connectNodeRedis } from '../src/redis.ts'
import type { WebState } from '../src/web/api.ts'
import { nearLayer } from '../src/web/near-layer.ts'
import { startWebView, type WebView } from '../src/web/server.ts'
import { storeChoices } from '../src/web/stores.ts'
import { start } from './playground-process.ts'

const views: WebView[] = []
afterEach(async () => {
  for (const view of views.splice(0)) await view.close()
})

async function webView(options: Partial<Parameters<typeof startWebView>[0]> = {}) {
  const view = await startWebView({
    store: memoryStore(),
    choices: storeChoices({
      store: 'memory',
      redisUrl: 'redis://127.0.0.1:6379',
      redisUrlSource: 'default',
    }),
    ...options,
  })
  views.push(view)
  return view
}

async function post(view: WebView, path: string, body: unknown) {
  const response = await fetch(new URL(path, view.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function state(url: string): Promise<WebState> {
  const response = await fetch(new URL('/api/state', url))
  expect(response.status).toBe(200)
  return (await response.json()) as WebState
}

describe('web view API', () => {
  it('set, get (hit), invalidate, get (miss): the state counts each', async () => {
    const view = await webView()
    expect(view.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(view.url).not.toMatch(/:0\/$/)

    const set = { key: 'user:1', value: { name: 'Ada' }, tags: ['users', 'user:1'], ttl: '10m' }
    expect(await post(view, '/api/set', set)).toEqual({
      status: 200,
      body: { ok: true, key: 'user:1', tags: ['users', 'user:1'] },
    })
    expect((await post(view, '/api/get', { key: 'user:1' })).body).toEqual({
      key: 'user:1',
      hit: true,
      value: { name: 'Ada' },
    })
    expect((await post(view, '/api/invalidate', { tags: ['user:1'] })).status).toBe(200)
    expect((await post(view, '/api/get', { key: 'user:1' })).body).toEqual({
      key: 'user:1',
      hit: false,
    })

    const s = await state(view.url)
    expect(s.totals).toMatchObject({ hits: 1, misses: 1, hitRatio: 0.5, sets: 1, invalidations: 1 })
    expect(s.latency.get?.count).toBe(2)
    expect(s.latency.get?.p99).toBeGreaterThan(0)
    expect(s.store).toEqual({
      name: 'memory',
      serializer: 'json',
      namespace: 'playground-web',
      policy: null,
      layers: [],
    })
    expect(s.traffic).toEqual({ running: false, line: null })

    expect((await post(view, '/api/reset', {})).status).toBe(200)
    expect((await state(view.url)).totals).toMatchObject({ hits: 0, misses: 0, sets: 0 })
  })

  it('the ttl is honoured', async () => {
    const view = await webView()
    await post(view, '/api/set', { key: 'short', value: 'text', ttl: 50 })
    await sleep(150)
    expect((await post(view, '/api/get', { key: 'short' })).body.hit).toBe(false)
  })

  it.each([
    ['/api/set', { value: 1 }, 'invalid request: key: expected a string'],
    ['/api/set', { key: '', value: 1 }, 'key: expected a non-empty string'],
    ['/api/set', { key: 'k' }, 'value: expected a JSON value'],
    ['/api/set', { key: 'k', value: 1, tags: 'users' }, 'tags: expected an array of strings'],
    ['/api/set', { key: 'k', value: 1, tags: ['ok', 3] }, 'tags.1: expected a string'],
    ['/api/set', { key: 'k', value: 1, ttl: 'soon' }, 'ttl: invalid ttl "soon"'],
    ['/api/set', { key: 'k', value: 1, ttl: -5 }, 'ttl: invalid ttl -5'],
    ['/api/set', { key: 'k', value: 1, ttl: 0 }, 'ttl: expected more than 0'],
    ['/api/set', { key: 'k', value: 1, extra: true }, 'Unrecognized key: "extra"'],
    ['/api/get', {}, 'key: expected a string'],
    ['/api/invalidate', { tags: [] }, 'tags: expected at least one tag'],
    ['/api/traffic', { running: 'yes' }, 'running: expected true or false'],
    ['/api/get', [], '(body): '],
  ])('POST %s %j is a 400 naming the field', async (path, body, message) => {
    const view = await webView()
    const answer = await post(view, path, body)
    expect(answer.status).toBe(400)
    expect(answer.body.error).toContain(message)
    // Nothing reached the cache.
    expect((await state(view.url)).totals).toMatchObject({ sets: 0, hits: 0, misses: 0 })
  })

  it('refuses bad JSON (400), other content types (415), big bodies (413), wrong methods (405), unknown paths (404)', async () => {
    const view = await webView()
    const api = new URL('/api/get', view.url)
    const json = { 'content-type': 'application/json' }
    const badJson = await fetch(api, { method: 'POST', headers: json, body: '{"key":' })
    expect(badJson.status).toBe(400)
    expect(((await badJson.json()) as { error: string }).error).toMatch(/^invalid JSON body: /)
    const form = await fetch(api, { method: 'POST', body: new URLSearchParams({ key: 'k' }) })
    expect(form.status).toBe(415)
    const big = await fetch(new URL('/api/set', view.url), {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ key: 'k', value: 'x'.repeat(100_000) }),
    })
    expect(big.status).toBe(413)
    expect((await fetch(api)).status).toBe(405)
    expect((await fetch(new URL('/api/state', view.url), { method: 'POST' })).status).toBe(405)
    const missing = await fetch(new URL('/nope', view.url))
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({ error: 'no such endpoint /nope' })
  })

  it('answers only requests addressed to 127.0.0.1 or localhost (no DNS rebinding)', async () => {
    const view = await webView()
    const { port } = new URL(view.url)
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/api/state', headers: { host } }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
          .on('error', reject)
          .end()
      })
    expect(await status(`127.0.0.1:${port}`)).toBe(200)
    expect(await status(`localhost:${port}`)).toBe(200)
    expect(await status(`evil.example:${port}`)).toBe(403)
    expect(await status('127.0.0.1')).toBe(403)
  })

  it('serves the page and its script', async () => {
    const view = await webView()
    const page = await fetch(view.url)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const html = await page.text()
    for (const id of ['set-form', 'get-form', 'invalidate-form', 'hits', 'misses', 'chart']) {
      expect(html).toContain(`id="${id}"`)
    }
    const script = await fetch(new URL('/page.js', view.url))
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await script.text()).toContain("fetch('/api/state')")
  })

  it('the traffic loop moves the counters and fills the chart; stopping it stops them', async () => {
    const view = await webView({ policy: lru({ maxSize: 50 }) })
    expect((await post(view, '/api/traffic', { running: true })).body).toEqual({ running: true })
    // Idempotent: a second start does not start a second loop.
    expect((await post(view, '/api/traffic', { running: true })).body).toEqual({ running: true })
    let s = await state(view.url)
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
      s = await state(view.url)
      if (s.series.some((p) => p.ops > 0) && s.traffic.line !== null) break
    }
    expect(s.store.policy).toBe('lru:50')
    expect(s.traffic.running).toBe(true)
    expect(s.traffic.line).toMatch(/^\[live\] \d+ ops\/s hitRatio=/)
    expect(s.totals.operations).toBeGreaterThan(0)
    expect(s.series.some((p) => p.ops > 0 && p.hitRatio !== null)).toBe(true)
    // 1000 keys through a namespace bounded to 50: the policy evicts.
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
      s = await state(view.url)
      if (s.totals.evictions > 0) break
    }
    expect(s.totals.evictions).toBeGreaterThan(0)

    expect((await post(view, '/api/traffic', { running: false })).body).toEqual({ running: false })
    const stopped = (await state(view.url)).totals.operations
    await sleep(300)
    expect((await state(view.url)).totals.operations).toBe(stopped)
    expect((await state(view.url)).traffic).toEqual({ running: false, line: null })
  })

  it('close() stops the traffic, the server and the cache, once however often called', async () => {
    const view = await webView()
    await post(view, '/api/traffic', { running: true })
    await Promise.all([view.close(), view.close()])
    await expect(fetch(view.url)).rejects.toThrow()
    const error = await view.cache.get('k').catch((e: unknown) => e)
    expect(isTagCacheError(error, 'E_CLOSED')).toBe(true)
  })

  it('lists the Redis stores as unavailable until a Redis URL is given', () => {
    const none = storeChoices({
      store: 'memory',
      redisUrl: 'redis://127.0.0.1:6379',
      redisUrlSource: 'default',
    })
    expect(none.map((c) => [c.name, c.inUse, c.available])).toEqual([
      ['memory', true, true],
      ['ioredis', false, false],
      ['node-redis', false, false],
    ])
    expect(none[1]?.note).toContain('REDIS_URL is not set')
    const env = storeChoices({
      store: 'node-redis',
      redisUrl: 'redis://app:s3cret@10.0.0.1:6380',
      redisUrlSource: 'env',
    })
    expect(env.map((c) => [c.name, c.inUse, c.available])).toEqual([
      ['memory', false, true],
      ['ioredis', false, true],
      ['node-redis', true, true],
    ])
    expect(JSON.stringify(env)).not.toContain('s3cret')
    expect(env[1]?.note).toBe(
      'restart with --store ioredis to use the Redis at redis://app:***@10.0.0.1:6380 (REDIS_URL)',
    )
  })
})

/** Polls the state until `done` holds (generous deadline: CI is a busy 2-core machine). */
async function until(url: string, done: (s: WebState) => boolean): Promise<WebState> {
  let s = await state(url)
  for (const deadline = Date.now() + 60_000; !done(s) && Date.now() < deadline; await sleep(20)) {
    s = await state(url)
  }
  return s
}

describe('web view API with --near', () => {
  for (const driver of ['ioredis', 'node-redis'] as const) {
    it(`${driver}: near hits and Redis reads counted apart; another client's invalidate reaches it`, async () => {
      const redis = sharedRedis()
      const connect = driver === 'ioredis' ? connectIoredis : connectNodeRedis
      const mine = await connect(redis.url)
      const other = await connect(redis.url)
      const namespace = `web-near-test-${driver}`
      try {
        const view = await webView({ store: mine.store, layers: [nearLayer()], namespace })
        // Reads before tracking is on go to Redis and are not kept.
        let s = await until(view.url, (s) => s.layers[0]?.counters.healthy === true)
        expect(s.store.layers).toEqual(['near (local copy kept coherent by Redis CLIENT TRACKING)'])
        expect(s.layers).toHaveLength(1)
        expect(s.layers[0]?.name).toBe('near')

        await post(view, '/api/set', { key: 'user:1', value: { name: 'Ada' }, tags: ['users'] })
        for (let i = 0; i < 3; i++) {
          expect((await post(view, '/api/get', { key: 'user:1' })).body).toEqual({
            key: 'user:1',
            hit: true,
            value: { name: 'Ada' },
          })
        }
        s = await state(view.url)
        expect(s.totals).toMatchObject({ hits: 3, misses: 0, sets: 1 })
        expect(s.layers[0]?.counters).toMatchObject({ hits: 2, misses: 1, healthy: true })
        const latency = s.layers[0]?.latency ?? {}
        expect(latency['get: Redis']?.count).toBe(1)
        expect(latency['get: near hit']?.count).toBe(2)
        expect(latency['get: near hit']?.p50).toBeGreaterThan(0)

        // Another client, no near cache, same namespace: its invalidate reaches the near cache.
        const before = Number(s.layers[0]?.counters.invalidations)
        const cache = createCache({ store: other.store, namespace })
        await cache.invalidate('users')
        s = await until(view.url, (s) => Number(s.layers[0]?.counters.invalidations) > before)
        expect(Number(s.layers[0]?.counters.invalidations)).toBeGreaterThan(before)
        expect((await post(view, '/api/get', { key: 'user:1' })).body).toEqual({
          key: 'user:1',
          hit: false,
        })
        s = await state(view.url)
        expect(s.layers[0]?.counters).toMatchObject({ hits: 2, misses: 2 })
        expect(s.layers[0]?.latency['get: Redis']?.count).toBe(2)

        // Reset zeroes the layer's counters and latencies with the cache's.
        expect((await post(view, '/api/reset', {})).status).toBe(200)
        s = await state(view.url)
        expect(s.layers[0]?.counters).toMatchObject({ hits: 0, misses: 0, invalidations: 0 })
        expect(s.layers[0]?.latency['get: near hit']?.count).toBe(0)
        await cache.close()
      } finally {
        // The view (and so the near cache) closes in afterEach, before these clients are quit.
        for (const view of views.splice(0)) await view.close()
        await mine.close()
        await other.close()
      }
    })
  }

  it('with a policy too: the bounded namespace is served by the near cache, and evicts', async () => {
    const mine = await connectIoredis(sharedRedis().url)
    try {
      const view = await webView({
        store: mine.store,
        layers: [nearLayer()],
        namespace: 'web-near-bounded-test',
        policy: lru({ maxSize: 2 }),
      })
      let s = await until(view.url, (s) => s.layers[0]?.counters.healthy === true)
      expect(s.store.policy).toBe('lru:2')
      for (const key of ['a', 'b', 'c']) await post(view, '/api/set', { key, value: key, tags: [] })
      // `a` went (lru, capacity 2); `c` is read from Redis once, then locally.
      expect((await post(view, '/api/get', { key: 'a' })).body).toEqual({ key: 'a', hit: false })
      for (let i = 0; i < 3; i++) {
        expect((await post(view, '/api/get', { key: 'c' })).body).toEqual({
          key: 'c',
          hit: true,
          value: 'c',
        })
      }
      s = await state(view.url)
      expect(s.layers[0]?.counters).toMatchObject({ hits: 2, misses: 2 })
      expect(s.layers[0]?.latency['get: near hit']?.count).toBe(2)
      expect(s.layers[0]?.latency['get: Redis']?.count).toBe(2)
    } finally {
      for (const view of views.splice(0)) await view.close()
      await mine.close()
    }
  })

  it('a layer without state adds no panel, and the memory store lists --near nowhere', async () => {
    const view = await webView({
      layers: [{ name: 'plain', detail: 'passes through', wrap: (store) => store }],
    })
    const s = await state(view.url)
    expect(s.store.layers).toEqual(['plain (passes through)'])
    expect(s.layers).toEqual([])
    expect(s.choices.find((c) => c.inUse)?.note).toBe('in this process')
  })
})

describe('pnpm demo -- --web', () => {
  it('prints the URL, serves the page, and closes on SIGTERM with exit 0', async () => {
    const run = start(['--web', '--port', '0', '--policy', 'lfu:100'])
    const [, url] = await run.waitFor(/^tagcache playground web view \(store: memory\): (\S+)$/m)
    if (url === undefined) throw new Error('no URL')
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect((await fetch(url)).status).toBe(200)
    expect((await state(url)).store.policy).toBe('lfu:100')
    run.child.kill('SIGTERM')
    expect(await run.closed).toEqual({ code: 0, signal: null })
    expect(run.stdout()).toMatch(/^SIGTERM: closing the traffic loop, the server and the cache$/m)
    expect(run.stderr()).toBe('')
  })

  for (const store of ['ioredis', 'node-redis'] as const) {
    it(`--store ${store} with REDIS_URL: runs on Redis, traffic and all, and SIGINT closes the client`, async () => {
      const redis = sharedRedis()
      const run = start(['--web', '--store', store], { ...process.env, REDIS_URL: redis.url })
      const [, name, base] = await run.waitFor(
        /^tagcache playground web view \(store: (\S+)\): (\S+)$/m,
      )
      if (base === undefined) throw new Error('no URL')
      const s = await state(base)
      expect(s.store.name).toBe(name)
      expect(s.store.url).toBe(new URL(redis.url).toString())
      expect(s.choices.find((c) => c.inUse)?.name).toBe(store)
      expect(s.choices.every((c) => c.available)).toBe(true)
      expect(s.choices.find((c) => c.inUse)?.note).toContain('restart with --near')
      expect(s.layers).toEqual([])

      const api = (path: string, body: unknown) =>
        fetch(new URL(path, base), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((r) => r.json() as Promise<Record<string, unknown>>)
      await api('/api/set', { key: 'k', value: [1, 2], tags: ['t'] })
      expect(await api('/api/get', { key: 'k' })).toEqual({ key: 'k', hit: true, value: [1, 2] })
      await api('/api/invalidate', { tags: ['t'] })
      expect(await api('/api/get', { key: 'k' })).toEqual({ key: 'k', hit: false })
      await api('/api/traffic', { running: true })
      let operations = 0
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
        operations = (await state(base)).totals.operations
        if (operations > 20) break
      }
      expect(operations).toBeGreaterThan(20)

      // Traffic still running: the signal stops it, then closes the server, cache and client.
      run.child.kill('SIGINT')
      expect(await run.closed).toEqual({ code: 0, signal: null })
      expect(run.stderr()).toBe('')
      expect((await state(base).catch(() => 'closed')) as unknown).toBe('closed')
    })
  }

  it('--store ioredis --near: the page shows the near cache; SIGINT closes it and the client', async () => {
    const redis = sharedRedis()
    const run = start(['--web', '--store', 'ioredis', '--near'], {
      ...process.env,
      REDIS_URL: redis.url,
    })
    const [, base] = await run.waitFor(/^tagcache playground web view \(store: \S+\): (\S+)$/m)
    if (base === undefined) throw new Error('no URL')
    let s = await until(base, (s) => s.layers[0]?.counters.healthy === true)
    expect(s.store.layers).toEqual(['near (local copy kept coherent by Redis CLIENT TRACKING)'])
    expect(s.choices.find((c) => c.inUse)?.note).toContain('under a near cache (--near)')
    expect(s.layers[0]?.counters.healthy).toBe(true)

    const api = (path: string, body: unknown) =>
      fetch(new URL(path, base), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    await api('/api/set', { key: 'k', value: 1, tags: ['t'] })
    await api('/api/get', { key: 'k' })
    await api('/api/get', { key: 'k' })
    s = await state(base)
    expect(s.layers[0]?.counters).toMatchObject({ hits: 1, misses: 1 })
    expect(s.layers[0]?.latency['get: near hit']?.count).toBe(1)

    run.child.kill('SIGINT')
    expect(await run.closed).toEqual({ code: 0, signal: null })
    expect(run.stderr()).toBe('')
  })
})
