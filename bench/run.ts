/**
 * `npm run bench`: builds, then measures the built emulator (dist/cli.js) as a child process, with the
 * load generated here, in the parent, so the two never share a thread. Writes bench/RESULTS.md.
 *
 *   npm run bench                       everything (about 10 minutes)
 *   npm run bench -- --quick            short runs, one round, no 1M fixture
 *   npm run bench -- --only scale       a subset: throughput, mixed, cold-start, tenants, scale
 *   npm run bench -- --no-prism         skip installing Prism
 *   npm run bench -- --sizes 1000,100000 --rounds 5
 *   npm run bench -- --cli ../other/dist/cli.js   measure another build
 */
import { mkdtemp, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Request } from 'autocannon'
import { Client, Pool, request } from 'undici'
import { specOptions } from '../src/dataset/generate.js'
import { defaultIds, specIds, type DefaultIds } from './lib/fixtures.js'
import { AUTH, median, post, runLoad, type LoadResult } from './lib/load.js'
import { installPrism, PRISM_VERSION, startPrism } from './lib/prism.js'
import {
  CLI, memoryOf, removeTempDir, ROOT, runMain, sleep, startEmulator, startServer, trackTempDir, useCli, type Server,
} from './lib/processes.js'
import { environment, mb, ms, num, ratio, seconds, table, verdict, writeSection } from './lib/results.js'

const PARTS = ['throughput', 'mixed', 'cold-start', 'tenants', 'scale'] as const
type Part = typeof PARTS[number]

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    sizes: { type: 'string' },
    'no-prism': { type: 'boolean', default: false },
    cli: { type: 'string' },
  },
})
if (flags.cli !== undefined) useCli(flags.cli)

const quick = flags.quick === true
const only = new Set((flags.only ?? PARTS.join(',')).split(',').map((part) => part.trim()))
for (const part of only) {
  if (!(PARTS as readonly string[]).includes(part)) throw new Error(`--only takes ${PARTS.join(', ')}; got "${part}"`)
}
const settings = {
  warmupS: quick ? 1 : 3,
  durationS: quick ? 3 : 10,
  rounds: Number(flags.rounds ?? (quick ? 1 : 3)),
  coldStarts: 5,
  sizes: (flags.sizes ?? (quick ? '1000,100000' : '1000,100000,1000000')).split(',').map(Number),
  scaleWarmupS: 1,
  scaleDurationS: quick ? 2 : 5,
  tenants: 1000,
}
if (!(settings.rounds >= 1) || !settings.sizes.every((size) => Number.isSafeInteger(size) && size >= 2)) {
  throw new Error('--rounds takes a number ≥ 1 and --sizes a list of whole numbers ≥ 2, e.g. 1000,100000')
}
const mode = `${quick ? 'quick' : 'full'} run${flags.only === undefined ? '' : ` (--only ${flags.only})`}${flags.cli === undefined ? '' : ` of ${flags.cli}`}`
const CONNECTIONS = 50
/** Records must complete during the mixed load, so a poll sees both pending and done answers. */
const MIXED_RECORD_DELAY = '25ms'

function log (message: string): void {
  process.stdout.write(`[bench] ${message}\n`)
}

/** A load's figures as table cells: req/s, p50, p99, and what went wrong, if anything. */
function loadCells (result: LoadResult): string[] {
  const problems = result.errors + result.timeouts + result.non2xx
  return [num(result.rps), ms(result.p50), ms(result.p99), problems === 0 ? '0' : `**${result.errors} errors, ${result.timeouts} time-outs, ${result.non2xx} non-2xx**`]
}

/** The median figures of several runs of the same load. */
function medianOf (results: LoadResult[]): LoadResult {
  const sum = (key: 'errors' | 'timeouts' | 'non2xx' | 'requests'): number => results.reduce((total, result) => total + result[key], 0)
  return {
    rps: median(results.map((result) => result.rps)),
    p50: median(results.map((result) => result.p50)),
    p99: median(results.map((result) => result.p99)),
    requests: sum('requests'),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    non2xx: sum('non2xx'),
    statusCodes: {},
  }
}

