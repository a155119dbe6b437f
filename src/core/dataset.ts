import type {
  AccountBehaviourFixture, AccountFixture, BalanceFixture, BankFixture, CustomerFixture, FixtureFile,
} from '../fixtures/types.js'

/** Okra's `account` sub-document of a balance, with its bank joined in. */
export interface AccountView {
  _id: string
  bank: BankFixture
  nuban: string
  name: string
}

/** Everything the emulator knows about one account, joined once at load time. */
export interface AccountEntry {
  fixture: AccountFixture
  view: AccountView
  customer: CustomerFixture
  behaviour: AccountBehaviourFixture
}

export interface DatasetStats {
  customers: number
  accounts: number
  balances: number
}

/**
 * The loaded fixtures, immutable and indexed. Every tenant reads the same Dataset and keeps only
 * its own changes beside it (copy-on-write), so a thousand tenants cost one copy of the data.
 *
 * Balances are held in one stable order, ascending by created_at then _id; every list a look-up
 * returns keeps that order, and every index is a slice of it.
 */
export class Dataset {
  readonly owner: string
  readonly env: string
  readonly balances: readonly BalanceFixture[]
  readonly balanceById: ReadonlyMap<string, BalanceFixture>
  readonly balancesByCustomer: ReadonlyMap<string, readonly BalanceFixture[]>
  readonly balancesByAccount: ReadonlyMap<string, readonly BalanceFixture[]>
  readonly accounts: ReadonlyMap<string, AccountEntry>
  /** created_at of balances[i] in ms, for binary search by date. */
  readonly createdAtMs: Float64Array
  readonly stats: DatasetStats

  /** Expects a file that passed validateFixture (ids resolve); throws on a dangling reference anyway. */
  constructor (file: FixtureFile) {
    this.owner = file.owner
    this.env = file.env
    const banks = new Map(file.banks.map((b) => [b._id, b]))
    const customers = new Map(file.customers.map((c) => [c._id, c]))
    const accounts = new Map<string, AccountEntry>()
    for (const account of file.accounts) {
      const bank = banks.get(account.bank)
      const customer = customers.get(account.customer)
      if (bank === undefined || customer === undefined) {
        throw new Error(`account ${account._id} refers to an unknown bank or customer`)
      }
      accounts.set(account._id, {
        fixture: account,
        view: { _id: account._id, bank, nuban: account.nuban, name: account.name },
        customer,
        behaviour: account.emulator ?? {},
      })
    }

    const ordered = [...file.balances].sort(compareBalances)
    const byCustomer = new Map<string, BalanceFixture[]>()
    const byAccount = new Map<string, BalanceFixture[]>()
    const byId = new Map<string, BalanceFixture>()
    const createdAtMs = new Float64Array(ordered.length)
    ordered.forEach((balance, i) => {
      const account = accounts.get(balance.account)
      if (account === undefined) throw new Error(`balance ${balance._id} refers to an unknown account`)
      byId.set(balance._id, balance)
      pushTo(byCustomer, account.customer._id, balance)
      pushTo(byAccount, balance.account, balance)
      createdAtMs[i] = Date.parse(balance.created_at)
    })

    this.balances = ordered
    this.balanceById = byId
    this.balancesByCustomer = byCustomer
    this.balancesByAccount = byAccount
    this.accounts = accounts
    this.createdAtMs = createdAtMs
    this.stats = { customers: customers.size, accounts: accounts.size, balances: ordered.length }
  }

  /** The index range [start, end) of balances created from `fromMs` (inclusive) to `toMs` (exclusive). */
  createdBetween (fromMs: number, toMs: number): [number, number] {
    return [lowerBound(this.createdAtMs, fromMs), lowerBound(this.createdAtMs, toMs)]
  }
}

function compareBalances (a: BalanceFixture, b: BalanceFixture): number {
  if (a.created_at !== b.created_at) return Date.parse(a.created_at) - Date.parse(b.created_at)
  return a._id < b._id ? -1 : a._id > b._id ? 1 : 0
}

function pushTo<K, V> (map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}

function lowerBound (sorted: Float64Array, value: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((sorted[mid] as number) < value) lo = mid + 1
    else hi = mid
  }
  return lo
}
