#!/usr/bin/env node
import { createWriteStream } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import type { GenerateOptions } from './fixtures/generate.js'
import { DEFAULT_RECORD_DELAY_MS, REALISTIC_RECORD_DELAY_MS } from './app.js'
import { parseDuration } from './core/duration.js'
import { CONNECTION_DEFAULTS as NET, resolveConnections } from './http/connections.js'
import { loggerFor, LOG_LEVELS, type LogLevel } from './logging.js'
import { StoreError } from './persistence/errors.js'
import { startEmulator } from './server.js'

const DEFAULT_PORT = 3900

/*
 * The fixture generator, and faker under it, is imported only by `generate` and --help: loading
 * faker took ~130 ms of every server start, which never uses it. Likewise the fixture loader, and
 * Ajv under it (~40 ms), only for a file named with --fixtures (the bundled one is read by createApp).
 */
const loadGenerator = async () => await import('./fixtures/generate.js')
const loadFixtureLoader = async () => await import('./fixtures/load.js')

const helpText = (defaults: Readonly<GenerateOptions>) => `okra-emulator: a local emulator of Okra's Balance API

Usage:
  okra-emulator [options]            start the emulator
  okra-emulator generate [options]   write a fixture file from a seed

Server options:
  --port N            port to listen on (default ${DEFAULT_PORT}, or $PORT; 0 picks a free port)
  --host H            address to listen on (default 127.0.0.1)
  --fixtures PATH     fixture file to load (default: the bundled fixtures/default.json)
  --tokens a,b        accept only these bearer tokens (or $OKRA_EMULATOR_TOKENS); default: any
  --clock MODE        running (default: follows real time) or frozen (still until advanced)
  --clock-start ISO   the instant the emulator clock starts at (default: now)
  --record-delay D    how long a refresh or check runs, in emulator time (default 3s; e.g. 500ms, 2m)
  --realistic         records take Okra's two minutes (same as --record-delay 2m)
  --webhook-url URL   POST an event here when a record completes or fails
  --webhook-token T   sent with each webhook as "Authorization: Bearer T"
  --db PATH           keep every tenant's state in this JSON file across restarts (default: in memory)
  --admin-token T     lock /__admin: every call must send "X-Admin-Token: T"
  --header-timeout D  close a connection whose request headers are not all in after D (default 10s)
  --request-timeout D answer 408 to a request (headers and body) not all in after D (default 30s)
  --keep-alive-timeout D  close an idle keep-alive connection after D (default 5s, as Okra's)
  --max-connections N open connections at most; at the cap the longest idle one is closed (default 1024)
  --log-level L       fatal, error, warn (default), info (every request), debug, trace or silent;
                      logs go to stderr, readable on a terminal and JSON lines otherwise
  -h, --help          show this help

Generate options:
  --seed N            random seed (default ${defaults.seed})
  --customers N       number of customers (default ${defaults.customers})
  --balances N        exactly N balances instead: customers are added until there are N
  --accounts MIN-MAX  accounts per customer (default ${defaults.accountsPerCustomer.min}-${defaults.accountsPerCustomer.max})
  --periodic N        periodic history entries per balance (default ${defaults.periodicLength})
  --reference-date ISO  latest date in the data (default ${defaults.referenceDate})
  --out PATH          write here instead of standard output
`

class UsageError extends Error {}

function durationOption (value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  try {
    return parseDuration(value, name)
  } catch {
    throw new UsageError(`${name} takes a duration such as 3s, 500ms or 2m, got "${value}"`)
  }
}

function wholeNumber (value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a whole number, got "${value}"`)
  return Number(value)
}

async function generate (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      seed: { type: 'string' },
      customers: { type: 'string' },
      balances: { type: 'string' },
      accounts: { type: 'string' },
      periodic: { type: 'string' },
      'reference-date': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const { DEFAULT_GENERATE_OPTIONS: defaults, generateFixture, serializeFixtureChunks } = await loadGenerator()
  if (values.help === true) { process.stdout.write(helpText(defaults)); return }
  const range = values.accounts === undefined ? undefined : /^(\d+)-(\d+)$/.exec(values.accounts)
  if (values.accounts !== undefined && (range == null || Number(range[1]) > Number(range[2]))) {
    throw new UsageError(`--accounts takes MIN-MAX, e.g. 1-3, got "${values.accounts}"`)
  }
  const referenceDate = values['reference-date'] ?? defaults.referenceDate
  if (Number.isNaN(Date.parse(referenceDate))) throw new UsageError(`--reference-date must be an ISO date, got "${referenceDate}"`)
  if (values.customers !== undefined && values.balances !== undefined) throw new UsageError('--customers and --balances both set the size; give one')
  const file = generateFixture({
    seed: wholeNumber(values.seed, '--seed', defaults.seed),
    customers: wholeNumber(values.customers, '--customers', defaults.customers),
    ...(values.balances === undefined ? {} : { balances: wholeNumber(values.balances, '--balances', 0) }),
    accountsPerCustomer: range == null ? defaults.accountsPerCustomer : { min: Number(range[1]), max: Number(range[2]) },
    periodicLength: wholeNumber(values.periodic, '--periodic', defaults.periodicLength),
    referenceDate: new Date(referenceDate).toISOString(),
  })
  // Streamed: a million balances is more JSON than one string can hold.
  const chunks = Readable.from(serializeFixtureChunks(file))
  if (values.out === undefined) await pipeline(chunks, process.stdout, { end: false })
  else {
    const out = values.out
    await pipeline(chunks, createWriteStream(out)).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot write ${out} (${error.code ?? error.message})`)
    })
  }
}

