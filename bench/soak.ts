/**
 * `npm run soak`: mixed traffic on every Okra route and the /__admin routes, over 50 tokens, with
 * faults injected, against the built emulator (dist/cli.js) for 5 minutes. It fails (exit 1) on a 5xx
 * nobody injected, on any socket error, or when the server's RSS grew more than 10 % between the
 * first minute and the end. Writes the "soak" section of bench/RESULTS.md.
 *
 *   npm run soak                       5 minutes, as fast as the server answers
 *   npm run soak -- --minutes 1        shorter
 *   npm run soak -- --rate 250         paced at 250 requests/s
 *   npm run soak -- --cli PATH         against another build's dist/cli.js
 */
import { parseArgs } from 'node:util'
import { Pool } from 'undici'
import { defaultIds, type DefaultIds } from './lib/fixtures.js'
import { memoryOf, runMain, sleep, startEmulator, useCli, type Server } from './lib/processes.js'
import { environment, mb, num, table, writeSection } from './lib/results.js'

const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    // Unpaced by default: the journal's per-tenant bound (1,000 × 50 tokens) must fill within the
    // first minute, or its growth up to the bound would read as a leak.
    rate: { type: 'string', default: '0' },
    seed: { type: 'string', default: '42' },
    cli: { type: 'string' },
  },
})
if (flags.cli !== undefined) useCli(flags.cli)
const durationMs = Number(flags.minutes) * 60_000
const rate = Number(flags.rate)
const seed = Number(flags.seed)
if (!(durationMs > 0) || !(rate >= 0) || !Number.isSafeInteger(seed)) throw new Error('--minutes > 0, --rate ≥ 0 (0: unpaced) and an integer --seed, please')

const TOKENS = 50
const SAMPLE_EVERY_MS = 10_000
/** The RSS the end is compared with: after the first minute, or halfway through a shorter run. */
const BASELINE_AT_MS = Math.min(60_000, durationMs / 2)
/**
 * Each side of the comparison is the mean of three samples (20 s): one sample swings ±20 MB with
 * where it falls between two collections, which alone moved a run's verdict by ±13 %.
 */
const WINDOW = 3
const FAULT_HEADER = 'x-okra-emulator-fault'
const RECORD_DELAY = '200ms'

/** Faults injected on each tenant, a seeded share of matching requests each. Never `close`. */
const FAULT_RULES = [
  { match: { route: 'balance/getByAccount' }, action: { kind: 'latency', ms: 50 } },
  { match: { route: 'balance/refresh' }, action: { kind: 'rate_limit' } },
  { match: { route: 'balance/getByCustomer' }, action: { kind: 'error', status: 400, body: { status: 'error', message: 'Injected by the soak' } } },
  { match: { route: 'balance/check' }, action: { kind: 'timeout' } },
]
const FAULT_SHARE = 0.05

function log (message: string): void {
  process.stdout.write(`[soak] ${message}\n`)
}

/** mulberry32: a small seeded generator, so two soaks with one seed make the same choices. */
function random (state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Sample { atMs: number, rss: number }

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, text: string }

const counts = {
  requests: 0,
  injected: 0,
  injectedByStatus: new Map<number, number>(),
  unexpected5xx: 0,
  bankTimeouts: 0,
  unexpected4xx: 0,
  socketErrors: 0,
  byStatus: new Map<number, number>(),
  byRoute: new Map<string, number>(),
}
const examples: string[] = []
const bump = <K>(map: Map<K, number>, key: K): void => { map.set(key, (map.get(key) ?? 0) + 1) }
function example (line: string): void {
  if (examples.length < 10) examples.push(line)
}

let pool: Pool
let nextSlot = 0

/** Waits for the next of `rate` slots per second across all workers (no wait when unpaced). */
async function pace (): Promise<void> {
  if (rate === 0) return
  const now = performance.now()
  const slot = Math.max(now, nextSlot)
  nextSlot = slot + 1000 / rate
  if (slot > now) await sleep(slot - now)
}