let ids: DefaultIds
let loaded: Server | undefined
let benchDir: string

/** The emulator that takes the throughput and the mixed load; peak RSS is read from it. */
async function emulatorUnderLoad (): Promise<Server> {
  loaded ??= await startEmulator(['--record-delay', MIXED_RECORD_DELAY])
  return loaded
}

async function throughput (): Promise<string> {
  const emulator = await emulatorUnderLoad()
  const body = { customer: ids.busiestCustomer, limit: 5 }
  const answer = await request(`${emulator.url}/v2/balance/getByCustomer`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) })
  const page = Buffer.from(await answer.body.arrayBuffer())
  if (answer.statusCode !== 200) throw new Error(`getByCustomer answered ${answer.statusCode}: ${page.toString()}`)
  const pageFile = join(benchDir, 'page.json')
  await writeFile(pageFile, page)

  const floor = await startServer('floor', process.execPath, ['--import', 'tsx', join(ROOT, 'bench/floor.ts'), pageFile], /floor listening on (http:\/\/\S+)/)
  const check = await request(`${floor.url}/v2/balance/getByCustomer`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) })
  if (!page.equals(Buffer.from(await check.body.arrayBuffer()))) throw new Error('the floor does not answer the emulator\'s bytes')

  let prism: Server | undefined
  let prismReason = 'not measured: --no-prism'
  if (flags['no-prism'] !== true) {
    try {
      log(`installing @stoplight/prism-cli@${PRISM_VERSION} into a temp folder`)
      const bin = await installPrism(trackTempDir(await mkdtemp(join(tmpdir(), 'okra-bench-prism-'))))
      prism = await startPrism(bin)
    } catch (error) {
      prismReason = `not measured: ${(error as Error).message.slice(0, 200)}`
      log(`Prism ${prismReason}`)
    }
  }

  // Alternating rounds (emulator, floor, Prism, emulator, ...), so drift on a shared machine hits all.
  const targets: Array<{ label: string, server: Server, path: string }> = [
    { label: 'emulator', server: emulator, path: '/v2/balance/getByCustomer' },
    { label: 'floor', server: floor, path: '/v2/balance/getByCustomer' },
    // Prism serves the spec's paths without their server prefix.
    ...(prism === undefined ? [] : [{ label: 'prism', server: prism, path: '/balance/getByCustomer' }]),
  ]
  const runs = new Map<string, LoadResult[]>(targets.map((target) => [target.label, []]))
  for (let round = 1; round <= settings.rounds; round++) {
    for (const target of targets) {
      log(`getByCustomer round ${round}/${settings.rounds}: ${target.label}`)
      const result = await runLoad({ url: target.server.url, connections: CONNECTIONS, durationS: settings.durationS, warmupS: settings.warmupS, requests: [post(target.path, body)] })
      runs.get(target.label)?.push(result)
    }
  }
  const memory = memoryOf(emulator.pid)
  await floor.stop()
  await prism?.stop()

  const emu = medianOf(runs.get('emulator') ?? [])
  const flo = medianOf(runs.get('floor') ?? [])
  const pri = prism === undefined ? undefined : medianOf(runs.get('prism') ?? [])
  const toFloor = emu.rps / flo.rps
  const toPrism = pri === undefined ? NaN : emu.rps / pri.rps
  const rows = [
    ['okra-emulator (dist/cli.js)', ...loadCells(emu)],
    ['floor: bare Fastify 5, constant page (bench/floor.ts)', ...loadCells(flo)],
    pri === undefined
      ? [`Prism ${PRISM_VERSION} mocking openapi.yaml`, prismReason, '', '', '']
      : [`Prism ${PRISM_VERSION} mocking openapi.yaml`, ...loadCells(pri)],
  ]
  return [
    '## getByCustomer throughput',
    '',
    environment(mode),
    '',
    `\`POST /v2/balance/getByCustomer {"customer": "${ids.busiestCustomer}", "limit": 5}\` (the customer with the most balances`,
    `in fixtures/default.json), \`Authorization: Bearer bench-token\`, ${CONNECTIONS} connections, ${settings.warmupS} s warm-up then`,
    `${settings.durationS} s measured, ${settings.rounds} alternating round(s); the figures are the median round. Latencies are`,
    'taken from every answer at sub-millisecond precision.',
    '',
    table(['Server', 'req/s', 'p50', 'p99', 'errors'], rows),
    '',
    table(['Ratio', 'Throughput'], [
      ['emulator / floor', ratio(toFloor)],
      ['emulator / Prism', pri === undefined ? prismReason : ratio(toPrism)],
    ]),
    '',
    table(['Target', 'Figure', 'Result'], [
      ['getByCustomer throughput ≥ 0.85 × floor', ratio(toFloor), verdict(Number.isFinite(toFloor) ? toFloor >= 0.85 : undefined)],
      ['getByCustomer p99 ≤ 10 ms', ms(emu.p99), verdict(Number.isFinite(emu.p99) ? emu.p99 <= 10 : undefined)],
      ['peak RSS ≤ 150 MB (default fixtures, after this load)', mb(memory.peak), verdict(memory.peak <= 150e6)],
    ]),
  ].join('\n')
}

