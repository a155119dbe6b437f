import { isIP } from 'node:net'
import { parseArgs } from 'node:util'
import type { GenerateOptions } from './dataset/generate.js'
import { parseDuration } from './core/duration.js'
import { DEFAULT_MAX_TENANTS } from './core/tenants.js'
import { secretProblem } from './core/webhooks.js'
import { CONNECTION_DEFAULTS as NET, resolveConnections, type ConnectionOptions } from './http/connections.js'
import { LOG_LEVELS, type LogLevel } from './http/logging.js'

/*
 * The command line, parsed, checked and defaulted in one place: cli.ts hands over argv and the
 * environment and gets back a frozen command, or a UsageError whose message is the one line to print.
 */

const DEFAULT_PORT = 3900
/** A test double has no business on the network unless asked. */
const DEFAULT_HOST = '127.0.0.1'
/** The bearer token startEmulator's `admin` acts for when none is given. */
export const DEFAULT_TEST_TOKEN = 'test-token'
export const DEFAULT_RECORD_DELAY_MS = 3000
/** What Okra's docs tell clients to wait before polling (okra-api.md §4.2). */
export const REALISTIC_RECORD_DELAY_MS = 120_000

/** A mistake in how the emulator was started; its message is the whole story, for one line of stderr. */
export class UsageError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** The part of startEmulator's options the command line sets (declared here so options.ts imports nothing above it). */
interface CommandLineStart {
  port: number
  host: string
  tokens?: string[]
  clock: { mode: 'running' | 'frozen', start?: string }
  recordDelayMs: number
  webhook?: { url: string, token?: string }
  webhookSecret?: string
  db?: string
  adminToken?: string
  connections: ConnectionOptions
  maxTenants: number
  pendingCallback?: 200 | 202
}

export interface ServeCommand {
  kind: 'serve'
  /** What startEmulator gets, less the fixtures: those load from `fixturesPath` (cli.ts). */
  start: Readonly<CommandLineStart>
  /** A fixture file to load, or undefined for the bundled one. */
  fixturesPath: string | undefined
  logLevel: LogLevel
}
export interface GenerateCommand {
  kind: 'generate'
  generate: Readonly<GenerateOptions>
  /** Where to write; standard output when undefined. */
  out: string | undefined
}
export type Command = ServeCommand | GenerateCommand | { kind: 'help', defaults: Readonly<GenerateOptions> } | { kind: 'version' }

export type Environment = Readonly<Record<string, string | undefined>>

/** `okra-emulator --help`. */
export const helpText = (defaults: Readonly<GenerateOptions>) => `okra-emulator: a local emulator of Okra's Balance API

Usage:
  okra-emulator [options]            start the emulator
  okra-emulator generate [options]   write a fixture file from a seed

Server options:
  -p, --port N        port to listen on (default ${DEFAULT_PORT}, or $PORT; 0 picks a free port)
  -H, --host H        address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 for every interface)
  --fixtures PATH     fixture file or generator spec to load (default: the bundled fixtures/default.json)
  --tokens a,b        accept only these bearer tokens (or $OKRA_EMULATOR_TOKENS); default: any
  --clock MODE        running (default: follows real time) or frozen (still until advanced)
  --clock-start ISO   the instant the emulator clock starts at (default: now)
  --record-delay D    how long a refresh or check runs, in emulator time (default 3s; e.g. 500ms, 2m)
  --realistic         records take Okra's two minutes (same as --record-delay 2m)
  --pending-callback S  the callback's status while a record runs: 200 (default: Okra's
                      "Balance checking..." answer again) or 202 (status "pending")
  --webhook-url URL   POST an event here when a record completes or fails
  --webhook-token T   sent with each webhook as "Authorization: Bearer T"
  --webhook-secret S  sign webhooks per Standard Webhooks with S (whsec_<base64 of 24-64 bytes>);
                      Okra documents no signing, so it is off unless given
  --db PATH           keep every tenant's state in this directory across restarts (default: in memory)
  --admin-token T     lock /__admin: every call must send "X-Admin-Token: T"
  --header-timeout D  close a connection whose request headers are not all in after D (default 10s)
  --request-timeout D answer 408 to a request (headers and body) not all in after D (default 30s)
  --keep-alive-timeout D  close an idle keep-alive connection after D (default 5s, as Okra's)
  --max-connections N open connections at most; at the cap the longest idle one is closed (default 1024)
  --max-tenants N     tokens whose tenant changed something kept at most (default ${DEFAULT_MAX_TENANTS});
                      past it a new token gets 503 for a change, look-ups still work
  --log-level L       fatal, error, warn (default), info (every request), debug, trace or silent;
                      logs go to stderr, readable on a terminal and JSON lines otherwise
  -h, --help          show this help
  -v, --version       print the version

Generate options:
  --seed N            random seed (default ${defaults.seed})
  --customers N       number of customers (default ${defaults.customers})
  --balances N        exactly N balances instead: customers are added until there are N
  --accounts MIN-MAX  accounts per customer (default ${defaults.accountsPerCustomer.min}-${defaults.accountsPerCustomer.max})
  --periodic N        periodic history entries per balance (default ${defaults.periodicLength})
  --reference-date ISO  latest date in the data (default ${defaults.referenceDate})
  --out PATH          write here instead of standard output
`

