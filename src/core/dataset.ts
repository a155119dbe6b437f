import { tablesOf, type FixtureTables } from '../fixtures/tables.js'
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

/** Everything the emulator knows about one account, joined on each look-up. */
export interface AccountEntry {
  fixture: AccountFixture
  view: AccountView
  customer: CustomerFixture
  behaviour: AccountBehaviourFixture
}

/** Balances that have an amount of one type, sorted by it: rows[i] has amounts[i], ascending. */
export interface AmountIndex {
  rows: Int32Array
  amounts: Float64Array
}

export type AmountType = 'ledger_balance' | 'available_balance'

export interface DatasetStats {
  customers: number
  accounts: number
  balances: number
}

/** A read-only index by id; values are built from the packed tables on each get. */
export interface Lookup<V> {
  get (id: string): V | undefined
  has (id: string): boolean
  readonly size: number
}

const NO_BEHAVIOUR: AccountBehaviourFixture = Object.freeze({})
const NO_ROWS = new Int32Array(0)

/**
 * The loaded fixtures, immutable and indexed. Every tenant reads the same Dataset and keeps only
 * its own changes beside it (copy-on-write), so a thousand tenants cost one copy of the data.
 *
 * The data stays packed (see fixtures/tables.ts); indexes are typed arrays of rows, and a balance or
 * account object is built only when a look-up returns it, so each look-up costs O(page).
 *
 * Balances are held in one stable order, ascending by created_at then _id; every list a look-up
 * returns keeps that order, and every index is a slice of it.
 */
export class Dataset {
  readonly owner: string
  readonly env: string
  readonly tables: FixtureTables
  /** Balance rows in the stable order, and the position of each row in it. */
  readonly order: Int32Array
  readonly positionOf: Int32Array
  /** created_at of the balance at each position of `order`, in ms, for binary search by date. */
  readonly createdAtMs: Float64Array
  readonly balanceById: Lookup<BalanceFixture>
  readonly balancesByAccount: Lookup<readonly BalanceFixture[]>
  readonly balancesByCustomer: Lookup<readonly BalanceFixture[]>
  readonly accounts: Lookup<AccountEntry>
  readonly stats: DatasetStats
  /** Customer c's balance rows, in order, are customerRows[customerStart[c]] up to customerStart[c + 1]. */
  private readonly customerStart: Int32Array
  private readonly customerRows: Int32Array
  private readonly amountIndexes = new Map<AmountType, AmountIndex>()

  /** Takes a loaded file's packed tables, or packs a file of objects; throws on a dangling reference. */
  constructor (file: FixtureFile) {
    const tables = tablesOf(file)
    this.tables = tables
    this.owner = tables.header.owner
    this.env = tables.header.env
    this.order = stableOrder(tables)
    const { count } = tables.balances
    this.positionOf = new Int32Array(count)
    for (let position = 0; position < count; position++) this.positionOf[this.order[position] as number] = position
    const created = tables.balances.created.ms
    this.createdAtMs = new Float64Array(count)
    for (let position = 0; position < count; position++) this.createdAtMs[position] = created[this.order[position] as number] as number

    // Counting sort of the ordered balances by customer: each customer's rows stay in order.
    const customerOfBalance = (row: number): number => tables.customerOfAccount[tables.accountOfBalance[row] as number] as number
    this.customerStart = new Int32Array(tables.customers.count + 1)
    for (let row = 0; row < count; row++) (this.customerStart[customerOfBalance(row) + 1] as number)++
    for (let customer = 0; customer < tables.customers.count; customer++) {
      this.customerStart[customer + 1] = (this.customerStart[customer + 1] as number) + (this.customerStart[customer] as number)
    }
    this.customerRows = new Int32Array(count)
    const filled = this.customerStart.slice(0, -1)
    for (let position = 0; position < count; position++) {
      const row = this.order[position] as number
      this.customerRows[(filled[customerOfBalance(row)] as number)++] = row
    }

    this.balanceById = lookup(count, id => {
      const row = this.balanceRow(id)
      return row === -1 ? undefined : tables.balance(row)
    })
    this.balancesByAccount = lookup(count, id => {
      const row = this.accountBalanceRow(id)
      return row === -1 ? undefined : [tables.balance(row)]
    })
    let customersWithBalances = 0
    for (let customer = 0; customer < tables.customers.count; customer++) {
      if ((this.customerStart[customer + 1] as number) > (this.customerStart[customer] as number)) customersWithBalances++
    }
    this.balancesByCustomer = lookup(customersWithBalances, id => {
      const rows = this.customerBalanceRows(id)
      return rows.length === 0 ? undefined : Array.from(rows, row => tables.balance(row))
    })
    this.accounts = lookup(tables.accounts.count, id => {
      const row = tables.accountRow(id)
      return row === -1 ? undefined : this.accountEntry(row)
    })
    this.stats = { customers: tables.customers.count, accounts: tables.accounts.count, balances: count }
  }