async function serve (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      fixtures: { type: 'string' },
      tokens: { type: 'string' },
      clock: { type: 'string' },
      'clock-start': { type: 'string' },
      'record-delay': { type: 'string' },
      realistic: { type: 'boolean' },
      'webhook-url': { type: 'string' },
      'webhook-token': { type: 'string' },
      db: { type: 'string' },
      'admin-token': { type: 'string' },
      'log-level': { type: 'string' },
      'header-timeout': { type: 'string' },
      'request-timeout': { type: 'string' },
      'keep-alive-timeout': { type: 'string' },
      'max-connections': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help === true) { process.stdout.write(helpText((await loadGenerator()).DEFAULT_GENERATE_OPTIONS)); return }
  const connections = {
    headerTimeoutMs: durationOption(values['header-timeout'], '--header-timeout', NET.headerTimeoutMs),
    requestTimeoutMs: durationOption(values['request-timeout'], '--request-timeout', NET.requestTimeoutMs),
    keepAliveTimeoutMs: durationOption(values['keep-alive-timeout'], '--keep-alive-timeout', NET.keepAliveTimeoutMs),
    maxConnections: wholeNumber(values['max-connections'], '--max-connections', NET.maxConnections),
  }
  try { resolveConnections(connections) } catch (error) { throw new UsageError((error as Error).message) }
  const logLevel = (values['log-level'] ?? 'warn') as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level is one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  if (values['admin-token'] === '') throw new UsageError('--admin-token needs a value')
  if (values.realistic === true && values['record-delay'] !== undefined) throw new UsageError('--realistic and --record-delay both set the record delay; give one')
  const recordDelayMs = values.realistic === true ? REALISTIC_RECORD_DELAY_MS : durationOption(values['record-delay'], '--record-delay', DEFAULT_RECORD_DELAY_MS)
  const webhookUrl = values['webhook-url']
  if (webhookUrl !== undefined && !/^https?:\/\/./.test(webhookUrl)) throw new UsageError(`--webhook-url must be an http(s) URL, got "${webhookUrl}"`)
  if (values['webhook-token'] !== undefined && webhookUrl === undefined) throw new UsageError('--webhook-token needs --webhook-url')
  // An exported but empty PORT (common in CI shells) means no port was chosen.
  const envPort = process.env.PORT === '' ? undefined : process.env.PORT
  const port = wholeNumber(values.port ?? envPort, '--port', DEFAULT_PORT)
  const tokenList = values.tokens ?? process.env.OKRA_EMULATOR_TOKENS
  const tokens = tokenList?.split(',').map((t) => t.trim()).filter((t) => t !== '')
  if (tokens !== undefined && tokens.length === 0) throw new UsageError('--tokens needs at least one token')
  const clockMode = values.clock ?? 'running'
  if (clockMode !== 'running' && clockMode !== 'frozen') throw new UsageError(`--clock is running or frozen, got "${clockMode}"`)
  const clockStart = values['clock-start']
  if (clockStart !== undefined && Number.isNaN(Date.parse(clockStart))) throw new UsageError(`--clock-start must be an ISO date, got "${clockStart}"`)

  // Without --fixtures the app reads its bundled default itself (createApp).
  const fixtures = values.fixtures === undefined ? undefined : await (await loadFixtureLoader()).loadFixtureFile(values.fixtures)
  const emulator = await startEmulator({
    ...(fixtures === undefined ? {} : { fixtures }),
    port,
    host: values.host ?? '127.0.0.1',
    ...(tokens === undefined ? {} : { tokens }),
    clock: { mode: clockMode, ...(clockStart === undefined ? {} : { start: clockStart }) },
    recordDelayMs,
    ...(webhookUrl === undefined ? {} : { webhook: { url: webhookUrl, ...(values['webhook-token'] === undefined ? {} : { token: values['webhook-token'] }) } }),
    ...(values.db === undefined ? {} : { db: values.db }),
    ...(values['admin-token'] === undefined ? {} : { adminToken: values['admin-token'] }),
    logger: loggerFor(logLevel),
    connections,
  })
  const { customers, accounts, balances } = emulator.app.dataset.stats
  const shownPath = values.fixtures ?? 'fixtures/default.json'
  process.stdout.write(`okra-emulator listening on ${emulator.url} (Okra base ${emulator.okraBaseUrl}; ${shownPath}: ${customers} customers, ${accounts} accounts, ${balances} balances)\n`)

  // Graceful: stop accepting, let in-flight requests (and the writes they wait on) finish, then exit.
  let closing = false
  const shutdown = (): void => {
    if (closing) return
    closing = true
    emulator.close().then(() => process.exit(0), (error: unknown) => {
      process.stderr.write(`okra-emulator: could not shut down cleanly: ${String(error)}\n`)
      process.exit(1)
    })
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}

export async function main (argv: string[]): Promise<number> {
  try {
    if (argv[0] === 'generate') await generate(argv.slice(1))
    else await serve(argv)
    return 0
  } catch (error) {
    if (error instanceof UsageError || error instanceof StoreError || error instanceof (await loadFixtureLoader()).FixtureError) {
      process.stderr.write(`okra-emulator: ${error.message}\n`)
      return 1
    }
    if (error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`okra-emulator: ${error.message}\nRun okra-emulator --help for the options.\n`)
      return 1
    }
    throw error
  }
}

const code = await main(process.argv.slice(2))
if (code !== 0) process.exit(code)
