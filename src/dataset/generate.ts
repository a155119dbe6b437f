// Only the Nigerian locale (over en and base): the package's index loads every locale, ~0.5 s.
import { faker } from '@faker-js/faker/locale/en_NG'
import { BANK_CATALOGUE, nubanCheckDigit, type BankCatalogueEntry } from './banks.js'
import { mix } from '../core/mix.js'
import {
  FIXTURE_FORMAT_VERSION,
  type AccountFixture,
  type BalanceFixture,
  type CustomerFixture,
  type FixtureFile,
  type PeriodicEntry,
} from '../core/fixture.js'

export interface GenerateOptions {
  seed: number
  customers: number
  /**
   * When set, the file holds exactly this many balances and `customers` is ignored: customers are
   * made until the count is reached, the last one keeping only the accounts that still fit.
   */
  balances?: number
  /** Accounts per customer, inclusive; customers 0 and 1 are pinned to 25 and 12 (see PINNED_ACCOUNTS). */
  accountsPerCustomer: { min: number, max: number }
  /** Entries in each periodic history (ledger and available). */
  periodicLength: number
  /** ISO-8601; every generated date is at or before it, so a clock started here sees a settled past. */
  referenceDate: string
}

export const DEFAULT_GENERATE_OPTIONS: Readonly<GenerateOptions> = Object.freeze({
  seed: 42,
  customers: 40,
  accountsPerCustomer: Object.freeze({ min: 1, max: 3 }),
  periodicLength: 6,
  referenceDate: '2026-11-01T00:00:00.000Z',
})

/**
 * The first two customers always get 25 and 12 accounts (when there are at least two customers, or
 * as many as a `balances` count leaves), so pagination at Okra's usual limit of 10 has a three-page
 * and a two-page customer in every file.
 */
export const PINNED_ACCOUNTS: readonly number[] = [25, 12]

export const FIXTURE_SCHEMA_REF = './fixture.schema.json'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const YEAR = 365 * DAY
const LINK_WINDOW = 3 * YEAR

/**
 * Okra's docs say some institutions report no available balance (okra-api.md §5.3). Drawn per account
 * rather than per bank, so every bank in a file shows both shapes.
 */
const NO_AVAILABLE_SHARE = 0.1
const USD_SHARE = 1 / 8

/** Id kinds: the middle word of every generated id names one, so no two kinds ever collide. */
const KIND = { app: 1, customer: 2, account: 3, balance: 4, record: 5, ledger: 6, available: 7 } as const
/** Draw streams: each decision has its own, so one never shifts another. */
const STREAM = { count: 11, time: 12, amounts: 13, account: 14, balance: 15, opened: 16 } as const
/** Ids hold an index in their last 32 bits; periodic ids hold position * periodic + entry. */
const MAX_BALANCES = 100_000_000

/**
 * A fixture described by its knobs and built one piece at a time, in any order: every customer,
 * account and balance comes from its own index and the seed alone, so the same knobs give the same
 * data whether it is written whole (generateFixture) or looked up lazily (spec.ts).
 *
 * Balances are numbered in the stable order (created_at, then _id): customers follow each other
 * in time, each inside its own slot of the link window, their accounts in the order drawn. So a
 * balance's position is also its account's index, a customer's balances are a range of positions,
 * and an id (which ends in its index) is found without building anything. Faker draws only the
 * names; everything else comes from cheap counter-based draws.
 */
export class FixtureGenerator {
  readonly options: Readonly<GenerateOptions>
  readonly owner: string
  readonly otherApp: string
  /** Customer c has the balances at positions customerStart[c] up to customerStart[c + 1]. */
  readonly customerStart: Int32Array
  private readonly seedWords: [number, number]
  private readonly tag: number
  private readonly refMs: number
  private readonly windowStart: number