/** The callback_url of a refresh or check answer, as a path on the same server. */
function callbackPath (body: string): string | undefined {
  try {
    const url = (JSON.parse(body) as { data?: { callback_url?: string } }).data?.callback_url
    if (url === undefined) return undefined
    const parsed = new URL(url)
    return parsed.pathname + parsed.search
  } catch {
    return undefined
  }
}

/**
 * One round of a connection's requests: refresh and check an account, four look-ups, then poll both
 * callbacks. Each round takes the next of 50 tokens and the next account, customer and balance.
 */
function mixedRequests (tokens: string[]): Request[] {
  let turn = 0
  const at = <T>(list: readonly T[], n: number): T => list[n % list.length] as T
  const headers = (context: Record<string, unknown>) => ({ authorization: `Bearer ${context.token as string}`, 'content-type': 'application/json' })
  const json = (path: string, make: (n: number) => unknown): Request => ({
    method: 'POST',
    path,
    setupRequest: (req, context) => ({ ...req, headers: headers(context), body: JSON.stringify(make(context.n as number)) }),
  })
  const poll = (key: 'refresh' | 'check'): Request => ({
    method: 'GET',
    setupRequest: (req, context) => {
      const path = context[key] as string | undefined
      // A refresh that failed leaves nothing to poll; a look-up keeps the round's shape.
      return path === undefined
        ? { ...req, method: 'POST', path: '/v2/balance/getByCustomer', headers: headers(context), body: JSON.stringify({ customer: at(ids.customers, context.n as number) }) }
        : { ...req, path, headers: headers(context) }
    },
  })
  return [
    {
      method: 'POST',
      path: '/v2/balance/refresh',
      setupRequest: (req, context) => {
        const n = turn++
        context.n = n
        context.token = at(tokens, n)
        return { ...req, headers: headers(context), body: JSON.stringify({ account_id: at(ids.accounts, n) }) }
      },
      onResponse: (_status, body, context) => { context.refresh = callbackPath(body) },
    },
    { ...json('/v2/balance/check', (n) => ({ account_id: at(ids.accounts, n + 7) })), onResponse: (_status, body, context) => { context.check = callbackPath(body) } },
    json('/v2/balance/getByCustomer', (n) => ({ customer: at(ids.customers, n), limit: 5 })),
    json('/v2/balance/getByAccount', (n) => ({ account: at(ids.accounts, n + 3) })),
    json('/v2/balance/getById', (n) => ({ id: at(ids.balances, n + 5) })),
    json('/v2/balance/getByDate', () => ids.dateRange),
    poll('refresh'),
    poll('check'),
  ]
}

