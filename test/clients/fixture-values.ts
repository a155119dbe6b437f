import { readFileSync } from 'node:fs'
import type { BalanceFixture, FixtureFile } from '../../src/core/fixture.js'

/**
 * The values the client tests send and expect, read from the committed default fixtures at test time
 * (never written out: a regenerated fixture file changes them all together).
 */
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile

const customerOf = new Map(fixture.accounts.map((a) => [a._id, a.customer]))
const byCreated = (a: BalanceFixture, b: BalanceFixture) => Date.parse(a.created_at) - Date.parse(b.created_at) || (a._id < b._id ? -1 : 1)
const ordered = (list: BalanceFixture[]) => [...list].sort(byCreated)
const day = (iso: string) => iso.slice(0, 10)
const ids = (list: BalanceFixture[]) => list.map((b) => b._id)

const all = ordered(fixture.balances)
const customer = fixture.customers[0]!._id
const ofCustomer = all.filter((b) => customerOf.get(b.account) === customer)
const balance = fixture.balances[7]!
// The customer's day and the next day anyone's balance was made: every balance of the customer and some of others.
const from = day(ofCustomer[0]!.created_at)
const to = day(all.find((b) => day(b.created_at) > from)!.created_at)
const inDays = (b: BalanceFixture) => day(b.created_at) >= from && day(b.created_at) <= to

export const fx = {
  customer,
  balance,
  account: balance.account,
  /** A record that produced `balance`: clients that check send one. */
  record: balance.record[0]!,
  from,
  to,
  allIds: ids(all),
  /** The first and last days of any balance: a range that spans every page. */
  firstDay: day(all[0]!.created_at),
  lastDay: day(all.at(-1)!.created_at),
  bank: fixture.banks[0]!._id,
  customerIds: ids(ofCustomer),
  accountIds: ids(all.filter((b) => b.account === balance.account)),
  dayIds: ids(all.filter(inDays)),
  customerDayIds: ids(ofCustomer.filter(inDays)),
  /** getByType's threshold is "at least": the clients' own examples ask for a ledger balance of 2000. */
  ledgerFrom2000Ids: ids(all.filter((b) => b.ledger_balance >= 2000)),
  /** Balances whose available balance has kobo, which a Go `int` cannot hold. */
  fractionalAvailableIds: ids(all.filter((b) => b.available_balance !== undefined && !Number.isInteger(b.available_balance))),
}