/** Turns a command line (without `node` and the script) and the environment into what to run. */
export async function resolveOptions (argv: readonly string[], env: Environment): Promise<Readonly<Command>> {
  try {
    return Object.freeze(argv[0] === 'generate' ? await generateCommand(argv.slice(1)) : await serveCommand(argv, env))
  } catch (error) {
    // node:util's own messages ("Unknown option '--bogus'. To specify a positional argument…") are long; keep the first sentence.
    if (error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(`${error.message.split('. ')[0]!.replace(/\.$/, '')} (see okra-emulator --help)`)
    }
    throw error
  }
}

const helpAndVersion = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const

async function serveCommand (args: readonly string[], env: Environment): Promise<Command> {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: {
      ...helpAndVersion,
      port: { type: 'string', short: 'p' },
      host: { type: 'string', short: 'H' },
      fixtures: { type: 'string' },
      tokens: { type: 'string' },
      clock: { type: 'string' },
      'clock-start': { type: 'string' },
      'record-delay': { type: 'string' },
      realistic: { type: 'boolean' },
      'webhook-url': { type: 'string' },
      'webhook-token': { type: 'string' },
      'webhook-secret': { type: 'string' },
      db: { type: 'string' },
      'admin-token': { type: 'string' },
      'log-level': { type: 'string' },
      'header-timeout': { type: 'string' },
      'request-timeout': { type: 'string' },
      'keep-alive-timeout': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-tenants': { type: 'string' },
      'pending-callback': { type: 'string' },
    },
  })
  if (values.help === true) return { kind: 'help', defaults: await generateDefaults() }
  if (values.version === true) return { kind: 'version' }
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
  const webhookSecret = values['webhook-secret']
  const secretInvalid = webhookSecret === undefined ? null : secretProblem(webhookSecret)
  if (secretInvalid !== null) throw new UsageError(`--webhook-secret ${secretInvalid}`)
  // An exported but empty PORT (common in CI shells) means no port was chosen.
  const port = portOption(values.port ?? (env.PORT === '' ? undefined : env.PORT))
  const host = hostOption(values.host ?? DEFAULT_HOST)
  const tokens = (values.tokens ?? env.OKRA_EMULATOR_TOKENS)?.split(',').map((t) => t.trim()).filter((t) => t !== '')
  if (tokens !== undefined && tokens.length === 0) throw new UsageError('--tokens needs at least one token')
  const clockMode = values.clock ?? 'running'
  if (clockMode !== 'running' && clockMode !== 'frozen') throw new UsageError(`--clock is running or frozen, got "${clockMode}"`)
  const pendingCallback = values['pending-callback']
  if (pendingCallback !== undefined && pendingCallback !== '200' && pendingCallback !== '202') throw new UsageError(`--pending-callback is 200 or 202, got "${pendingCallback}"`)
  const clockStart = values['clock-start']
  if (clockStart !== undefined && Number.isNaN(Date.parse(clockStart))) throw new UsageError(`--clock-start must be an ISO date, got "${clockStart}"`)
  return {
    kind: 'serve',
    fixturesPath: values.fixtures,
    logLevel,
    start: {
      port,
      host,
      ...(tokens === undefined ? {} : { tokens }),
      clock: { mode: clockMode, ...(clockStart === undefined ? {} : { start: clockStart }) },
      recordDelayMs,
      connections,
      maxTenants: wholeNumber(values['max-tenants'], '--max-tenants', DEFAULT_MAX_TENANTS),
      ...(webhookUrl === undefined ? {} : { webhook: { url: webhookUrl, ...(values['webhook-token'] === undefined ? {} : { token: values['webhook-token'] }) } }),
      ...(webhookSecret === undefined ? {} : { webhookSecret }),
      ...(values.db === undefined ? {} : { db: values.db }),
      ...(values['admin-token'] === undefined ? {} : { adminToken: values['admin-token'] }),
      ...(pendingCallback === undefined ? {} : { pendingCallback: Number(pendingCallback) as 200 | 202 }),
    },
  }
}

