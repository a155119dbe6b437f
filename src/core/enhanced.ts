import { applyEvent, type Amounts, type BankEvent } from './bank.js'
import { parseDayRange, type DayRange } from './balances.js'
import type { Dataset } from './dataset.js'
import { paginate, type Page, type PageRequest } from './pagination.js'

/**
 * One transaction of Okra's Enhanced Balance: a posting at the bank and the balance right after it.
 * `credit`/`debit` and `trans_date` are named as Okra's Transactions product names them.
 */
export interface EnhancedEntry {
  account: string
  trans_date: string
  credit: number | null
  debit: number | null
  ledger_balance: number
  available_balance?: number
  currency: string
}

/** Which accounts: one account, or every account of a customer; both given, the account only if it is the customer's. */
export interface EnhancedQuery {
  account?: string
  customer?: string
  /** Days to list; every posting up to now when absent. */
  range?: DayRange
}

/** A validated body's `account_id`, `customer_id` and `from`/`to` (both or neither: a lone one is a 400 naming the other). */
export function enhancedQueryOf (body: { account_id?: unknown, customer_id?: unknown, from?: unknown, to?: unknown }): EnhancedQuery {
  const query: EnhancedQuery = {}
  if (body.account_id !== undefined) query.account = String(body.account_id)
  if (body.customer_id !== undefined) query.customer = String(body.customer_id)
  if (body.from !== undefined || body.to !== undefined) query.range = parseDayRange(body.from, body.to)
  return query
}

/** What the derivation reads: the fixtures, and each account's dated events at the bank. */
export interface EnhancedSources {
  dataset: Dataset
  eventsOf (accountId: string): readonly BankEvent[]
}

interface Posting {
  at: number
  /** Order among postings at the same instant: accounts in their order, events in theirs. */
  seq: number
  entry: EnhancedEntry
}

/**
 * The balance after each posting of an account in `range`, up to `nowMs`: the fixture balance is
 * where the bank started, every earlier event (posting or set) counts toward the running amounts, and
 * each step is the bank's own (applyEvent), so the last entry equals the bank balance at its instant.
 * Events after `nowMs` (a fixture script's future) have not happened yet and are left out.
 */
export function runningBalances (start: Amounts, events: readonly BankEvent[], nowMs: number, range?: DayRange): Array<{ at: number, posting: number, after: Amounts }> {
  const out: Array<{ at: number, posting: number, after: Amounts }> = []
  let amounts = start
  for (const event of events) {
    if (event.at > nowMs || (range !== undefined && event.at >= range.toMs)) break
    amounts = applyEvent(amounts, event)
    if ('posting' in event && (range === undefined || event.at >= range.fromMs)) out.push({ at: event.at, posting: event.posting, after: amounts })
  }
  return out
}

/**
 * Okra's Enhanced Balance over the bank's ledger: every posting of the chosen accounts, oldest
 * first (ties in account order), with the running balance after it. An unknown account or customer
 * answers an empty page, as the look-ups do.
 */
export function enhancedBalance (sources: EnhancedSources, query: EnhancedQuery, nowMs: number, page: PageRequest): Page<EnhancedEntry> {
  const { dataset } = sources
  const accounts = accountsOf(dataset, query)
  const postings: Posting[] = []
  for (const accountId of accounts) {
    const balance = dataset.accountBalance(accountId)
    const entry = dataset.account(accountId)
    if (balance === undefined || entry === undefined) continue
    for (const { at, posting, after } of runningBalances(balance, sources.eventsOf(accountId), nowMs, query.range)) {
      const amount = Math.round(Math.abs(posting) * 100) / 100
      const item: EnhancedEntry = {
        account: accountId,
        trans_date: new Date(at).toISOString(),
        credit: posting >= 0 ? amount : null,
        debit: posting < 0 ? amount : null,
        ledger_balance: after.ledger_balance,
        currency: entry.fixture.currency,
      }
      if (after.available_balance !== undefined) item.available_balance = after.available_balance
      postings.push({ at, seq: postings.length, entry: item })
    }
  }
  postings.sort((a, b) => a.at - b.at || a.seq - b.seq)
  const { pagination, offset } = paginate(postings.length, page)
  return { pagination, items: postings.slice(offset, offset + page.limit).map((p) => p.entry) }
}

function accountsOf (dataset: Dataset, query: EnhancedQuery): string[] {
  if (query.account !== undefined) {
    const owner = dataset.account(query.account)?.customer._id
    return owner !== undefined && (query.customer === undefined || query.customer === owner) ? [query.account] : []
  }
  if (query.customer === undefined) return []
  return dataset.positionsOfCustomer(query.customer).map((position) => dataset.balanceAt(position).account)
}
