// The emulator's dashboard: reads and drives /__admin over fetch, exactly as a test would.
// Plain browser JavaScript, no build step; served by src/routes/dashboard.ts.

const POLL_MS = 1000
const ADMIN_TOKEN = 'okra-emulator.admin-token'
const TENANT = 'okra-emulator.tenant'
const ACCOUNTS_PER_PAGE = 10

const $ = (id) => document.getElementById(id)
// `seq` numbers the reads: a slow read that a newer one overtook must not paint over it.
const state = { tenant: sessionStorage.getItem(TENANT), accountsPage: 1, timer: 0, seq: 0 }

class ApiError extends Error {
  constructor (status, message) {
    super(message)
    this.status = status
  }
}

/** One /__admin call; `tenant` is the bearer token to act for. Answers the envelope's data. */
async function api (method, path, { tenant, body } = {}) {
  const headers = {}
  const adminToken = sessionStorage.getItem(ADMIN_TOKEN)
  if (adminToken !== null) headers['x-admin-token'] = adminToken
  if (tenant !== undefined) headers.authorization = `Bearer ${tenant}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(`/__admin${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const answer = await response.json().catch(() => ({}))
  if (!response.ok) throw new ApiError(response.status, answer.message ?? `${response.status} ${response.statusText}`)
  return answer.data
}

/** Builds an element: h('td', { class: 'num' }, 'text', child). */
function h (tag, attributes = {}, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value)
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined).map((child) => typeof child === 'object' ? child : String(child)))
  return element
}