/** One request, counted and classified; undefined when the socket failed. */
async function send (token: string, method: 'GET' | 'POST' | 'PUT', path: string, route: string, body?: unknown): Promise<Answer | undefined> {
  await pace()
  counts.requests++
  bump(counts.byRoute, route)
  try {
    const answer = await pool.request({
      method,
      path,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await answer.body.text()
    const status = answer.statusCode
    bump(counts.byStatus, status)
    if (answer.headers[FAULT_HEADER] !== undefined) {
      counts.injected++
      bump(counts.injectedByStatus, status)
    } else if (status >= 500) {
      // A bank time-out scripted in the fixtures is the emulator doing its job, not a failure.
      if (route === 'GET callback' && text.includes('OKRA_EMU_BANK_TIMEOUT')) counts.bankTimeouts++
      else { counts.unexpected5xx++; example(`${status} ${method} ${path}: ${text.slice(0, 200)}`) }
    } else if (status >= 400) {
      counts.unexpected4xx++
      example(`${status} ${method} ${path}: ${text.slice(0, 200)}`)
    }
    return { status, headers: answer.headers, text }
  } catch (error) {
    counts.socketErrors++
    example(`socket error on ${method} ${path}: ${(error as Error).message}`)
    return undefined
  }
}

function callbackPath (answer: Answer | undefined): string | undefined {
  if (answer?.status !== 200) return undefined
  try {
    const url = (JSON.parse(answer.text) as { data?: { callback_url?: string } }).data?.callback_url
    return url === undefined ? undefined : new URL(url).pathname + new URL(url).search
  } catch {
    return undefined
  }
}

/**
 * A running record's callback: Okra's 200 repeating the refresh's own answer (the result always
 * carries `balance_changed`), or a 202 under --pending-callback 202. A soak that stopped at the first
 * 200 left records of the `polls` policy running for ever, and read their pile-up as growth.
 */
function stillRunning (answer: Answer): boolean {
  return answer.status === 202 || (answer.status === 200 && !answer.text.includes('"balance_changed"'))
}

/** Polls a record's callback until it is done or failed (or 30 polls), as a client would. */
async function follow (token: string, path: string | undefined, deadline: number): Promise<void> {
  if (path === undefined) return
  for (let poll = 0; poll < 30 && performance.now() < deadline; poll++) {
    const answer = await send(token, 'GET', path, 'GET callback')
    if (answer === undefined || !stillRunning(answer)) return
    await sleep(100)
  }
}

type Action = (token: string, pick: <T>(list: readonly T[]) => T, deadline: number) => Promise<unknown>

function actions (ids: DefaultIds, journal: boolean): Array<[number, Action]> {
  const prefix = (pick: <T>(list: readonly T[]) => T): string => pick(['/v2', '/v2/sandbox'])
  const lookup = (route: string, body: (pick: <T>(list: readonly T[]) => T) => unknown): Action =>
    async (token, pick) => send(token, 'POST', `${prefix(pick)}/${route}`, route, body(pick))
  const record = (route: string): Action => async (token, pick, deadline) =>
    follow(token, callbackPath(await send(token, 'POST', `${prefix(pick)}/${route}`, route, { account_id: pick(ids.accounts) })), deadline)
  const admin = (method: 'GET' | 'POST' | 'PUT', path: string, body?: (pick: <T>(list: readonly T[]) => T) => unknown): Action =>
    async (token, pick) => send(token, method, `/__admin/${path.replace(':id', () => pick(ids.accounts))}`, `${method} /__admin/${path}`, body?.(pick))
  return [
    [12, lookup('balance/getByCustomer', (pick) => ({ customer: pick(ids.customers), limit: pick([5, 10]) }))],
    [10, lookup('balance/getByAccount', (pick) => ({ account: pick(ids.accounts) }))],
    [6, lookup('balance/getById', (pick) => ({ id: pick(ids.balances) }))],
    [2, lookup('balance/getBalanceById', (pick) => ({ id: pick(ids.balances) }))],
    [4, lookup('balance/getByDate', () => ({ ...ids.dateRange, limit: 5 }))],
    [3, lookup('balance/getByCustomerDate', (pick) => ({ customer: pick(ids.customers), from: '2020-01-01', to: '2026-12-31' }))],
    [3, lookup('balance/getByType', (pick) => ({ type: pick(['ledger_balance', 'available_balance']), value: pick([0, 1000, 100000]), limit: 5 }))],
    [2, lookup('products/balances', () => ({ limit: 10 }))],
    [6, record('balance/refresh')],
    [2, record('products/balance/refresh')],
    [6, record('balance/check')],
    [2, admin('GET', 'clock')],
    [1, admin('POST', 'clock/advance', () => ({ by: '500ms' }))],
    [1, admin('GET', 'records')],
    [1, admin('GET', 'policy')],
    [1, admin('PUT', 'policy', (pick) => ({ policy: pick([{ kind: 'delay', after: RECORD_DELAY }, { kind: 'polls', polls: 2 }]) }))],
    // Moves the bank's balance, so the next check honestly reports a change.
    [2, admin('POST', 'accounts/:id/balance', (pick) => ({ posting: pick([-2500, -100, 500, 12000]) }))],
    [1, admin('GET', 'webhooks')],
    ...(journal ? [[1, admin('GET', 'requests?limit=20')] as [number, Action]] : []),
  ]
}

/** Installs the fault rules on every tenant; says why not when the emulator has no fault API. */
async function installFaults (tokens: string[]): Promise<string> {
  let installed = 0
  for (const [i, token] of tokens.entries()) {
    for (const [r, rule] of FAULT_RULES.entries()) {
      const answer = await pool.request({
        method: 'POST',
        path: '/__admin/faults',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...rule, share: FAULT_SHARE, seed: seed * 1000 + i * 10 + r }),
      })
      const text = await answer.body.text()
      if (answer.statusCode === 404 && installed === 0) return 'faults: not available (POST /__admin/faults answered 404)'
      if (answer.statusCode !== 200) throw new Error(`POST /__admin/faults ${JSON.stringify(rule)} answered ${answer.statusCode}: ${text.slice(0, 300)}`)
      installed++
    }
  }
  return `faults: on (${FAULT_RULES.map((rule) => `${rule.action.kind} on ${rule.match.route}`).join(', ')}; share ${FAULT_SHARE} each, seeded)`
}