async function generateCommand (args: readonly string[]): Promise<Command> {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: {
      ...helpAndVersion,
      seed: { type: 'string' },
      customers: { type: 'string' },
      balances: { type: 'string' },
      accounts: { type: 'string' },
      periodic: { type: 'string' },
      'reference-date': { type: 'string' },
      out: { type: 'string' },
    },
  })
  const defaults = await generateDefaults()
  if (values.help === true) return { kind: 'help', defaults }
  if (values.version === true) return { kind: 'version' }
  const range = values.accounts === undefined ? undefined : /^(\d+)-(\d+)$/.exec(values.accounts)
  if (values.accounts !== undefined && (range == null || Number(range[1]) > Number(range[2]))) {
    throw new UsageError(`--accounts takes MIN-MAX, e.g. 1-3, got "${values.accounts}"`)
  }
  const referenceDate = values['reference-date'] ?? defaults.referenceDate
  if (Number.isNaN(Date.parse(referenceDate))) throw new UsageError(`--reference-date must be an ISO date, got "${referenceDate}"`)
  if (values.customers !== undefined && values.balances !== undefined) throw new UsageError('--customers and --balances both set the size; give one')
  return {
    kind: 'generate',
    out: values.out,
    generate: {
      seed: wholeNumber(values.seed, '--seed', defaults.seed),
      customers: wholeNumber(values.customers, '--customers', defaults.customers),
      ...(values.balances === undefined ? {} : { balances: wholeNumber(values.balances, '--balances', 0) }),
      accountsPerCustomer: range == null ? defaults.accountsPerCustomer : { min: Number(range[1]), max: Number(range[2]) },
      periodicLength: wholeNumber(values.periodic, '--periodic', defaults.periodicLength),
      referenceDate: new Date(referenceDate).toISOString(),
    },
  }
}

// The generator's defaults live beside it, and loading it loads faker: only `generate` and --help pay for that.
async function generateDefaults (): Promise<Readonly<GenerateOptions>> {
  return (await import('./dataset/generate.js')).DEFAULT_GENERATE_OPTIONS
}

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

function portOption (value: string | undefined): number {
  const port = wholeNumber(value, '--port', DEFAULT_PORT)
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got "${value}"`)
  return port
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i

/** Only the shape is checked here; whether the address exists on this machine, listening tells (cli.ts). */
function hostOption (host: string): string {
  if (isIP(host) === 0 && !HOSTNAME.test(host)) throw new UsageError(`--host must be an IP address or a host name, got "${host}"`)
  return host
}
