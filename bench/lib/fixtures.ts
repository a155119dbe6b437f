import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { FixtureGenerator, type GenerateOptions } from '../../src/dataset/generate.js'
import { CLI } from './processes.js'

/** The default fixtures of the build being measured (dist/cli.js loads ../fixtures/default.json). */
const defaultFixturesPath = (): string => join(dirname(CLI), '..', 'fixtures', 'default.json')

export interface DefaultIds {
  /** The customer with the most balances: the heaviest getByCustomer page. */
  busiestCustomer: string
  customers: string[]
  accounts: string[]
  balances: string[]
  /** A one-month window of created_at days that holds some balances, for getByDate. */
  dateRange: { from: string, to: string }
}

interface SmallFixture {
  customers: Array<{ _id: string }>
  accounts: Array<{ _id: string, customer: string }>
  balances: Array<{ _id: string, account: string, created_at: string }>
}

/** Ids from fixtures/default.json, which is small enough to parse whole. */
export async function defaultIds (): Promise<DefaultIds> {
  const file = JSON.parse(await readFile(defaultFixturesPath(), 'utf8')) as SmallFixture
  const customerOf = new Map(file.accounts.map((account) => [account._id, account.customer]))
  const counts = new Map<string, number>()
  for (const balance of file.balances) {
    const customer = customerOf.get(balance.account) as string
    counts.set(customer, (counts.get(customer) ?? 0) + 1)
  }
  const [busiestCustomer] = [...counts].reduce((best, entry) => entry[1] > best[1] ? entry : best)
  const middle = file.balances[file.balances.length >> 1] as SmallFixture['balances'][number]
  const from = new Date(Date.parse(middle.created_at) - 15 * 86_400_000).toISOString().slice(0, 10)
  const to = new Date(Date.parse(middle.created_at) + 15 * 86_400_000).toISOString().slice(0, 10)
  return {
    busiestCustomer,
    customers: file.customers.map((customer) => customer._id),
    accounts: file.accounts.map((account) => account._id),
    balances: file.balances.map((balance) => balance._id),
    dateRange: { from, to },
  }
}

/**
 * Ids of a generator spec's data, `count` of each kind, spread over the whole range: customers from
 * the third on (the first two are pinned to 25 and 12 accounts, and the look-ups should be typical
 * ones, comparable between sizes), and each picked customer's first balance.
 */
export function specIds (options: GenerateOptions, count: number): { customers: string[], balances: string[] } {
  const generator = new FixtureGenerator(options)
  const customers: string[] = []
  const balances: string[] = []
  const spread = Math.max(1, Math.floor((generator.customers - 2) / count))
  for (let c = 2; c < generator.customers && customers.length < count; c += spread) {
    customers.push(generator.customer(c)._id)
    balances.push(generator.balance(generator.customerStart[c] as number)._id)
  }
  return { customers, balances }
}