async function journalExists (token: string): Promise<boolean> {
  const answer = await pool.request({ method: 'GET', path: '/__admin/requests?limit=1', headers: { authorization: `Bearer ${token}` } })
  await answer.body.dump()
  return answer.statusCode === 200
}

async function main (): Promise<number> {
  const ids = await defaultIds()
  const server: Server = await startEmulator(['--record-delay', RECORD_DELAY])
  log(`emulator ${server.url} (pid ${server.pid}); ${flags.minutes} minute(s) at ${rate === 0 ? 'full speed' : `${rate} requests/s`}, ${TOKENS} tokens`)
  pool = new Pool(server.url, { connections: TOKENS, headersTimeout: 30_000, bodyTimeout: 30_000 })
  const tokens = Array.from({ length: TOKENS }, (_, i) => `soak-token-${i}`)
  const faults = await installFaults(tokens)
  log(faults)
  const journal = await journalExists(tokens[0] as string)
  log(`request journal: ${journal ? 'GET /__admin/requests in the mix' : 'not available (404)'}`)

  const mix = actions(ids, journal)
  const totalWeight = mix.reduce((sum, [weight]) => sum + weight, 0)
  const started = performance.now()
  const deadline = started + durationMs
  const samples: Sample[] = []
  const sample = (): void => { samples.push({ atMs: performance.now() - started, rss: memoryOf(server.pid).rss }) }
  sample()
  const sampler = setInterval(() => {
    sample()
    const last = samples[samples.length - 1] as Sample
    log(`${Math.round(last.atMs / 1000)} s: ${num(counts.requests)} requests, RSS ${mb(last.rss)}, ${counts.injected} injected, ${counts.unexpected5xx} unexpected 5xx, ${counts.socketErrors} socket errors`)
  }, SAMPLE_EVERY_MS)

  const worker = async (token: string, i: number): Promise<void> => {
    const next = random(seed * 7919 + i)
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T
    while (performance.now() < deadline) {
      let target = next() * totalWeight
      const action = (mix.find(([weight]) => (target -= weight) < 0) ?? mix[0] as [number, Action])[1]
      await action(token, pick, deadline)
    }
  }
  try {
    await Promise.all(tokens.map(worker))
  } finally {
    clearInterval(sampler)
  }
  sample()
  const journalNote = journal ? await journalSize(tokens[0] as string) : undefined
  const records = await recordCount(tokens[0] as string)
  await pool.close()
  await server.stop()

  const seconds = (msValue: number): string => `${Math.round(msValue / 1000)} s`
  const nearest = samples.reduce((best, s, i) => Math.abs(s.atMs - BASELINE_AT_MS) < Math.abs((samples[best] as Sample).atMs - BASELINE_AT_MS) ? i : best, 0)
  const from = Math.max(0, nearest - 1)
  const baselineWindow = samples.slice(from, from + WINDOW)
  const endWindow = samples.slice(-WINDOW)
  const mean = (window: Sample[]): number => window.reduce((sum, s) => sum + s.rss, 0) / window.length
  const span = (window: Sample[]): string => `${seconds((window[0] as Sample).atMs)}–${seconds((window[window.length - 1] as Sample).atMs)}`
  const baseline = { rss: mean(baselineWindow), span: span(baselineWindow), at: samples[nearest] as Sample }
  const end = { rss: mean(endWindow), span: span(endWindow), at: samples[samples.length - 1] as Sample }
  const growth = (end.rss - baseline.rss) / baseline.rss
  const singleGrowth = (end.at.rss - baseline.at.rss) / baseline.at.rss
  const failures = [
    counts.unexpected5xx > 0 ? `${counts.unexpected5xx} unexpected 5xx` : '',
    counts.socketErrors > 0 ? `${counts.socketErrors} socket errors` : '',
    growth > 0.1 ? `RSS grew ${(growth * 100).toFixed(1)} % (> 10 %)` : '',
  ].filter((failure) => failure !== '')
  const byStatus = [...counts.byStatus].sort(([x], [y]) => x - y).map(([status, n]) => `${status}: ${num(n)}`).join(', ')
  const injectedByStatus = [...counts.injectedByStatus].sort(([x], [y]) => x - y).map(([status, n]) => `${status}: ${num(n)}`).join(', ')
  const elapsed = end.at.atMs
  const markdown = [
    '## Soak',
    '',
    environment(`soak, ${flags.minutes} min${flags.cli === undefined ? '' : ` of ${flags.cli}`}`),
    '',
    `\`npm run soak\`: ${TOKENS} tokens, ${rate === 0 ? 'unpaced' : `paced at ${rate} requests/s`}, seed ${seed}, record delay ${RECORD_DELAY}. Every Okra look-up`,
    'under /v2 and /v2/sandbox, refresh (both routes) and check with their callbacks polled to the end,',
    `products/balances, and /__admin clock, clock/advance, records, policy, accounts/:id/balance, webhooks${journal ? ', requests' : ''}.`,
    `${faults}.`,
    '',
    table(['Figure', 'Value'], [
      ['requests', `${num(counts.requests)} (${num(counts.requests / (elapsed / 1000))}/s)`],
      ['injected faults (answers with the fault header)', `${num(counts.injected)}${injectedByStatus === '' ? '' : ` (${injectedByStatus})`}`],
      ['unexpected 5xx (no fault header)', num(counts.unexpected5xx)],
      ['socket errors (incl. 30 s client time-outs)', num(counts.socketErrors)],
      ['4xx without a fault header', num(counts.unexpected4xx)],
      ['scripted bank time-outs (503 from fixtures)', num(counts.bankTimeouts)],
      [`RSS at ${baseline.span} (mean of ${WINDOW} samples)`, mb(baseline.rss)],
      [`RSS at the end, ${end.span} (mean of ${WINDOW} samples)`, mb(end.rss)],
      ['RSS growth', `${(growth * 100).toFixed(1)} %`],
      [`the same from single samples (${seconds(baseline.at.atMs)}, ${seconds(end.at.atMs)})`, `${mb(baseline.at.rss)} → ${mb(end.at.rss)}, ${(singleGrowth * 100).toFixed(1)} %`],
      // Records are kept for good (as Okra keeps them): the one store here that grows with traffic.
      ['records of one token at the end', records],
      ...(journalNote === undefined ? [] : [['journal of one token at the end', journalNote]]),
      ['result', failures.length === 0 ? '**pass**' : `**FAIL**: ${failures.join('; ')}`],
    ]),
    '',
    `Answers by status: ${byStatus}.`,
    '',
    `RSS every ${SAMPLE_EVERY_MS / 1000} s: ${samples.map((s) => (s.rss / 1e6).toFixed(0)).join(', ')} MB.`,
    ...(examples.length === 0 ? [] : ['', 'First unexpected answers:', '', ...examples.map((line) => `- \`${line.replaceAll('`', "'")}\``)]),
  ].join('\n')
  await writeSection('soak', markdown)
  process.stdout.write(`\n${markdown}\n\n`)
  log(`RSS at ${baseline.span}: ${mb(baseline.rss)}; at ${end.span}: ${mb(end.rss)}; ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} %`)
  log(failures.length === 0 ? 'pass' : `FAIL: ${failures.join('; ')}`)
  return failures.length === 0 ? 0 : 1
}

async function recordCount (token: string): Promise<string> {
  const answer = await pool.request({ method: 'GET', path: '/__admin/records', headers: { authorization: `Bearer ${token}` } })
  try {
    const { data } = JSON.parse(await answer.body.text()) as { data: { records: unknown[] } }
    return num(data.records.length)
  } catch {
    return 'unreadable'
  }
}

async function journalSize (token: string): Promise<string> {
  const answer = await pool.request({ method: 'GET', path: '/__admin/requests?limit=1', headers: { authorization: `Bearer ${token}` } })
  try {
    const { data } = JSON.parse(await answer.body.text()) as { data: { count: number, dropped: number } }
    return `${num(data.count)} kept, ${num(data.dropped)} dropped`
  } catch {
    return 'unreadable'
  }
}

await runMain(main)