  constructor (options: GenerateOptions) {
    checkOptions(options)
    this.options = options
    this.refMs = Date.parse(options.referenceDate)
    this.windowStart = this.refMs - LINK_WINDOW
    this.seedWords = [options.seed >>> 0, Math.floor(options.seed / 0x1_0000_0000) >>> 0]
    this.tag = (mix(this.seedWords[0] ^ mix(this.seedWords[1])) & 0xffffff) << 8
    this.owner = this.id(KIND.app, 0, this.refMs - 4 * YEAR)
    this.otherApp = this.id(KIND.app, 1, this.refMs - 2 * YEAR)
    this.customerStart = this.countAccounts()
  }

  get customers (): number {
    return this.customerStart.length - 1
  }

  get balances (): number {
    return this.customerStart[this.customers] as number
  }

  /** Accounts per customer, cut to a balances count when there is one. */
  private countAccounts (): Int32Array {
    const { customers, balances: target, accountsPerCustomer: { min, max } } = this.options
    const starts = [0]
    let total = 0
    const pinning = target === undefined ? customers >= 2 : target > 0
    for (let c = 0; target === undefined ? c < customers : total < target; c++) {
      const drawn = (pinning ? PINNED_ACCOUNTS[c] : undefined) ?? this.draws(STREAM.count, c).int(min, max)
      total += target === undefined ? drawn : Math.min(drawn, target - total)
      starts.push(total)
    }
    // Ids end in a 32-bit index: a balance's, or its periodic entries' (position * periodic + entry).
    if (total > MAX_BALANCES || total * Math.max(this.options.periodicLength, 1) >= 0x1_0000_0000) {
      throw new RangeError(`generateFixture: at most ${MAX_BALANCES} balances, and balances × periodic below 2^32; got ${total} × ${this.options.periodicLength}`)
    }
    return Int32Array.from(starts)
  }