const time = (iso) => iso === null ? '—' : h('time', { datetime: iso }, iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ''))
const money = (n) => n === undefined ? '—' : n.toLocaleString('en-NG', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
const count = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`
const short = (id) => id.length > 12 ? `…${id.slice(-8)}` : id
const badge = (text) => h('span', { class: `badge ${text}` }, text)
const seconds = (after) => /^\d+000ms$/.test(after) ? `${after.slice(0, -5)}s` : after
const policyText = (p) => p.kind === 'delay' ? `delay ${seconds(p.after)}` : p.kind === 'polls' ? `${p.polls} polls` : p.kind

/**
 * Updates a table body (or a list) row by row: a row is rebuilt only when its item changed, so a
 * live refresh never steals the focus or the text typed in a row that did not change.
 */
function syncRows (parent, items, keyOf, rowOf) {
  const existing = new Map([...parent.children].map((row) => [row.dataset.key, row]))
  let cursor = parent.firstElementChild
  for (const item of items) {
    const key = keyOf(item)
    const signature = JSON.stringify(item)
    let row = existing.get(key)
    existing.delete(key)
    if (row === undefined || row.dataset.signature !== signature) {
      const fresh = rowOf(item)
      fresh.dataset.key = key
      fresh.dataset.signature = signature
      if (row !== undefined) {
        row.replaceWith(fresh)
        if (cursor === row) cursor = fresh
      }
      row = fresh
    }
    if (row === cursor) cursor = cursor.nextElementSibling
    else parent.insertBefore(row, cursor)
  }
  for (const row of existing.values()) row.remove()
}

function say (message, isError = false) {
  $('status').textContent = message
  $('status').classList.toggle('error', isError)
}

/** Runs a control call from a button or form, then refreshes at once. */
async function act (label, call) {
  try {
    await call()
    say(label)
  } catch (error) {
    say(`${label} failed: ${error.message}`, true)
  }
  await refresh()
}

const forTenant = (method, path, body) => api(method, path, { tenant: state.tenant, body })

function selectTenant (token) {
  state.tenant = token
  state.accountsPage = 1
  sessionStorage.setItem(TENANT, token)
  for (const tbody of document.querySelectorAll('#tenant-view tbody')) tbody.replaceChildren()
}

function renderTenants ({ total, tenants }) {
  $('tenants-total').textContent = total > tenants.length ? `${total} tenants; the newest ${tenants.length} are listed.` : count(total, 'tenant')
  // Until one is picked, show the newest: usually the one a test just used.
  if (state.tenant === null && tenants.length > 0) selectTenant(tenants[tenants.length - 1].token)
  const items = tenants.map((t) => ({ ...t, current: t.token === state.tenant }))
  syncRows($('tenants'), items, (t) => t.token, (t) => h('li', {}, h('button', {
    type: 'button',
    'aria-current': t.current ? 'true' : 'false',
    'aria-label': `Tenant ${t.token}`,
    title: t.token,
    onclick: () => { selectTenant(t.token); refresh() },
  }, h('span', { class: 'mono' }, t.label),
  h('small', {}, `${t.records.running} running · ${count(t.records.total, 'record')} · ${count(t.faults, 'fault')} · ${count(t.requests, 'request')} · clock ${t.clock.mode}`))))
}

function renderClock (clock) {
  $('clock-now').replaceWith(Object.assign(time(clock.now), { id: 'clock-now' }))
  $('clock-mode').textContent = clock.mode
  $('clock-mode').className = `badge ${clock.mode}`
  $('freeze').disabled = clock.mode === 'frozen'
  $('resume').disabled = clock.mode === 'running'
}

function renderRecords (records) {
  $('records-empty').hidden = records.length > 0
  syncRows($('records'), [...records].reverse(), (r) => r.id, (r) => h('tr', {},
    h('td', {}, h('code', { title: r.id }, short(r.id))),
    h('td', {}, r.method),
    h('td', {}, h('code', { title: r.account }, short(r.account))),
    h('td', {}, badge(r.state), r.failure === null ? null : ` ${r.failure.kind === 'timeout' ? 'time-out' : r.failure.message}`),
    h('td', {}, policyText(r.policy)),
    h('td', { class: 'num' }, r.polls),
    h('td', {}, time(r.created_at), h('br'), h('span', { class: 'muted' }, r.ended_at !== null ? ['ended ', time(r.ended_at)] : r.due_at !== null ? ['due ', time(r.due_at)] : 'due when told')),
    h('td', {}, r.state !== 'running'
      ? ''
      : h('div', { class: 'actions' },
        h('button', { type: 'button', 'aria-label': `Complete record ${r.id}`, onclick: () => act(`Record ${r.id} completed`, () => forTenant('POST', `/records/${r.id}/complete`)) }, 'Complete'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Fail record ${r.id} with a bank time-out`, onclick: () => act(`Record ${r.id} failed`, () => forTenant('POST', `/records/${r.id}/fail`, { failure: { kind: 'timeout' } })) }, 'Time out'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Fail record ${r.id} with a bank error`, onclick: () => act(`Record ${r.id} failed`, () => forTenant('POST', `/records/${r.id}/fail`, { failure: { kind: 'bank_error', message: 'The bank is unavailable at the moment' } })) }, 'Bank error'),
        r.policy.kind === 'manual' ? null : h('button', { type: 'button', class: 'quiet', 'aria-label': `Stall record ${r.id}`, onclick: () => act(`Record ${r.id} stalled`, () => forTenant('POST', `/records/${r.id}/stall`)) }, 'Stall')))
  ))
}

function renderAccounts ({ pagination, accounts }) {
  const amounts = (a) => `${money(a.ledger_balance)} / ${money(a.available_balance)}`
  syncRows($('accounts'), accounts, (a) => a.account, (a) => {
    const changed = a.okra.ledger_balance !== a.live.ledger_balance || a.okra.available_balance !== a.live.available_balance
    const postingId = `posting-${a.account}`
    return h('tr', { class: changed ? 'changed' : null },
      h('td', {}, h('code', { title: a.account }, a.account), h('br'), h('span', { class: 'muted' }, `${a.bank} · ${a.nuban}`)),
      h('td', {}, a.customer.name),
      h('td', { class: 'num' }, `${a.currency} ${amounts(a.okra)}`),
      h('td', { class: 'num live' }, `${a.currency} ${amounts(a.live)}`, changed ? h('span', { class: 'visually-hidden' }, ' (differs from Okra’s)') : null),
      h('td', {}, h('form', {
        onsubmit: (event) => {
          event.preventDefault()
          const posting = Number(event.target.elements.posting.value)
          act(`Posted ${posting} to ${a.account}`, () => forTenant('POST', `/accounts/${a.account}/balance`, { posting }))
        },
      }, h('label', { for: postingId, class: 'visually-hidden' }, `Amount to post to account ${a.account} (negative for a debit)`),
      h('input', { id: postingId, name: 'posting', type: 'number', step: '0.01', required: true, placeholder: '±amount' }),
      h('button', { type: 'submit', class: 'quiet', 'aria-label': `Post to account ${a.account}` }, 'Post'))))
  })
  $('accounts-page').textContent = `Page ${pagination.page} of ${pagination.totalPages} (${pagination.totalDocs} accounts)`
  $('accounts-prev').disabled = !pagination.hasPrevPage
  $('accounts-next').disabled = !pagination.hasNextPage
}

function renderFaults (faults) {
  $('faults-empty').hidden = faults.length > 0
  const matchText = (m) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(' ') || 'every request'
  const actionText = (a) => a.kind === 'error' ? `error ${a.status}` : a.kind === 'latency' ? `latency ${a.ms} ms` : a.kind
  syncRows($('faults'), faults, (f) => f.id, (f) => h('tr', {},
    h('td', {}, h('code', {}, short(f.id))),
    h('td', {}, matchText(f.match)),
    h('td', {}, actionText(f.action)),
    h('td', {}, f.times ?? 'always'),
    h('td', { class: 'num' }, `${f.matched} / ${f.applied}`),
    h('td', {}, h('button', { type: 'button', class: 'danger', 'aria-label': `Remove fault rule ${f.id}`, onclick: () => act(`Fault rule ${f.id} removed`, () => forTenant('DELETE', `/faults/${f.id}`)) }, 'Remove'))))
}

function renderWebhooks ({ settings, deliveries }) {
  $('webhook-url').textContent = settings.url === null ? 'No webhook URL set (--webhook-url, or PUT /__admin/webhooks/settings).' : `Posting to ${settings.url}`
  $('webhooks-empty').hidden = deliveries.length > 0
  syncRows($('webhooks'), [...deliveries].reverse(), (d) => d.id, (d) => h('tr', {},
    h('td', {}, h('code', { title: d.id }, short(d.id))),
    h('td', {}, d.event.okra_emulator.event),
    h('td', {}, h('code', { title: d.event.record }, short(d.event.record))),
    h('td', {}, badge(d.state)),
    h('td', {}, d.attempts.length === 0
      ? 'none yet'
      : h('ol', { class: 'attempts' }, d.attempts.map((a) => h('li', {}, time(a.at), ` ${a.outcome}`, a.responseCode === null ? '' : ` ${a.responseCode}`, a.error === null ? '' : ` (${a.error})`, ` ${a.latencyMs} ms`)))),
    h('td', {}, time(d.next_attempt_at)),
    h('td', {}, h('button', { type: 'button', class: 'quiet', 'aria-label': `Replay webhook delivery ${d.id}`, onclick: () => act(`Delivery ${d.id} replayed`, () => forTenant('POST', `/webhooks/${d.id}/replay`)) }, 'Replay'))))
}

function renderJournal ({ count: kept, dropped, requests }) {
  $('journal-count').textContent = `${count(kept, 'request')} kept${dropped > 0 ? `, ${dropped} older let go` : ''}; the newest 50 shown, newest first.`
  syncRows($('journal'), [...requests].reverse(), (r) => String(r.seq), (r) => h('tr', {},
    h('td', { class: 'num' }, r.seq),
    h('td', {}, time(r.at)),
    h('td', {}, h('code', {}, `${r.method} ${r.path}`)),
    h('td', { class: 'num' }, r.status),
    h('td', {}, r.account === null ? '' : h('code', { title: r.account }, short(r.account))),
    h('td', {}, r.fault === null ? '' : h('code', {}, short(r.fault)))))
}

function renderSnapshots (snapshots) {
  syncRows($('snapshots'), snapshots, (name) => name, (name) => h('li', {}, h('span', {}, name),
    h('button', { type: 'button', class: 'quiet', 'aria-label': `Restore snapshot ${name}`, onclick: () => act(`Snapshot ${name} restored`, () => forTenant('POST', `/snapshots/${encodeURIComponent(name)}/restore`)) }, 'Restore')))
}

/** Reads everything the page shows; a 401 to the tenant list means the admin token is missing or wrong. */
async function refresh () {
  clearTimeout(state.timer)
  const seq = ++state.seq
  let locked = true
  try {
    const tenants = await api('GET', '/tenants')
    locked = false
    if (seq !== state.seq) return
    $('unlock').hidden = true
    $('main').hidden = false
    renderTenants(tenants)
    const token = state.tenant
    $('no-tenant').hidden = token !== null
    $('tenant-view').hidden = token === null
    if (token !== null) {
      const [clock, records, accounts, faults, webhooks, journal, snapshots] = await Promise.all([
        forTenant('GET', '/clock'),
        forTenant('GET', '/records'),
        forTenant('GET', `/accounts?page=${state.accountsPage}&limit=${ACCOUNTS_PER_PAGE}`),
        forTenant('GET', '/faults'),
        forTenant('GET', '/webhooks'),
        forTenant('GET', '/requests?limit=50'),
        forTenant('GET', '/snapshots'),
      ])
      if (seq !== state.seq) return
      $('tenant-name').textContent = token
      renderClock(clock)
      renderRecords(records.records)
      renderAccounts(accounts)
      renderFaults(faults.faults)
      renderWebhooks(webhooks)
      renderJournal(journal)
      renderSnapshots(snapshots.snapshots)
    }
    $('connection').textContent = `Live: updated every ${POLL_MS / 1000} s`
  } catch (error) {
    if (seq !== state.seq) return
    if (locked && error instanceof ApiError && error.status === 401) {
      $('main').hidden = true
      $('unlock').hidden = false
      $('connection').textContent = 'Locked'
      if (sessionStorage.getItem(ADMIN_TOKEN) !== null) say('That admin token was refused.', true)
      return // no polling until a token is given
    }
    // A bearer token refused (--tokens) or the emulator gone: say so and keep trying.
    $('connection').textContent = `${error instanceof ApiError ? 'Refused' : 'Not connected'}: ${error.message}`
  }
  state.timer = setTimeout(() => { if (!document.hidden) refresh() }, POLL_MS)
}

function onSubmit (id, handler) {
  $(id).addEventListener('submit', (event) => {
    event.preventDefault()
    handler(new FormData(event.target), event.target)
  })
}

onSubmit('unlock', (data) => {
  sessionStorage.setItem(ADMIN_TOKEN, String(data.get('token')))
  say('')
  refresh()
})
onSubmit('open-tenant', (data, form) => {
  const token = String(data.get('token')).trim()
  if (token === '') return say('A bearer token cannot be blank.', true)
  selectTenant(token)
  form.reset()
  refresh()
})
onSubmit('advance', (data) => act(`Clock advanced by ${data.get('by')}`, () => forTenant('POST', '/clock/advance', { by: String(data.get('by')) })))
onSubmit('snapshot', (data, form) => act(`Snapshot ${data.get('name')} taken`, async () => {
  await forTenant('POST', '/snapshots', { name: String(data.get('name')) })
  form.reset()
}))
onSubmit('add-fault', (data) => {
  const kind = String(data.get('kind'))
  const value = Number(data.get('value'))
  const match = {}
  for (const key of ['route', 'account']) if (String(data.get(key)).trim() !== '') match[key] = String(data.get(key)).trim()
  const rule = { match, action: kind === 'error' ? { kind, status: value } : kind === 'latency' ? { kind, ms: value } : { kind } }
  if (String(data.get('times')) !== '') rule.times = Number(data.get('times'))
  act('Fault rule added', () => forTenant('POST', '/faults', rule))
})
$('freeze').addEventListener('click', () => act('Clock frozen', () => forTenant('POST', '/clock/freeze')))
$('resume').addEventListener('click', () => act('Clock running', () => forTenant('POST', '/clock/resume')))
$('reset').addEventListener('click', () => act('Tenant reset', () => forTenant('POST', '/reset')))
$('accounts-prev').addEventListener('click', () => { state.accountsPage -= 1; refresh() })
$('accounts-next').addEventListener('click', () => { state.accountsPage += 1; refresh() })

// A hidden tab is brought up to date as soon as it shows again.
document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh() })
refresh()
