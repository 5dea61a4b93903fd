// The web view's page: forms that call the JSON API, and a poll of /api/state twice a second.
// Plain browser JavaScript, no build step and no dependency.

const $ = (id) => document.getElementById(id)
const POLL_MS = 500

/** POSTs `body` as JSON; resolves to the parsed answer, throws its `error` on a non-2xx. */
async function call(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const answer = await response.json()
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`)
  return answer
}

const list = (text) =>
  text
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '')

/** A value typed as JSON is sent as that JSON; anything else as the text itself. */
function parseValue(text) {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function log(line) {
  const item = document.createElement('li')
  item.textContent = `${new Date().toLocaleTimeString()} ${line}`
  $('log').prepend(item)
  while ($('log').children.length > 50) $('log').lastChild.remove()
}

/** Runs `action` for a form, showing its outcome (or its error) under the form. */
function onSubmit(formId, resultId, action) {
  $(formId).addEventListener('submit', async (event) => {
    event.preventDefault()
    const result = $(resultId)
    try {
      const line = await action()
      result.className = 'result'
      result.textContent = line
      log(line)
    } catch (error) {
      result.className = 'result error'
      result.textContent = error.message
      log(`error: ${error.message}`)
    }
    await refresh()
  })
}

onSubmit('set-form', 'set-result', async () => {
  const key = $('set-key').value
  const tags = list($('set-tags').value)
  const ttl = $('set-ttl').value.trim()
  const body = { key, value: parseValue($('set-value').value), tags }
  if (ttl !== '') body.ttl = /^\d+$/.test(ttl) ? Number(ttl) : ttl
  await call('/api/set', body)
  return `set ${key} [${tags.join(', ')}]${ttl ? ` ttl ${ttl}` : ''}`
})

onSubmit('get-form', 'get-result', async () => {
  const answer = await call('/api/get', { key: $('get-key').value })
  return answer.hit ? `hit ${answer.key}: ${JSON.stringify(answer.value)}` : `miss ${answer.key}`
})

onSubmit('invalidate-form', 'invalidate-result', async () => {
  const tags = list($('invalidate-tags').value)
  await call('/api/invalidate', { tags })
  return `invalidated [${tags.join(', ')}]`
})

$('reset').addEventListener('click', async () => {
  await call('/api/reset', {})
  log('counters reset')
  await refresh()
})

let trafficRunning = false
$('traffic').addEventListener('click', async () => {
  const { running } = await call('/api/traffic', { running: !trafficRunning })
  log(running ? 'traffic started' : 'traffic stopped')
  await refresh()
})

const ms = (value) =>
  value < 1 ? value.toFixed(3) : value < 100 ? value.toFixed(2) : value.toFixed(0)
const percent = (ratio) => `${(ratio * 100).toFixed(1)}%`

function render(state) {
  const { store, totals } = state
  $('store-name').textContent = store.name
  const detail = [
    store.url,
    `serializer ${store.serializer}`,
    `namespace ${store.namespace}`,
    `policy ${store.policy ?? 'none (unbounded)'}`,
    `layers ${store.layers.length ? store.layers.join(', ') : 'none'}`,
  ]
  $('store-detail').textContent = detail.filter(Boolean).join(' · ')

  $('choices').replaceChildren(
    ...state.choices.map((choice) => {
      const item = document.createElement('li')
      item.className = choice.available ? '' : 'off'
      item.dataset.store = choice.name
      item.textContent = `${choice.inUse ? '● ' : '○ '}${choice.name}: ${choice.note}`
      return item
    }),
  )

  for (const name of [
    'hits',
    'misses',
    'sets',
    'invalidations',
    'evictions',
    'errors',
    'operations',
  ]) {
    $(name).textContent = String(totals[name])
  }
  $('hit-ratio').textContent = totals.hits + totals.misses === 0 ? '–' : percent(totals.hitRatio)

  $('latency').replaceChildren(
    ...Object.entries(state.latency).map(([name, latency]) => {
      const row = document.createElement('tr')
      for (const cell of [name, latency.count, ms(latency.p50), ms(latency.p99)]) {
        const td = document.createElement('td')
        td.textContent = String(cell)
        row.append(td)
      }
      return row
    }),
  )

  $('layers').replaceChildren(...state.layers.map(layerSection))

  trafficRunning = state.traffic.running
  $('traffic').textContent = trafficRunning ? 'Stop traffic' : 'Start traffic'
  $('traffic-line').textContent = trafficRunning ? (state.traffic.line ?? 'starting…') : 'stopped'

  chart(state.series)
}

/** A panel for one store layer (the near cache): its counters and its split latencies. */
function layerSection(layer) {
  const section = document.createElement('section')
  section.className = 'layer'
  section.dataset.layer = layer.name
  const title = document.createElement('h2')
  title.textContent = `${layer.name} cache`
  const counters = document.createElement('div')
  counters.className = 'counters'
  for (const [name, value] of Object.entries(layer.counters)) {
    const box = document.createElement('div')
    box.className = 'counter'
    const figure = document.createElement('b')
    figure.id = `${layer.name}-${name}`
    figure.textContent = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value)
    if (typeof value === 'boolean') figure.className = `healthy-${value}`
    const label = document.createElement('span')
    label.textContent = name
    box.append(figure, label)
    counters.append(box)
  }
  const table = document.createElement('table')
  const head = document.createElement('tr')
  for (const text of ['read', 'calls', 'p50 (ms)', 'p99 (ms)']) {
    const th = document.createElement('th')
    th.textContent = text
    head.append(th)
  }
  table.append(head)
  for (const [name, latency] of Object.entries(layer.latency)) {
    const row = document.createElement('tr')
    const cells = latency.count ? [ms(latency.p50), ms(latency.p99)] : ['–', '–']
    for (const cell of [name, latency.count, ...cells]) {
      const td = document.createElement('td')
      td.textContent = String(cell)
      row.append(td)
    }
    table.append(row)
  }
  section.append(title, counters, table)
  return section
}

/** Draws the series into the SVG: x is time (the newest point on the right), y each line's scale. */
function chart(series) {
  const width = 600
  const height = 180
  // The x axis grows with the series up to two minutes, so that a few seconds already read.
  const slots = Math.min(120, Math.max(20, series.length))
  const x = (i) => width - (series.length - 1 - i) * (width / (slots - 1))
  const maxOps = Math.max(1, ...series.map((p) => p.ops))
  const p99s = series.map((p) => p.getP99).filter((v) => v !== null)
  const maxP99 = Math.max(0.001, ...p99s)
  const line = (value) =>
    series
      .map((p, i) => {
        const v = value(p)
        return v === null
          ? null
          : `${x(i).toFixed(1)},${(height - 2 - v * (height - 8)).toFixed(1)}`
      })
      .filter(Boolean)
      .join(' ')
  $('line-ops').setAttribute(
    'points',
    line((p) => p.ops / maxOps),
  )
  $('line-ratio').setAttribute(
    'points',
    line((p) => p.hitRatio),
  )
  $('line-p99').setAttribute(
    'points',
    line((p) => (p.getP99 === null ? null : p.getP99 / maxP99)),
  )
  $('chart-max').textContent = String(maxOps)
  $('chart-p99').textContent = p99s.length ? `${ms(maxP99)} ms` : '–'
}

async function refresh() {
  try {
    const response = await fetch('/api/state')
    render(await response.json())
    $('connection').textContent = ''
  } catch (error) {
    $('connection').className = 'result error'
    $('connection').textContent =
      `server unreachable (${error.message}); is pnpm demo -- --web still running?`
  }
}

async function poll() {
  await refresh()
  setTimeout(poll, POLL_MS)
}
poll()