  get size (): number {
    return this.order.length
  }

  /** The row of a balance id, or -1. */
  balanceRow (id: string): number {
    return this.tables.balanceRow(id)
  }

  /** The row of an account's balance, or -1 for an unknown account or one without a balance. */
  accountBalanceRow (accountId: string): number {
    const account = this.tables.accountRow(accountId)
    return account === -1 ? -1 : this.tables.balanceOfAccount[account] as number
  }

  /** A customer's balance rows in order; empty for an unknown customer. */
  customerBalanceRows (customerId: string): Int32Array {
    const customer = this.tables.customerRow(customerId)
    if (customer === -1) return NO_ROWS
    return this.customerRows.subarray(this.customerStart[customer], this.customerStart[customer + 1])
  }

  accountEntry (row: number): AccountEntry {
    const { tables } = this
    const fixture = tables.account(row)
    return {
      fixture,
      view: { _id: fixture._id, bank: tables.bankOf(row), nuban: fixture.nuban, name: fixture.name },
      customer: tables.customer(tables.customerOfAccount[row] as number),
      behaviour: fixture.emulator ?? NO_BEHAVIOUR,
    }
  }

  /**
   * The fixture's balances sorted by their amount of `type`, built on first use: a look-up by amount
   * reads a suffix of it instead of every balance. A bank that reports no available balance has no
   * entry in the available index.
   */
  amountIndex (type: AmountType): AmountIndex {
    let index = this.amountIndexes.get(type)
    if (index === undefined) {
      const column = type === 'ledger_balance' ? this.tables.balances.ledger : this.tables.balances.available
      const rows = Int32Array.from({ length: column.length }, (_, row) => row).filter(row => !Number.isNaN(column[row]))
      rows.sort((a, b) => (column[a] as number) - (column[b] as number))
      index = { rows, amounts: Float64Array.from(rows, row => column[row] as number) }
      this.amountIndexes.set(type, index)
    }
    return index
  }

  /** The rows of fixture balances whose amount of `type` is at least `threshold`, by amount. */
  rowsWithAmountFrom (type: AmountType, threshold: number): Int32Array {
    const { rows, amounts } = this.amountIndex(type)
    return rows.subarray(lowerBound(amounts, threshold))
  }

  /** The index range [start, end) of positions of balances created from `fromMs` (inclusive) to `toMs` (exclusive). */
  createdBetween (fromMs: number, toMs: number): [number, number] {
    return [lowerBound(this.createdAtMs, fromMs), lowerBound(this.createdAtMs, toMs)]
  }
}

function lookup<V> (size: number, get: (id: string) => V | undefined): Lookup<V> {
  return { get, has: (id) => get(id) !== undefined, size }
}

/**
 * Rows sorted by created_at, then _id (packed ids compare as their hex text does). Generated files
 * are already in this order, which one pass confirms; others are sorted by the precomputed times.
 */
function stableOrder (tables: FixtureTables): Int32Array {
  const { count, ids } = tables.balances
  const created = tables.balances.created.ms
  const compare = (a: number, b: number): number => {
    const byTime = (created[a] as number) - (created[b] as number)
    if (byTime !== 0 && !Number.isNaN(byTime)) return byTime
    for (let word = 0; word < 3; word++) {
      const difference = (ids[a * 3 + word] as number) - (ids[b * 3 + word] as number)
      if (difference !== 0) return difference
    }
    return 0
  }
  const order = new Int32Array(count)
  let sorted = true
  for (let row = 0; row < count; row++) {
    order[row] = row
    if (row > 0 && compare(row - 1, row) > 0) sorted = false
  }
  if (!sorted) order.sort(compare)
  return order
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
