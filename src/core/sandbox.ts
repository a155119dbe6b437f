import { lowerBound, type AccountEntry, type AmountType, type Dataset, type DatasetSource, type DatasetStats } from './dataset.js'
import { mix } from './mix.js'
import type { AccountFixture, BalanceFixture, BankFixture, CustomerFixture, WidgetOptions } from './fixture.js'

export type SandboxAccountType = 'ind' | 'corp'
export type SandboxVolume = 'low' | 'medium' | 'high'
export type InternetSpeed = 2 | 3 | 4

/** What Okra's sandbox/customers/create takes for one customer, `bank` resolved to its fixture. */
export interface SandboxCustomerInput {
  noOfAccount: number
  name: string
  bank: SandboxBank
  username: string
  password: string
  type: SandboxAccountType
  volume: SandboxVolume
  identity: number
  internetSpeed: InternetSpeed
}

/** A bank as the sandbox needs it; the NUBAN rule (check digit) belongs to the bank catalogue, outside the core. */
export interface SandboxBank {
  fixture: BankFixture
  /** The 10-digit NUBAN of a 9-digit serial at this bank. */
  nuban: (serial: string) => string
}

/** A sandbox customer as a tenant keeps it: plain JSON, so snapshots and --db hold it as it is. */
export interface SandboxCustomer {
  customer: CustomerFixture
  settings: Omit<SandboxCustomerInput, 'bank' | 'name'> & { bank: string }
  created_at: string
  bank: BankFixture
  accounts: AccountFixture[]
  balances: BalanceFixture[]
  /** Refreshes settled per account (same order as `accounts`): odd ones found a credit, even ones a debit. */
  refreshes: number[]
}

/**
 * How long a record of a sandbox customer's account takes, by its internet speed: 2 is Okra's
 * documented couple of minutes, 4 the emulator's default 3 s.
 */
export const SPEED_DELAY: Readonly<Record<InternetSpeed, string>> = { 2: '2m', 3: '30s', 4: '3s' }

/**
 * By volume: the opening ledger balance range of each account (naira) and the posting its bank
 * makes as each refresh settles, alternately a credit and a debit. The posting never exceeds the
 * lowest opening balance, so a balance never goes below zero.
 */
export const VOLUME: Readonly<Record<SandboxVolume, { opening: readonly [number, number], posting: number }>> = {
  low: { opening: [10_000, 100_000], posting: 2_500 },
  medium: { opening: [100_000, 2_000_000], posting: 50_000 },
  high: { opening: [2_000_000, 50_000_000], posting: 1_000_000 },
}

/** What a generated customer, or a created one that leaves a field out, gets. */
export const SANDBOX_DEFAULTS = {
  noOfAccount: 1,
  type: 'ind',
  volume: 'medium',
  identity: 100,
  internetSpeed: 3,
} as const satisfies Partial<SandboxCustomerInput>

/** The `n`th sandbox customer's default name and credentials (n from 1). */
export function defaultIdentity (n: number): { name: string, username: string, password: string } {
  return { name: `Sandbox Customer ${n}`, username: `sandbox_user_${n}`, password: `sandbox_pass_${n}` }
}

/**
 * A new sandbox customer made of fresh ids at `nowMs`. Amounts and NUBANs come from the counter
 * part of each id (its last 3 bytes), so the same calls on a fresh tenant give the same values
 * whatever the process's id bytes.
 */
export function buildSandboxCustomer (input: SandboxCustomerInput, newId: () => string, nowMs: number, owner: string): SandboxCustomer {
  const at = new Date(nowMs).toISOString()
  const customer: CustomerFixture = { _id: newId(), name: input.name }
  const holder = input.type === 'corp' ? `${input.name.toUpperCase()} LTD` : input.name.toUpperCase()
  const accounts: AccountFixture[] = []
  const balances: BalanceFixture[] = []
  const [low, high] = VOLUME[input.volume].opening
  for (let i = 0; i < input.noOfAccount; i++) {
    const _id = newId()
    const counter = parseInt(_id.slice(-6), 16)
    // A bijection of counters onto 8 digits; a leading 0 keeps them apart from generated fixtures' serials (1-9).
    const serial = '0' + String((counter * 7_654_321 + 13_579) % 100_000_000).padStart(8, '0')
    accounts.push({
      _id,
      customer: customer._id,
      bank: input.bank.fixture._id,
      name: holder,
      nuban: input.bank.nuban(serial),
      currency: 'NGN',
      emulator: { policy: { kind: 'delay', after: SPEED_DELAY[input.internetSpeed] } },
    })
    const amount = Math.round(low * 100 + mix(counter) % ((high - low) * 100)) / 100
    const entry = (): { _id: string, amount: number, owner: string, last_updated: string } => ({ _id: newId(), amount, owner, last_updated: at })
    balances.push({
      _id: newId(),
      account: _id,
      available_balance: amount,
      ledger_balance: amount,
      created_at: at,
      last_updated: at,
      record: [],
      connected: [owner],
      periodic: { available_balance: [entry()], ledger_balance: [entry()] },
    })
  }
  const { bank, name: _name, ...settings } = input
  return { customer, settings: { ...settings, bank: bank.fixture._id }, created_at: at, bank: bank.fixture, accounts, balances, refreshes: accounts.map(() => 0) }
}

