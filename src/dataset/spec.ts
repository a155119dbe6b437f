import { lowerBound, type AccountEntry, type AmountType, type Dataset, type DatasetSource, type DatasetStats } from '../core/dataset.js'
import { DomainError } from '../core/errors.js'
import type { BalanceFixture, BankFixture, CustomerFixture, WidgetOptions } from '../core/fixture.js'
import { BANK_CATALOGUE } from './banks.js'
import { FixtureGenerator, ENV, type GenerateOptions } from './generate.js'

export { specOptions } from './generate.js'

const NO_BEHAVIOUR = Object.freeze({})
/**
 * A customer's name (and so its widget options) costs a faker seeding, about 0.2 ms: balance/byOptions
 * over a spec reads every customer's once, kept for later scans, and refuses a spec with more.
 */
export const MAX_OPTIONS_SCAN = 10_000
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
  private withOptions: Array<{ customer: string, options: WidgetOptions }> | undefined

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
      customer: { _id: customer._id, name: customer.name },
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

  customerOptions (customerId: string): WidgetOptions | null {
    const c = this.generator.indexOf('customer', customerId)
    return c === -1 ? null : this.customer(c).options ?? null
  }

  /** Every customer's options, drawn on the first scan (MAX_OPTIONS_SCAN customers at most) and kept. */
  customersWithOptions (): Iterable<{ customer: string, options: WidgetOptions }> {
    const { customers } = this.stats
    if (customers > MAX_OPTIONS_SCAN) {
      throw new DomainError('OKRA_EMU_LIMIT_REACHED', `balance/byOptions reads the widget options of at most ${MAX_OPTIONS_SCAN} customers of a generator spec; this one has ${customers}: write it out with okra-emulator generate and load the file`, { limit: 'optionsScan', max: MAX_OPTIONS_SCAN })
    }
    this.withOptions ??= Array.from({ length: customers }, (_, c) => {
      const { _id, options } = this.generator.customer(c)
      return { customer: _id, options: options ?? {} }
    })
    return this.withOptions
  }

  /**
   * A generated record id ends in twice its balance's position (plus one for the later of two), so
   * the one balance that may hold it is built and asked.
   */
  recordBalance (recordId: string): BalanceFixture | undefined {
    if (!/^[0-9a-f]{24}$/.test(recordId)) return undefined
    const position = Math.floor(parseInt(recordId.slice(16), 16) / 2)
    if (position >= this.stats.balances) return undefined
    const balance = this.balanceAt(position)
    return balance.record.includes(recordId) ? balance : undefined
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