  /** The customer whose range of positions holds `position`. */
  customerOf (position: number): number {
    let lo = 0
    let hi = this.customers - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if ((this.customerStart[mid] as number) <= position) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  /** The start of a position's share of the link window; shares are equal and in order. */
  private slotMs (position: number): number {
    return this.windowStart + Math.floor(position * (LINK_WINDOW - 2 * DAY) / Math.max(this.balances, 1))
  }

  /** When a customer linked, and how far apart its accounts were linked: all inside its slot. */
  private linking (c: number): { linkedMs: number, gapMs: number } {
    const first = this.customerStart[c] as number
    const count = (this.customerStart[c + 1] as number) - first
    const start = this.slotMs(first)
    const width = this.slotMs(first + count) - start
    const draws = this.draws(STREAM.time, c)
    // Most accounts are linked in one widget session, seconds apart.
    return {
      linkedMs: start + Math.floor(draws.unit() * width / 2),
      gapMs: Math.min(draws.int(2 * SECOND, 15 * SECOND), Math.floor(width / (2 * Math.max(count, 1)))),
    }
  }

  createdMs (position: number): number {
    const c = this.customerOf(position)
    const { linkedMs, gapMs } = this.linking(c)
    return linkedMs + (position - (this.customerStart[c] as number)) * gapMs
  }

  /** A balance's currency and amounts: cheap, for a scan over every balance. */
  amounts (position: number): { usd: boolean, ledger: number, available: number | undefined } {
    const draws = this.draws(STREAM.amounts, position)
    const usd = draws.chance(USD_SHARE)
    // Log-uniform, so most balances are modest and a few are large, as in a real customer base.
    let ledger = 0
    if (!draws.chance(0.03)) {
      const [low, high] = usd ? [5, 20_000] : [50, 5_000_000]
      ledger = cents(Math.exp(Math.log(low) + draws.unit() * Math.log(high / low)))
    }
    const available = draws.chance(NO_AVAILABLE_SHARE) ? undefined : availableAmount(draws, ledger)
    return { usd, ledger, available }
  }

  customer (c: number): CustomerFixture {
    const faker = seededFaker([...this.seedWords, c])
    const first = faker.person.firstName()
    const last = faker.person.lastName()
    const name = faker.number.float() < 0.25 ? `${first} ${faker.person.firstName()} ${last}` : `${first} ${last}`
    // The widget options okra_py and OkraGo send to balance/byOptions, from the name already drawn: no draw moves.
    return { _id: this.id(KIND.customer, c, this.linking(c).linkedMs), name, options: { first_name: first, last_name: last } }
  }

  /** The account at a position (its balance's); `customer` saves drawing the name again. */
  account (position: number, customer = this.customer(this.customerOf(position))): AccountFixture {
    const { usd } = this.amounts(position)
    const draws = this.draws(STREAM.account, position)
    const bank = pickBank(usd, draws)
    // A bijection of positions onto 9-digit serials: unique NUBANs with no set of used ones.
    const serial = String(100_000_000 + (position * 7_654_321 + (mix(this.seedWords[0]) % 900_000_000)) % 900_000_000)
    return {
      _id: this.accountId(position, this.createdMs(position)),
      customer: customer._id,
      bank: bank.bank._id,
      name: holderName(customer.name, draws),
      nuban: serial + String(nubanCheckDigit(bank.institutionCode, serial)),
      currency: usd ? 'USD' : 'NGN',
    }
  }

  balance (position: number): BalanceFixture {
    const { periodicLength: length } = this.options
    const { ledger, available } = this.amounts(position)
    const createdMs = this.createdMs(position)
    const draws = this.draws(STREAM.balance, position)
    const lastMs = draws.chance(0.65)
      ? Math.max(createdMs + HOUR, this.refMs - draws.int(0, 30 * DAY))
      : createdMs + draws.int(HOUR, this.refMs - createdMs)
    const record = draws.chance(0.3)
      ? [this.id(KIND.record, 2 * position, createdMs - draws.int(SECOND, 30 * SECOND)), this.id(KIND.record, 2 * position + 1, lastMs - draws.int(SECOND, 30 * SECOND))]
      : [this.id(KIND.record, 2 * position + 1, lastMs - draws.int(SECOND, 30 * SECOND))]
    const connected = draws.chance(0.2) ? [this.owner, this.otherApp] : [this.owner]

    // First fetch when the balance was created, last at its last_updated, the rest spread between.
    const step = (lastMs - createdMs) / Math.max(length - 1, 1)
    const times = Array.from({ length }, (_, k) => length === 1
      ? lastMs
      : Math.round(createdMs + step * k + (k > 0 && k < length - 1 ? (draws.unit() - 0.5) * step * 0.6 : 0)))
    const ledgerHistory: PeriodicEntry[] = new Array(length)
    const availableHistory: PeriodicEntry[] = available === undefined ? [] : new Array(length)
    let amount = ledger
    for (let k = length - 1; k >= 0; k--) {
      const atMs = times[k] as number
      const at = new Date(atMs).toISOString()
      if (k < length - 1) amount = previousLedger(draws, amount)
      ledgerHistory[k] = { _id: this.id(KIND.ledger, position * length + k, atMs), amount, owner: this.owner, last_updated: at }
      if (available !== undefined) {
        const availableAt = k === length - 1 ? available : availableAmount(draws, amount)
        availableHistory[k] = { _id: this.id(KIND.available, position * length + k, atMs), amount: availableAt, owner: this.owner, last_updated: at }
      }
    }
    const _id = this.id(KIND.balance, position, createdMs)
    const base = { _id, account: this.accountId(position, createdMs) }
    const rest = { ledger_balance: ledger, created_at: new Date(createdMs).toISOString(), last_updated: new Date(lastMs).toISOString(), record, connected, periodic: { available_balance: availableHistory, ledger_balance: ledgerHistory } }
    return available === undefined ? { ...base, ...rest } : { ...base, available_balance: available, ...rest }
  }

  /** An account was opened shortly before its first balance. */
  private accountId (position: number, createdMs: number): string {
    return this.id(KIND.account, position, createdMs - this.draws(STREAM.opened, position).int(SECOND, MINUTE))
  }

  /** The index an id of `kind` holds, or -1 when it is not one this generator makes. */
  indexOf (kind: 'customer' | 'account' | 'balance', id: string): number {
    if (id.length !== 24 || !/^[0-9a-f]{24}$/.test(id) || parseInt(id.slice(8, 16), 16) !== (this.tag | KIND[kind])) return -1
    const index = parseInt(id.slice(16), 16)
    const count = kind === 'customer' ? this.customers : this.balances
    if (index >= count) return -1
    const made = kind === 'customer'
      ? this.id(KIND.customer, index, this.linking(index).linkedMs)
      : kind === 'account' ? this.accountId(index, this.createdMs(index)) : this.id(KIND.balance, index, this.createdMs(index))
    return made === id ? index : -1
  }

  /** The knobs' data as a fixture file whose lists are built as they are read. */
  source (): FixtureSource {
    const generator = this
    return {
      $schema: FIXTURE_SCHEMA_REF,
      version: FIXTURE_FORMAT_VERSION,
      generator: { name: 'okra-emulator', ...knobsOf(this.options) },
      owner: this.owner,
      env: ENV,
      // Every catalogue bank, used or not, so scenarios can link new accounts to any of them.
      banks: BANK_CATALOGUE.map(entry => structuredClone(entry.bank)),
      customers: { * [Symbol.iterator] () { for (let c = 0; c < generator.customers; c++) yield generator.customer(c) } },
      accounts: {
        * [Symbol.iterator] () {
          for (let c = 0; c < generator.customers; c++) {
            const customer = generator.customer(c)
            for (let p = generator.customerStart[c] as number; p < (generator.customerStart[c + 1] as number); p++) yield generator.account(p, customer)
          }
        },
      },
      balances: { * [Symbol.iterator] () { for (let p = 0; p < generator.balances; p++) yield generator.balance(p) } },
    }
  }

  /** `seconds` (4 bytes), this seed's tag and the kind (4 bytes), the index (4 bytes). */
  private id (kind: number, index: number, atMs: number): string {
    return hex8(Math.floor(atMs / 1000) >>> 0) + hex8((this.tag | kind) >>> 0) + hex8(index)
  }

  private draws (stream: number, index: number): Draws {
    return new Draws(mix(this.seedWords[0] ^ mix(this.seedWords[1] ^ mix(stream))) ^ mix(index))
  }
}

export const ENV = 'production-sandbox'

/** A fixture file whose lists may be built as they are read. */
export interface FixtureSource extends Omit<FixtureFile, 'customers' | 'accounts' | 'balances'> {
  customers: Iterable<CustomerFixture>
  accounts: Iterable<AccountFixture>
  balances: Iterable<BalanceFixture>
}

/**
 * Builds a fixture file from a seed alone: same options, deep-equal output and byte-identical
 * serializeFixture text. All dates come from `referenceDate`, never the wall clock.
 */
export function generateFixture (options: GenerateOptions): FixtureFile {
  const source = new FixtureGenerator(options).source()
  return { ...source, customers: [...source.customers], accounts: [...source.accounts], balances: [...source.balances] }
}

/** The text of generateFixture's file, in pieces, built as written: a million balances never sit in memory. */
export function generateFixtureChunks (options: GenerateOptions): Generator<string> {
  return serializeFixtureChunks(new FixtureGenerator(options).source())
}

/** The knobs as `okra-emulator generate` names them: a generated file's `generator` block, a spec's `generate` block. */
export function knobsOf (options: GenerateOptions): Record<string, unknown> {
  const { min, max } = options.accountsPerCustomer
  return {
    seed: options.seed,
    ...(options.balances === undefined ? { customers: options.customers } : { balances: options.balances }),
    accounts: `${min}-${max}`,
    periodic: options.periodicLength,
    'reference-date': options.referenceDate,
  }
}

/**
 * GenerateOptions from knobs written as knobsOf writes them (a `name` key is allowed, as generated
 * files carry one); defaults fill the rest. Throws a RangeError naming the knob.
 */
export function specOptions (knobs: unknown): GenerateOptions {
  if (knobs === null || typeof knobs !== 'object' || Array.isArray(knobs)) throw new RangeError('$.generate must be an object of generator knobs')
  const given = knobs as Record<string, unknown>
  const known = ['name', 'seed', 'customers', 'balances', 'accounts', 'periodic', 'reference-date']
  const unknown = Object.keys(given).find(key => !known.includes(key))
  if (unknown !== undefined) throw new RangeError(`$.generate has unexpected key ${JSON.stringify(unknown)}; the knobs are ${known.slice(1).join(', ')}`)
  const number = (key: string, fallback: number): number => {
    const value = given[key] ?? fallback
    if (typeof value !== 'number') throw new RangeError(`$.generate.${key} must be a number`)
    return value
  }
  const accounts = given['accounts'] ?? `${DEFAULT_GENERATE_OPTIONS.accountsPerCustomer.min}-${DEFAULT_GENERATE_OPTIONS.accountsPerCustomer.max}`
  const range = typeof accounts === 'string' ? /^(\d+)-(\d+)$/.exec(accounts) : null
  if (range === null) throw new RangeError('$.generate.accounts must be "MIN-MAX", e.g. "1-3"')
  const referenceDate = given['reference-date'] ?? DEFAULT_GENERATE_OPTIONS.referenceDate
  if (typeof referenceDate !== 'string') throw new RangeError('$.generate.reference-date must be a string')
  const options: GenerateOptions = {
    seed: number('seed', DEFAULT_GENERATE_OPTIONS.seed),
    customers: number('customers', DEFAULT_GENERATE_OPTIONS.customers),
    accountsPerCustomer: { min: Number(range[1]), max: Number(range[2]) },
    periodicLength: number('periodic', DEFAULT_GENERATE_OPTIONS.periodicLength),
    referenceDate,
  }
  if (given['balances'] !== undefined) options.balances = number('balances', 0)
  checkOptions(options)
  return options
}

/** The committed text of a fixture file: two-space JSON, `$schema` first, trailing newline. */
export function serializeFixture (file: FixtureSource): string {
  return [...serializeFixtureChunks(file)].join('')
}

/**
 * The text of serializeFixture in pieces of about 64 KiB, reading the lists as it goes: a
 * million-balance file is over a gigabyte of JSON, longer than V8's largest string.
 */
export function * serializeFixtureChunks (file: FixtureSource): Generator<string> {
  const { $schema: _replaced, ...rest } = file
  const doc: Record<string, unknown> = { $schema: FIXTURE_SCHEMA_REF, ...rest }
  const keys = Object.keys(doc).filter(key => doc[key] !== undefined)
  let buffer = '{\n'
  for (const [i, key] of keys.entries()) {
    const value = doc[key]
    const comma = i < keys.length - 1 ? ',\n' : '\n'
    if (typeof value !== 'object' || value === null || !(Symbol.iterator in value)) {
      buffer += `  ${JSON.stringify(key)}: ${indent(JSON.stringify(value, null, 2), '  ')}${comma}`
      continue
    }
    let first = true
    for (const element of value as Iterable<unknown>) {
      buffer += (first ? `  ${JSON.stringify(key)}: [\n    ` : ',\n    ') + indent(JSON.stringify(element, null, 2), '    ')
      first = false
      if (buffer.length >= 65_536) {
        yield buffer
        buffer = ''
      }
    }
    buffer += first ? `  ${JSON.stringify(key)}: []${comma}` : `\n  ]${comma}`
  }
  yield buffer + '}\n'
}

// JSON.stringify escapes newlines inside strings, so every raw newline is a line break to indent.
function indent (json: string, prefix: string): string {
  return json.replaceAll('\n', '\n' + prefix)
}

/** A stream of uniform draws from one 32-bit state (mulberry32): cheap to start anywhere. */
class Draws {
  private state: number