/**
 * One tenant's sandbox customers, and the Dataset it reads: the fixtures with these layered over
 * them (SandboxDataset), rebuilt after a change, the fixtures themselves never copied.
 */
export class SandboxCustomers {
  private customers: SandboxCustomer[] = []
  private readonly byId = new Map<string, SandboxCustomer>()
  private readonly accountAt = new Map<string, [SandboxCustomer, number]>()
  private layered: { base: Dataset, dataset: SandboxDataset } | null = null

  constructor (private readonly changed: () => void) {}

  get size (): number { return this.customers.length }
  get state (): SandboxCustomer[] { return this.customers }
  list (): readonly SandboxCustomer[] { return this.customers }
  get (customerId: string): SandboxCustomer | undefined { return this.byId.get(customerId) }

  /** `base` with these customers added; `base` itself while there are none. */
  over (base: Dataset): Dataset {
    if (this.customers.length === 0) return base
    if (this.layered?.base !== base) this.layered = { base, dataset: new SandboxDataset(base, this.customers) }
    return this.layered.dataset
  }

  add (made: readonly SandboxCustomer[]): void {
    for (const customer of made) this.index(customer)
    this.customers = [...this.customers, ...made]
    this.layered = null
    this.changed()
  }

  load (state: readonly SandboxCustomer[]): void {
    this.byId.clear()
    this.accountAt.clear()
    for (const customer of state) this.index(customer)
    this.customers = [...state]
    this.layered = null
    this.changed()
  }

  /** The posting the bank of a sandbox account makes as its next refresh settles; undefined for any other account. */
  refreshPosting (accountId: string): number | undefined {
    const found = this.accountAt.get(accountId)
    if (found === undefined) return undefined
    const [customer, i] = found
    const size = VOLUME[customer.settings.volume].posting
    return (customer.refreshes[i] as number) % 2 === 0 ? size : -size
  }

  /** Counts a settled refresh of a sandbox account, so the next posting goes the other way. */
  countRefresh (accountId: string): void {
    const found = this.accountAt.get(accountId)
    if (found === undefined) return
    const [customer, i] = found
    customer.refreshes[i] = (customer.refreshes[i] as number) + 1
    this.changed()
  }

  private index (customer: SandboxCustomer): void {
    this.byId.set(customer.customer._id, customer)
    customer.accounts.forEach((account, i) => this.accountAt.set(account._id, [customer, i]))
  }
}

const NO_POSITIONS: readonly number[] = Object.freeze([])

/**
 * A Dataset with a tenant's sandbox customers added to another, in O(added) memory: the base is
 * read, never copied. The added balances are merged into the stable order (created_at, then _id):
 * added balance i sits at position insertAt[i] + i, and a base position p moves up by the number of
 * added balances inserted at or before it. Each look-up costs the base's plus a binary search.
 */
export class SandboxDataset implements Dataset {
  readonly owner: string
  readonly env: string
  readonly stats: DatasetStats
  readonly source: DatasetSource
  /** The added balances in the stable order. */
  private readonly added: BalanceFixture[]
  private readonly addedMs: number[]
  /** How many base balances come before each added one. */
  private readonly insertAt: Int32Array
  private readonly balanceIndex = new Map<string, number>()
  private readonly accounts = new Map<string, { entry: AccountEntry, index: number }>()
  private readonly customerIndexes = new Map<string, number[]>()

