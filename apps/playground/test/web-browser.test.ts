// The web view end to end in headless Chromium: the page, its forms and its live counters.
// Runs on Debian's `chromium` package (or any Chromium named by CHROMIUM_PATH), driven by
// playwright-core; downloading a browser does not work everywhere, so none is downloaded.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { memoryStore } from '@tagcache/memory'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { startWebView, type WebView } from '../src/web/server.ts'
import { storeChoices } from '../src/web/stores.ts'

const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url))
const screenshot = `${artifacts}web-view.png`

/** CHROMIUM_PATH, else a Chromium on PATH, else Debian's; undefined when there is none. */
function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined
  for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) {
    try {
      const path = execFileSync('which', [name], { encoding: 'utf8' }).trim()
      if (path) return path
    } catch {
      // not on PATH
    }
  }
  return ['/usr/bin/chromium', '/usr/lib/chromium/chromium'].find((path) => existsSync(path))
}

const executablePath = findChromium()
const missing =
  'no Chromium executable found (looked at CHROMIUM_PATH, chromium, chromium-browser and google-chrome on PATH, /usr/bin/chromium); install one with `apt-get install -y chromium` (bash .ci/run does) to run the web view browser test'
if (executablePath === undefined) console.warn(`[web-browser.test] SKIPPED: ${missing}`)

// Generous: Chromium starts in seconds alone, much slower on a busy 2-core machine.
const WAIT_MS = 60_000

let browser: Browser | undefined
let view: WebView | undefined

afterAll(async () => {
  await browser?.close()
  await view?.close()
})

/** Waits until `#id` reads `expected`, then asserts it (a timeout fails with the last text). */
async function expectText(page: Page, id: string, expected: string | RegExp) {
  const element = page.locator(`#${id}`)
  const matches = (text: string) =>
    typeof expected === 'string' ? text === expected : expected.test(text)
  const deadline = Date.now() + WAIT_MS
  let text = (await element.textContent()) ?? ''
  while (!matches(text) && Date.now() < deadline) {
    await page.waitForTimeout(50)
    text = (await element.textContent()) ?? ''
  }
  if (typeof expected === 'string') expect(text, `#${id}`).toBe(expected)
  else expect(text, `#${id}`).toMatch(expected)
}

describe('playground web view in Chromium', () => {
  it('set with a tag, read (hit), invalidate the tag, read (miss): the counters follow', async (ctx) => {
    ctx.skip(executablePath === undefined, missing)
    const started = performance.now()

    view = await startWebView({
      store: memoryStore(),
      choices: storeChoices({
        store: 'memory',
        redisUrl: 'redis://127.0.0.1:6379',
        redisUrlSource: 'default',
      }),
    })
    browser = await chromium.launch({ executablePath, headless: true, timeout: WAIT_MS })
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    page.setDefaultTimeout(WAIT_MS)
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))

    await page.goto(view.url)
    await expectText(page, 'store-name', 'memory')
    await expectText(page, 'hits', '0')
    expect(await page.locator('[data-store="ioredis"]').textContent()).toContain(
      'REDIS_URL is not set',
    )

    // 1. set an entry with a tag
    await page.fill('#set-key', 'user:1')
    await page.fill('#set-value', '{"name":"Ada"}')
    await page.fill('#set-tags', 'users, user:1')
    await page.fill('#set-ttl', '10m')
    await page.click('#set-button')
    await expectText(page, 'set-result', 'set user:1 [users, user:1] ttl 10m')
    await expectText(page, 'sets', '1')

    // 2. read it: a hit
    await page.fill('#get-key', 'user:1')
    await page.click('#get-button')
    await expectText(page, 'get-result', 'hit user:1: {"name":"Ada"}')
    await expectText(page, 'hits', '1')
    await expectText(page, 'misses', '0')
    await expectText(page, 'hit-ratio', '100.0%')

    // 3. invalidate its tag
    await page.fill('#invalidate-tags', 'user:1')
    await page.click('#invalidate-button')
    await expectText(page, 'invalidate-result', 'invalidated [user:1]')
    await expectText(page, 'invalidations', '1')

    // 4. read it again: a miss
    await page.click('#get-button')
    await expectText(page, 'get-result', 'miss user:1')
    await expectText(page, 'hits', '1')
    await expectText(page, 'misses', '1')
    await expectText(page, 'hit-ratio', '50.0%')
    expect(view.cache.stats.hits).toBe(1)
    expect(view.cache.stats.misses).toBe(1)

    // A bad ttl is refused by the API with a 400, and the page says why under the form.
    await page.fill('#set-ttl', 'soon')
    await page.click('#set-button')
    await expectText(page, 'set-result', /^invalid request: ttl: invalid ttl "soon"/)
    expect(await page.locator('#set-result').getAttribute('class')).toContain('error')
    await expectText(page, 'sets', '1')

    // The traffic loop moves the counters and draws the chart; stopping it stops them.
    await page.click('#traffic')
    await expectText(page, 'traffic', 'Stop traffic')
    // Page expressions as strings: this file is compiled without the DOM library.
    await page.waitForFunction("Number(document.getElementById('operations').textContent) > 200", {
      timeout: WAIT_MS,
    })
    // A few seconds of traffic on the chart (one point a second).
    await page.waitForFunction(
      "document.getElementById('line-ops').getAttribute('points').split(' ').length >= 5",
      { timeout: WAIT_MS },
    )
    await expectText(page, 'traffic-line', /^\[live\] \d+ ops\/s hitRatio=/)
    const latencyRows = await page.locator('#latency tr td:first-child').allTextContents()
    expect(latencyRows).toEqual(expect.arrayContaining(['get', 'set', 'invalidate', 'wrap']))
    mkdirSync(artifacts, { recursive: true })
    await page.screenshot({ path: screenshot, fullPage: true })
    await page.click('#traffic')
    await expectText(page, 'traffic', 'Start traffic')
    await expectText(page, 'traffic-line', 'stopped')
    const after = view.cache.stats.hits + view.cache.stats.misses
    await page.waitForTimeout(300)
    expect(view.cache.stats.hits + view.cache.stats.misses).toBe(after)

    expect(pageErrors).toEqual([])
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    console.log(`[web-browser.test] screenshot: ${screenshot}; the browser test took ${seconds}s`)
    expect(existsSync(screenshot)).toBe(true)
  })
})
