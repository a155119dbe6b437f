import type { BalanceFixture, CustomerFixture, PeriodicHistory } from '../fixtures/types.js'
import type { AccountView, Dataset } from './dataset.js'
import { DomainError, invalidField } from './errors.js'
import { pageOf, paginate, type Page, type PageRequest } from './pagination.js'

export interface RecordRef {
  _id: string
  status: { process: { running: boolean, completed: boolean } }
}

/** A balance as Okra's look-ups answer it (okra-api.md §5). */
export interface BalanceView {
  _id: string
  account: AccountView
  __v: 0
  available_balance?: number
  created_at: string
  currency: string
  customer: CustomerFixture
  env: string
  last_updated: string
  ledger_balance: number
  owner: string[]
  record: RecordRef[]
  connected: string[]
  id: string
  periodic?: PeriodicHistory
}

export type BalanceType = 'ledger_balance' | 'available_balance'

/** What a tenant has changed of one balance; the fixture itself is never written. */
export interface BalanceOverlay {
  available_balance?: number
  ledger_balance: number
  last_updated: string
  /** When Okra last fetched the balance from the bank: what a check compares against. */
  last_fetched: string
  /** Entries appended by refreshes, after the fixture's own history. */
  periodic: PeriodicHistory
  /** This tenant's records for the balance, oldest first. */
  records: string[]
}

/** How a tenant shows its records inside balances; the store of records lives elsewhere. */
export interface RecordStatusSource {
  processOf (recordId: string): RecordRef['status']['process']
}

const COMPLETED = Object.freeze({ running: false, completed: true })

/**
 * Read-only look-ups over the shared Dataset seen through one tenant's overlays. Each look-up
 * costs O(page) through an index, except getByType, which has no index because refreshes move
 * amounts (a linear scan; documented in the README).
 */
export class BalanceReader {
  private readonly dataset: Dataset
  private readonly overlays: ReadonlyMap<string, BalanceOverlay>
  private readonly records: RecordStatusSource
  private readonly ownerList: string[]

  constructor (dataset: Dataset, overlays: ReadonlyMap<string, BalanceOverlay>, records: RecordStatusSource) {
    this.dataset = dataset
    this.overlays = overlays
    this.records = records
    this.ownerList = [dataset.owner]
  }

  byCustomer (customer: string, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    return this.viewPage(pageOf(this.dataset.balancesByCustomer.get(customer) ?? [], page), includePeriodic)
  }

  byAccount (account: string, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    return this.viewPage(pageOf(this.dataset.balancesByAccount.get(account) ?? [], page), includePeriodic)
  }

  byId (id: string, includePeriodic: boolean): BalanceView {
    const balance = this.dataset.balanceById.get(id)
    if (balance === undefined) throw new DomainError('OKRA_EMU_BALANCE_NOT_FOUND', `No balance found with id "${id}"`)
    return this.view(balance, includePeriodic)
  }

  all (page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    return this.viewPage(pageOf(this.dataset.balances, page), includePeriodic)
  }

  byDate (range: DayRange, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const [start, end] = this.dataset.createdBetween(range.fromMs, range.toMs)
    const { pagination, offset } = paginate(end - start, page)
    const from = Math.min(start + offset, end)
    const items = this.dataset.balances.slice(from, Math.min(from + page.limit, end))
    return this.viewPage({ pagination, items }, includePeriodic)
  }

  byCustomerDate (customer: string, range: DayRange, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const list = this.dataset.balancesByCustomer.get(customer) ?? []
    const inRange = list.filter((b) => {
      const t = Date.parse(b.created_at)
      return t >= range.fromMs && t < range.toMs
    })
    return this.viewPage(pageOf(inRange, page), includePeriodic)
  }

  /** Balances whose current `type` amount is at least `threshold`. */
  byType (type: BalanceType, threshold: number, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const matches = this.dataset.balances.filter((b) => {
      const amount = this.current(b)[type]
      return amount !== undefined && amount >= threshold
    })
    return this.viewPage(pageOf(matches, page), includePeriodic)
  }

  /** The balance as this tenant last fetched it: the fixture, or what a refresh stored over it. */
  current (balance: BalanceFixture): { available_balance?: number, ledger_balance: number } {
    return this.overlays.get(balance._id) ?? balance
  }

  view (balance: BalanceFixture, includePeriodic: boolean): BalanceView {
    const account = this.dataset.accounts.get(balance.account)
    if (account === undefined) throw new DomainError('OKRA_EMU_INTERNAL', 'balance without account')
    const overlay = this.overlays.get(balance._id)
    const current = overlay ?? balance
    const record: RecordRef[] = balance.record.map((_id) => ({ _id, status: { process: COMPLETED } }))
    if (overlay !== undefined) {
      for (const _id of overlay.records) record.push({ _id, status: { process: this.records.processOf(_id) } })
    }
    const view: BalanceView = {
      _id: balance._id,
      account: account.view,
      __v: 0,
      created_at: balance.created_at,
      currency: account.fixture.currency,
      customer: account.customer,
      env: this.dataset.env,
      last_updated: overlay?.last_updated ?? balance.last_updated,
      ledger_balance: current.ledger_balance,
      owner: this.ownerList,
      record,
      connected: balance.connected,
      id: balance._id,
    }
    // Absent, not null, when the bank reports none (okra-api.md §5.3).
    if (current.available_balance !== undefined) view.available_balance = current.available_balance
    if (includePeriodic) view.periodic = overlay === undefined ? balance.periodic : joinHistory(balance.periodic, overlay.periodic)
    return view
  }

  private viewPage (page: Page<BalanceFixture>, includePeriodic: boolean): Page<BalanceView> {
    return { pagination: page.pagination, items: page.items.map((b) => this.view(b, includePeriodic)) }
  }
}

function joinHistory (base: PeriodicHistory, added: PeriodicHistory): PeriodicHistory {
  return {
    available_balance: base.available_balance.concat(added.available_balance),
    ledger_balance: base.ledger_balance.concat(added.ledger_balance),
  }
}

/** A range of whole UTC days: [fromMs, toMs). */
export interface DayRange {
  fromMs: number
  toMs: number
}

const DAY_MS = 86_400_000
const YMD = /^(\d{4})-(\d{2})-(\d{2})$/

/** `from` and `to` as YYYY-MM-DD, both days included. */
export function parseDayRange (from: unknown, to: unknown): DayRange {
  const fromMs = parseDay(from, 'from')
  const toMs = parseDay(to, 'to')
  if (toMs < fromMs) throw invalidField('to', 'must be the same day as "from" or later')
  return { fromMs, toMs: toMs + DAY_MS }
}

function parseDay (value: unknown, field: string): number {
  const match = typeof value === 'string' ? YMD.exec(value) : null
  if (match === null) throw invalidField(field, 'must be a date written YYYY-MM-DD')
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
  // Date.UTC rolls 2021-02-30 over to March; a round trip catches days that do not exist.
  if (new Date(ms).toISOString().slice(0, 10) !== value) throw invalidField(field, 'is not a real calendar day')
  return ms
}