async function mixed (): Promise<string> {
  const emulator = await emulatorUnderLoad()
  const tokens = Array.from({ length: CONNECTIONS }, (_, i) => `bench-mixed-${i}`)
  log('mixed load')
  const result = await runLoad({ url: emulator.url, connections: CONNECTIONS, durationS: settings.durationS, warmupS: settings.warmupS, requests: mixedRequests(tokens) })
  const memory = memoryOf(emulator.pid)
  const codes = Object.entries(result.statusCodes).map(([code, count]) => `${code}: ${num(count)}`).join(', ')
  return [
    '## Mixed load',
    '',
    environment(mode),
    '',
    `${CONNECTIONS} connections over ${tokens.length} tokens (each round of a connection takes the next token), ${settings.warmupS} s warm-up then ${settings.durationS} s measured,`,
    `record delay ${MIXED_RECORD_DELAY}. Each connection repeats: refresh, check, getByCustomer, getByAccount, getById,`,
    'getByDate, then a GET of each callback_url (Okra\'s "Balance checking..." while the record runs, the result when done). Same server',
    'process as the getByCustomer load, so the peak RSS below covers both.',
    '',
    table(['Load', 'req/s', 'p50', 'p99', 'errors'], [['mixed', ...loadCells(result)]]),
    '',
    `Answers by status: ${codes}.`,
    '',
    table(['Target', 'Figure', 'Result'], [
      ['peak RSS ≤ 150 MB (default fixtures, getByCustomer then mixed load)', mb(memory.peak), verdict(memory.peak <= 150e6)],
    ]),
  ].join('\n')
}

async function coldStart (): Promise<string> {
  const body = JSON.stringify({ customer: ids.busiestCustomer, limit: 5 })
  const runs: Array<{ ready: number, answered: number }> = []
  for (let i = 0; i < settings.coldStarts; i++) {
    const started = performance.now()
    const server = await startEmulator()
    // A fresh connection, as a test suite's first request makes.
    const client = new Client(server.url)
    try {
      const answer = await client.request({ method: 'POST', path: '/v2/balance/getByCustomer', headers: AUTH, body })
      await answer.body.dump()
      if (answer.statusCode !== 200) throw new Error(`first getByCustomer answered ${answer.statusCode}`)
      runs.push({ ready: server.readyMs, answered: performance.now() - started })
    } finally {
      await client.close()
      await server.stop()
    }
  }
  const answered = median(runs.map((run) => run.answered))
  return [
    '## Cold start',
    '',
    environment(mode),
    '',
    '`node dist/cli.js --port 0` on the default fixtures, from spawn to the ready line and to the first 200 answer of',
    `getByCustomer on a new connection; median of ${settings.coldStarts}.`,
    '',
    table(['', 'median', 'each run'], [
      ['spawn → ready line', ms(median(runs.map((run) => run.ready))), runs.map((run) => num(run.ready)).join(', ') + ' ms'],
      ['spawn → first 200', ms(answered), runs.map((run) => num(run.answered)).join(', ') + ' ms'],
    ]),
    '',
    table(['Target', 'Figure', 'Result'], [['cold start ≤ 250 ms', ms(answered), verdict(answered <= 250)]]),
  ].join('\n')
}

/** Each token refreshes one account and checks another: the cost of a tenant that did a little. */
async function touchTenants (server: Server, tokens: string[]): Promise<void> {
  const pool = new Pool(server.url, { connections: CONNECTIONS })
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < tokens.length) {
      const n = next++
      const headers = { authorization: `Bearer ${tokens[n] as string}`, 'content-type': 'application/json' }
      for (const [path, account] of [['/v2/balance/refresh', n], ['/v2/balance/check', n + 1]] as const) {
        const answer = await pool.request({ method: 'POST', path, headers, body: JSON.stringify({ account_id: ids.accounts[account % ids.accounts.length] }) })
        await answer.body.dump()
        if (answer.statusCode !== 200) throw new Error(`${path} answered ${answer.statusCode}`)
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: CONNECTIONS }, worker))
  } finally {
    await pool.close()
  }
}

