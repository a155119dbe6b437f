import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { CLI } from './processes.js'

/** The default fixtures of the build being measured (dist/cli.js loads ../fixtures/default.json). */
export const defaultFixturesPath = (): string => join(dirname(CLI), '..', 'fixtures', 'default.json')

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
 * The first `count` customer and account ids of a generated fixture file, read as a stream: a
 * million-balance file is over a gigabyte, too big to parse, but customers come before accounts near
 * its start. The first two customers are skipped: the generator pins them to 25 and 12 accounts, and
 * the look-ups should be typical ones, comparable between file sizes.
 */
export async function scanIds (path: string, count: number): Promise<{ customers: string[], accounts: string[] }> {
  const customers: string[] = []
  const accounts: string[] = []
  let section = ''
  // A section opening or an id, whatever the file's indentation; each is under 64 characters.
  const token = /"(customers|accounts|balances)"\s*:\s*\[|"_id"\s*:\s*"([0-9a-f]{24})"/g
  let buffer = ''
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })
  try {
    for await (const chunk of stream) {
      buffer += chunk as string
      let end = 0
      for (const match of buffer.matchAll(token)) {
        end = (match.index) + match[0].length
        if (match[1] !== undefined) section = match[1]
        else if (section === 'customers' && customers.length < count + 2) customers.push(match[2] as string)
        else if (section === 'accounts') accounts.push(match[2] as string)
      }
      if (section === 'balances' || accounts.length >= count) break
      // Keep only what could be the start of a token cut by the chunk's end.
      buffer = buffer.slice(Math.max(end, buffer.length - 64))
    }
  } finally {
    stream.destroy()
  }
  return { customers: customers.slice(2, count + 2), accounts: accounts.slice(0, count) }
}