  constructor (state: number) {
    this.state = state
  }

  unit (): number {
    this.state = (this.state + 0x6d2b79f5) | 0
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000
  }

  int (min: number, max: number): number {
    return min + Math.floor(this.unit() * (max - min + 1))
  }

  chance (p: number): boolean {
    return this.unit() < p
  }
}

function seededFaker (seed: number[]): typeof faker {
  faker.seed(seed)
  return faker
}

const allBanks = weighted(BANK_CATALOGUE)
const usdBanks = weighted(BANK_CATALOGUE.filter(entry => entry.domiciliary))

function pickBank (usd: boolean, draws: Draws): BankCatalogueEntry {
  const table = usd ? usdBanks : allBanks
  const target = draws.unit() * table.total
  // Linear scan: the catalogue has under twenty banks.
  for (const [entry, upTo] of table.entries) {
    if (target < upTo) return entry
  }
  return (table.entries[table.entries.length - 1] as [BankCatalogueEntry, number])[0]
}

// Banks print the holder's name their own way: mostly upper case, often surname first.
function holderName (name: string, draws: Draws): string {
  const style = draws.unit()
  if (style < 0.55) return name.toUpperCase()
  if (style < 0.85) {
    const words = name.split(' ')
    const last = words.pop() as string
    return [last, ...words].join(' ').toUpperCase()
  }
  return name
}

// Available trails ledger while debits are pending; Okra's own samples also show it above ledger.
function availableAmount (draws: Draws, ledger: number): number {
  const style = draws.unit()
  if (style < 0.7) return ledger
  if (style < 0.95) return cents(ledger - ledger * draws.unit() * 0.1)
  return cents(ledger + ledger * draws.unit() * 0.05)
}

function previousLedger (draws: Draws, next: number): number {
  if (next === 0) return draws.chance(0.5) ? 0 : cents(draws.unit() * 1000)
  return cents(Math.max(0, next * (1 + (draws.unit() - 0.5) * 0.6)))
}

function hex8 (n: number): string {
  return n.toString(16).padStart(8, '0')
}

function cents (amount: number): number {
  return Math.round(amount * 100) / 100
}

function weighted (entries: readonly BankCatalogueEntry[]): { entries: Array<[BankCatalogueEntry, number]>, total: number } {
  let total = 0
  const table: Array<[BankCatalogueEntry, number]> = []
  for (const entry of entries) {
    total += entry.weight
    table.push([entry, total])
  }
  return { entries: table, total }
}

function checkOptions (options: GenerateOptions): void {
  const wholeNumber = (value: number, name: string): void => {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`generateFixture: ${name} must be a whole number of 0 or more, got ${value}`)
    }
  }
  if (!Number.isSafeInteger(options.seed)) {
    throw new RangeError(`generateFixture: seed must be an integer, got ${options.seed}`)
  }
  wholeNumber(options.customers, 'customers')
  if (options.customers > MAX_BALANCES) throw new RangeError(`generateFixture: customers must be at most ${MAX_BALANCES}, got ${options.customers}`)
  wholeNumber(options.accountsPerCustomer.min, 'accountsPerCustomer.min')
  wholeNumber(options.accountsPerCustomer.max, 'accountsPerCustomer.max')
  if (options.accountsPerCustomer.min > options.accountsPerCustomer.max) {
    throw new RangeError('generateFixture: accountsPerCustomer.min must not exceed accountsPerCustomer.max')
  }
  wholeNumber(options.periodicLength, 'periodicLength')
  if (options.balances !== undefined) {
    wholeNumber(options.balances, 'balances')
    // Past the two pinned customers, nobody would get an account and the count would never be reached.
    if (options.accountsPerCustomer.max === 0 && options.balances > PINNED_ACCOUNTS.reduce((sum, n) => sum + n, 0)) {
      throw new RangeError('generateFixture: accountsPerCustomer.max must be at least 1 to reach a balances count')
    }
  }
  // Dates reach back LINK_WINDOW plus a year before it; an earlier reference would predate 1970.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/.test(options.referenceDate) ||
    !(Date.parse(options.referenceDate) >= 5 * YEAR)) {
    throw new RangeError(`generateFixture: referenceDate must be an ISO-8601 UTC date-time after 1975, got ${JSON.stringify(options.referenceDate)}`)
  }
}