async function tenants (): Promise<string> {
  const server = await startEmulator(['--record-delay', '100ms'])
  try {
    // Warm the routes first, so the "before" figure is not a process that has never served.
    await touchTenants(server, Array.from({ length: 50 }, (_, i) => `bench-warm-${i}`))
    await sleep(2000)
    const before = memoryOf(server.pid)
    log(`${settings.tenants} tenants`)
    await touchTenants(server, Array.from({ length: settings.tenants }, (_, i) => `bench-tenant-${i}`))
    // Let the records complete (100 ms) and the answers' garbage age a little.
    await sleep(2000)
    const after = memoryOf(server.pid)
    const added = after.rss - before.rss
    return [
      '## Tenants',
      '',
      environment(mode),
      '',
      `Default fixtures, record delay 100 ms. 50 warm-up tokens first; then ${num(settings.tenants)} new tokens each refresh one`,
      'account and check another (2 s settle before each reading; RSS includes garbage not yet collected).',
      '',
      table(['RSS before', 'RSS after', 'added', 'per tenant', 'peak RSS'], [[mb(before.rss), mb(after.rss), mb(added), `${num(added / settings.tenants / 1024, 1)} KiB`, mb(after.peak)]]),
      '',
      table(['Target', 'Figure', 'Result'], [[`${num(settings.tenants)} tenants add ≤ 100 MB`, mb(added), verdict(added <= 100e6)]]),
    ].join('\n')
  } finally {
    await server.stop()
  }
}

interface ScaleRow {
  balances: number
  loaded?: string
  loadMs?: number
  rss?: number
  peak?: number
  byCustomer?: LoadResult
  byId?: LoadResult
  /** One getByType over every balance, median of three. */
  byTypeMs?: number
  failure?: string
  failedStage?: string
}

/** A size served from a generator spec: a file of a few bytes, expanded lazily by the emulator. */
async function scaleStep (balances: number): Promise<ScaleRow> {
  const row: ScaleRow = { balances }
  const dir = trackTempDir(await mkdtemp(join(tmpdir(), 'okra-bench-scale-')))
  const file = join(dir, `spec-${balances}.json`)
  let stage = 'load'
  let stageStarted = performance.now()
  let server: Server | undefined
  try {
    const knobs = { seed: 42, balances }
    await writeFile(file, JSON.stringify({ generate: knobs }))
    log(`scale ${num(balances)}: loading the spec`)
    server = await startEmulator(['--fixtures', file, '--clock', 'frozen'], 10 * 60_000)
    row.loadMs = server.readyMs
    row.loaded = /(\d+ customers, \d+ accounts, \d+ balances)/.exec(server.line)?.[1]
    const memory = memoryOf(server.pid)
    row.rss = memory.rss
    row.peak = memory.peak
    stage = 'look-ups'
    stageStarted = performance.now()
    const picked = specIds(specOptions(knobs), 20)
    const load = async (path: string, bodies: unknown[]): Promise<LoadResult> => runLoad({
      url: (server as Server).url, connections: 10, durationS: settings.scaleDurationS, warmupS: settings.scaleWarmupS, requests: bodies.map((body) => post(path, body)),
    })
    log(`scale ${num(balances)}: look-ups`)
    row.byCustomer = await load('/v2/balance/getByCustomer', picked.customers.map((customer) => ({ customer, limit: 5 })))
    row.byId = await load('/v2/balance/getById', picked.balances.map((id) => ({ id })))
    const typed: number[] = []
    for (let i = 0; i < 3; i++) {
      const started = performance.now()
      const answer = await request(`${server.url}/v2/balance/getByType`, { method: 'POST', headers: AUTH, body: JSON.stringify({ type: 'ledger_balance', value: 1_000_000, limit: 5 }) })
      await answer.body.dump()
      if (answer.statusCode !== 200) throw new Error(`getByType answered ${answer.statusCode}`)
      typed.push(performance.now() - started)
    }
    row.byTypeMs = median(typed)
  } catch (error) {
    row.failedStage = stage
    row.failure = `${stage} failed after ${seconds(performance.now() - stageStarted)}: ${(error as Error).message.slice(0, 300)}`
    log(`scale ${num(balances)}: not measured: ${row.failure}`)
  } finally {
    await server?.stop()
    await removeTempDir(dir)
  }
  return row
}