  constructor (private readonly base: Dataset, customers: readonly SandboxCustomer[]) {
    this.owner = base.owner
    this.env = base.env
    // Sandbox customers are tenant state, carried in the manifest's state: the fixtures are the base's.
    this.source = base.source
    const accountOf = new Map<string, AccountEntry>()
    for (const { customer, bank, accounts } of customers) {
      for (const fixture of accounts) {
        accountOf.set(fixture._id, { fixture, view: { _id: fixture._id, bank, nuban: fixture.nuban, name: fixture.name }, customer, behaviour: fixture.emulator ?? {} })
      }
    }
    const timed = customers.flatMap((c) => c.balances).map((balance) => ({ balance, ms: Date.parse(balance.created_at) }))
    timed.sort((a, b) => a.ms - b.ms || (a.balance._id < b.balance._id ? -1 : a.balance._id > b.balance._id ? 1 : 0))
    this.added = timed.map((t) => t.balance)
    this.addedMs = timed.map((t) => t.ms)
    this.insertAt = Int32Array.from(timed, ({ balance, ms }) => this.baseBefore(ms, balance._id))
    this.added.forEach((balance, i) => {
      this.balanceIndex.set(balance._id, i)
      const entry = accountOf.get(balance.account) as AccountEntry
      this.accounts.set(balance.account, { entry, index: i })
      const list = this.customerIndexes.get(entry.customer._id)
      if (list === undefined) this.customerIndexes.set(entry.customer._id, [i])
      else list.push(i)
    })
    const { stats } = base
    this.stats = { customers: stats.customers + customers.length, accounts: stats.accounts + accountOf.size, balances: stats.balances + this.added.length }
  }

  balance (id: string): BalanceFixture | undefined {
    const i = this.balanceIndex.get(id)
    return i === undefined ? this.base.balance(id) : this.added[i]
  }

  accountBalance (accountId: string): BalanceFixture | undefined {
    const found = this.accounts.get(accountId)
    return found === undefined ? this.base.accountBalance(accountId) : this.added[found.index]
  }

  account (accountId: string): AccountEntry | undefined {
    return this.accounts.get(accountId)?.entry ?? this.base.account(accountId)
  }

  balanceAt (position: number): BalanceFixture {
    const { added, base } = this.locate(position)
    return added === undefined ? this.base.balanceAt(base) : this.added[added] as BalanceFixture
  }

  positionOf (id: string): number {
    const i = this.balanceIndex.get(id)
    if (i !== undefined) return (this.insertAt[i] as number) + i
    const p = this.base.positionOf(id)
    return p === -1 ? -1 : this.shifted(p)
  }

  positionsOfCustomer (customerId: string): readonly number[] {
    const indexes = this.customerIndexes.get(customerId)
    if (indexes !== undefined) return indexes.map((i) => (this.insertAt[i] as number) + i)
    const positions = this.base.positionsOfCustomer(customerId)
    return positions.length === 0 ? NO_POSITIONS : positions.map((p) => this.shifted(p))
  }

  createdMsAt (position: number): number {
    const { added, base } = this.locate(position)
    return added === undefined ? this.base.createdMsAt(base) : this.addedMs[added] as number
  }

  createdBetween (fromMs: number, toMs: number): [number, number] {
    const at = (position: number): number => this.createdMsAt(position)
    return [lowerBound(this.stats.balances, at, fromMs), lowerBound(this.stats.balances, at, toMs)]
  }

  amountAt (position: number, type: AmountType): number | undefined {
    const { added, base } = this.locate(position)
    return added === undefined ? this.base.amountAt(base, type) : (this.added[added] as BalanceFixture)[type]
  }

  // Okra's sandbox customers are made, not linked through the widget: they carry no widget options.
  customerOptions (customerId: string): WidgetOptions | null { return this.base.customerOptions(customerId) }
  customersWithOptions (): Iterable<{ customer: string, options: WidgetOptions }> { return this.base.customersWithOptions() }

  recordBalance (recordId: string): BalanceFixture | undefined {
    return this.added.find((balance) => balance.record.includes(recordId)) ?? this.base.recordBalance(recordId)
  }

  /** Base balances ordered before (ms, id). */
  private baseBefore (ms: number, id: string): number {
    const size = this.base.stats.balances
    let at = lowerBound(size, (p) => this.base.createdMsAt(p), ms)
    while (at < size && this.base.createdMsAt(at) === ms && this.base.balanceAt(at)._id < id) at++
    return at
  }

  /** A base position's place once the added balances inserted at or before it are counted. */
  private shifted (basePosition: number): number {
    return basePosition + lowerBound(this.insertAt.length, (i) => this.insertAt[i] as number, basePosition + 1)
  }

  /** Which balance sits at a merged position: an added one's index, or a base position. */
  private locate (position: number): { added?: number, base: number } {
    // Added balances at merged positions up to `position`.
    const before = lowerBound(this.insertAt.length, (i) => (this.insertAt[i] as number) + i, position + 1)
    if (before > 0 && (this.insertAt[before - 1] as number) + before - 1 === position) return { added: before - 1, base: -1 }
    return { base: position - before }
  }
}
