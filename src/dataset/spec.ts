import { lowerBound, type AccountEntry, type AmountType, type Dataset, type DatasetSource, type DatasetStats } from '../core/dataset.js'
import type { BalanceFixture, BankFixture, CustomerFixture } from '../core/fixture.js'
import { BANK_CATALOGUE } from './banks.js'
import { FixtureGenerator, ENV, type GenerateOptions } from './generate.js'

export { specOptions } from './generate.js'

const NO_BEHAVIOUR = Object.freeze({})
const BANKS = new Map<string, BankFixture>(BANK_CATALOGUE.map(entry => [entry.bank._id, entry.bank]))

/**
 * The Dataset of a generator spec: `{"generate": {"seed": 42, "balances": 1000000}}` in a fixture
 * file serves what `okra-emulator generate` would write with the same knobs, building each balance
 * when asked. Nothing is held but a customer's first position (4 bytes a customer) and the few
 * pieces recently built; a look-up costs a binary search and one piece.
 */
export class SpecDataset implements Dataset {
  readonly owner: string
  readonly env = ENV
  readonly stats: DatasetStats
  readonly source: DatasetSource
  private readonly generator: FixtureGenerator
  private readonly balances = new Recent<number, BalanceFixture>()
  private readonly customers = new Recent<number, CustomerFixture>()

  constructor (options: GenerateOptions) {
    this.generator = new FixtureGenerator(options)
    this.owner = this.generator.owner
    this.source = { kind: 'generator', spec: this.generator.options }
    this.stats = { customers: this.generator.customers, accounts: this.generator.balances, balances: this.generator.balances }
  }

  balance (id: string): BalanceFixture | undefined {
    const position = this.positionOf(id)
    return position === -1 ? undefined : this.balanceAt(position)
  }

  accountBalance (accountId: string): BalanceFixture | undefined {
    const position = this.generator.indexOf('account', accountId)
    return position === -1 ? undefined : this.balanceAt(position)
  }

  account (accountId: string): AccountEntry | undefined {
    const position = this.generator.indexOf('account', accountId)
    if (position === -1) return undefined
    const customer = this.customer(this.generator.customerOf(position))
    const fixture = this.generator.account(position, customer)
    return {
      fixture,
      view: { _id: fixture._id, bank: BANKS.get(fixture.bank) as BankFixture, nuban: fixture.nuban, name: fixture.name },
      customer,
      behaviour: NO_BEHAVIOUR,
    }
  }

  balanceAt (position: number): BalanceFixture {
    return this.balances.get(position, () => this.generator.balance(position))
  }

  positionOf (id: string): number {
    return this.generator.indexOf('balance', id)
  }

  positionsOfCustomer (customerId: string): readonly number[] {
    const c = this.generator.indexOf('customer', customerId)
    if (c === -1) return []
    const start = this.generator.customerStart[c] as number
    return Array.from({ length: (this.generator.customerStart[c + 1] as number) - start }, (_, i) => start + i)
  }

  createdMsAt (position: number): number {
    return this.generator.createdMs(position)
  }

  createdBetween (fromMs: number, toMs: number): [number, number] {
    const at = (position: number): number => this.generator.createdMs(position)
    return [lowerBound(this.stats.balances, at, fromMs), lowerBound(this.stats.balances, at, toMs)]
  }

  amountAt (position: number, type: AmountType): number | undefined {
    const { ledger, available } = this.generator.amounts(position)
    return type === 'ledger_balance' ? ledger : available
  }

  private customer (c: number): CustomerFixture {
    return this.customers.get(c, () => this.generator.customer(c))
  }
}

/** What was built lately, so a page read twice is built once; starts over when full, a hard bound. */
class Recent<K, V> {
  private readonly entries = new Map<K, V>()

  get (key: K, build: () => V): V {
    let value = this.entries.get(key)
    if (value === undefined) {
      if (this.entries.size >= 10_000) this.entries.clear()
      value = build()
      this.entries.set(key, value)
    }
    return value
  }
}