async function scale (): Promise<string> {
  const rows: ScaleRow[] = []
  for (const size of settings.sizes) rows.push(await scaleStep(size))
  const lookup = (result?: LoadResult): string => result === undefined ? 'n/a' : `${ms(result.p50)} (${num(result.rps)} req/s${result.non2xx + result.errors > 0 ? `, **${result.non2xx + result.errors} failed**` : ''})`
  const base = rows.find((row) => row.balances === 1000)
  const million = rows.find((row) => row.balances === 1_000_000)
  const skipped = million === undefined ? `not measured: ${quick ? '--quick skips 1M' : '1M not in --sizes'}` : undefined
  const why = million?.failure === undefined ? skipped : `not measured: 1M ${million.failedStage ?? ''} failed (above)`
  const p50Target = (key: 'byCustomer' | 'byId'): string[] => {
    const one = base?.[key]?.p50
    const big = million?.[key]?.p50
    const judged = one === undefined || big === undefined ? undefined : big <= 1.5 * one
    return [`1M: ${key === 'byCustomer' ? 'getByCustomer' : 'getById'} p50 ≤ 1.5 × the 1k figure`,
      one === undefined || big === undefined ? 'n/a' : `${ms(big)} vs ${ms(one)} (${ratio(big / one)})`,
      verdict(judged, judged === undefined && million?.failure === undefined && skipped === undefined ? 'not measured: no 1k figure' : why)]
  }
  return [
    '## Scale',
    '',
    environment(mode),
    '',
    'Each size is a generator spec, `{"generate": {"seed": 42, "balances": N}}`, which the emulator expands lazily: no',
    'fixture file is written. Ready is spawn to ready line; RSS is read just after it (peak: VmHWM). Look-ups: 10',
    `connections, ${settings.scaleWarmupS} s warm-up then ${settings.scaleDurationS} s, cycling over 20 customers (after the two pinned large ones) and`,
    'their first balances. getByType (ledger ≥ 1,000,000, limit 5) reads every balance\'s amount: one request, median of 3.',
    '',
    table(['Balances', 'Loaded', 'Ready', 'RSS after ready', 'Peak', 'getByCustomer p50', 'getById p50', 'getByType'],
      rows.map((row) => [num(row.balances), row.loaded ?? 'n/a', ms(row.loadMs ?? NaN), mb(row.rss ?? NaN), mb(row.peak ?? NaN),
        lookup(row.byCustomer), lookup(row.byId), ms(row.byTypeMs ?? NaN)])),
    ...rows.filter((row) => row.failure !== undefined).map((row) => `\n${num(row.balances)} balances not measured: ${row.failure}`),
    '',
    table(['Target', 'Figure', 'Result'], [
      ['1M: ready ≤ 1 s', ms(million?.loadMs ?? NaN), verdict(million?.loadMs === undefined ? undefined : million.loadMs <= 1000, why)],
      ['1M: RSS ≤ 250 MB', mb(million?.rss ?? NaN), verdict(million?.rss === undefined ? undefined : million.rss <= 250e6, why)],
      p50Target('byCustomer'),
      p50Target('byId'),
    ]),
  ].join('\n')
}

const RUNNERS: Record<Part, () => Promise<string>> = { throughput, mixed, 'cold-start': coldStart, tenants, scale }

async function main (): Promise<number> {
  await stat(CLI).catch(() => { throw new Error(`${CLI} is missing: run \`npm run build\` (npm run bench does)`) })
  ids = await defaultIds()
  benchDir = trackTempDir(await mkdtemp(join(tmpdir(), 'okra-bench-')))
  let failed = 0
  for (const part of PARTS) {
    if (!only.has(part)) continue
    log(`— ${part}`)
    let markdown: string
    try {
      markdown = await RUNNERS[part]()
    } catch (error) {
      failed++
      log(`${part} failed: ${(error as Error).stack ?? String(error)}`)
      markdown = `## ${part}\n\n${environment(mode)}\n\nnot measured: the harness failed: ${(error as Error).message}`
    }
    await writeSection(part, markdown)
    process.stdout.write(`\n${markdown}\n\n`)
  }
  await loaded?.stop()
  log(`figures written to bench/RESULTS.md${failed > 0 ? `; ${failed} part(s) failed` : ''}`)
  return failed > 0 ? 1 : 0
}

await runMain(main)
