import { lowerBound, type AccountEntry, type AmountType, type Dataset, type DatasetSource, type DatasetStats } from '../core/dataset.js'
import type { AccountBehaviourFixture, BalanceFixture, BankFixture, CustomerFixture, FixtureFile } from '../core/fixture.js'

const NO_BEHAVIOUR: AccountBehaviourFixture = Object.freeze({})
const NONE: readonly number[] = Object.freeze([])

/** A problem with a fixture's references, worded with its JSON path; the loader names the file. */
export class ReferenceProblem extends Error {}

/**
 * A fixture file held as parsed: its lists, sorted into the stable order, and Maps by id. Building
 * it checks what the JSON Schema cannot: that ids and NUBANs are unique and every reference resolves.
 */
export class JsonDataset implements Dataset {
  readonly owner: string
  readonly env: string
  readonly stats: DatasetStats
  readonly source: DatasetSource
  private readonly balances: BalanceFixture[]
  private readonly createdMs: Float64Array
  private readonly positions = new Map<string, number>()
  private readonly accounts = new Map<string, AccountEntry>()
  private readonly accountPositions = new Map<string, number>()
  private readonly customerPositions = new Map<string, number[]>()

  /** Throws ReferenceProblem naming the first duplicate id or dangling reference. */
  constructor (file: FixtureFile) {
    this.owner = file.owner
    this.env = file.env
    this.source = { kind: 'file', file }
    this.stats = { customers: file.customers.length, accounts: file.accounts.length, balances: file.balances.length }
    const banks = indexById('banks', file.banks)
    const customers = indexById('customers', file.customers)
    const nubans = new Map<string, number>()
    file.accounts.forEach((account, row) => {
      const first = this.accounts.get(account._id)
      if (first !== undefined) throw alreadyUsed('accounts', account._id, row, file.accounts.indexOf(first.fixture))
      const customer = customers.get(account.customer)
      if (customer === undefined) throw new ReferenceProblem(`$.accounts[${row}].customer refers to unknown customer "${account.customer}"`)
      const bank = banks.get(account.bank)
      if (bank === undefined) throw new ReferenceProblem(`$.accounts[${row}].bank refers to unknown bank "${account.bank}"`)
      const firstNuban = nubans.get(account.nuban)
      if (firstNuban !== undefined) throw new ReferenceProblem(`$.accounts[${row}].nuban "${account.nuban}" is already used by $.accounts[${firstNuban}]`)
      nubans.set(account.nuban, row)
      this.accounts.set(account._id, {
        fixture: account,
        view: { _id: account._id, bank, nuban: account.nuban, name: account.name },
        customer,
        behaviour: account.emulator ?? NO_BEHAVIOUR,
      })
    })
    const rowOfAccount = new Map<string, number>()
    const rows = new Map<string, number>()
    file.balances.forEach((balance, row) => {
      const first = rows.get(balance._id)
      if (first !== undefined) throw alreadyUsed('balances', balance._id, row, first)
      rows.set(balance._id, row)
      if (!this.accounts.has(balance.account)) throw new ReferenceProblem(`$.balances[${row}].account refers to unknown account "${balance.account}"`)
      // Okra keeps one balance per account, and balance/getByAccount answers with that one.
      const other = rowOfAccount.get(balance.account)
      if (other !== undefined) throw new ReferenceProblem(`$.balances[${row}].account "${balance.account}" already has a balance at $.balances[${other}]`)
      rowOfAccount.set(balance.account, row)
    })

    const times = new Map(file.balances.map(balance => [balance, Date.parse(balance.created_at)]))
    this.balances = [...file.balances].sort((a, b) =>
      (times.get(a) as number) - (times.get(b) as number) || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0))
    this.createdMs = Float64Array.from(this.balances, balance => times.get(balance) as number)
    this.balances.forEach((balance, position) => {
      this.positions.set(balance._id, position)
      this.accountPositions.set(balance.account, position)
      const customer = (this.accounts.get(balance.account) as AccountEntry).customer._id
      const list = this.customerPositions.get(customer)
      if (list === undefined) this.customerPositions.set(customer, [position])
      else list.push(position)
    })
  }

  balance (id: string): BalanceFixture | undefined {
    const position = this.positions.get(id)
    return position === undefined ? undefined : this.balances[position]
  }

  accountBalance (accountId: string): BalanceFixture | undefined {
    const position = this.accountPositions.get(accountId)
    return position === undefined ? undefined : this.balances[position]
  }

  account (accountId: string): AccountEntry | undefined {
    return this.accounts.get(accountId)
  }

  balanceAt (position: number): BalanceFixture {
    return this.balances[position] as BalanceFixture
  }

  positionOf (id: string): number {
    return this.positions.get(id) ?? -1
  }

  positionsOfCustomer (customerId: string): readonly number[] {
    return this.customerPositions.get(customerId) ?? NONE
  }

  createdMsAt (position: number): number {
    return this.createdMs[position] as number
  }

  createdBetween (fromMs: number, toMs: number): [number, number] {
    const at = (position: number): number => this.createdMs[position] as number
    return [lowerBound(this.createdMs.length, at, fromMs), lowerBound(this.createdMs.length, at, toMs)]
  }

  amountAt (position: number, type: AmountType): number | undefined {
    return (this.balances[position] as BalanceFixture)[type]
  }
}

function indexById<T extends BankFixture | CustomerFixture> (list: 'banks' | 'customers', items: readonly T[]): Map<string, T> {
  const byId = new Map<string, T>()
  items.forEach((item, row) => {
    if (byId.has(item._id)) throw alreadyUsed(list, item._id, row, items.findIndex(other => other._id === item._id))
    byId.set(item._id, item)
  })
  return byId
}

function alreadyUsed (list: string, id: string, row: number, first: number): ReferenceProblem {
  return new ReferenceProblem(`$.${list}[${row}]._id "${id}" is already used by $.${list}[${first}]`)
}
