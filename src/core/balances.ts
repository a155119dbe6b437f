import type { CustomerFixture, PeriodicHistory } from '../fixtures/types.js'
import type { AccountView, Dataset } from './dataset.js'
import { DomainError, invalidField } from './errors.js'
import { paginate, type Page, type PageRequest } from './pagination.js'

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
    return this.viewPage(this.dataset.customerBalanceRows(customer), page, includePeriodic)
  }

  byAccount (account: string, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const row = this.dataset.accountBalanceRow(account)
    return this.viewPage(row === -1 ? [] : [row], page, includePeriodic)
  }

  byId (id: string, includePeriodic: boolean): BalanceView {
    const row = this.dataset.balanceRow(id)
    if (row === -1) throw new DomainError('OKRA_EMU_BALANCE_NOT_FOUND', `No balance found with id "${id}"`)
    return this.view(row, includePeriodic)
  }

  all (page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    return this.viewPage(this.dataset.order, page, includePeriodic)
  }

  byDate (range: DayRange, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const [start, end] = this.dataset.createdBetween(range.fromMs, range.toMs)
    return this.viewPage(this.dataset.order.subarray(start, end), page, includePeriodic)
  }

  byCustomerDate (customer: string, range: DayRange, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const created = this.dataset.tables.balances.created.ms
    const inRange = this.dataset.customerBalanceRows(customer).filter((row) => {
      const t = created[row] as number
      return t >= range.fromMs && t < range.toMs
    })
    return this.viewPage(inRange, page, includePeriodic)
  }

  /** Balances whose current `type` amount is at least `threshold`. */
  byType (type: BalanceType, threshold: number, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const matches = this.dataset.order.filter((row) => {
      const amount = this.current(row)[type]
      return amount !== undefined && amount >= threshold
    })
    return this.viewPage(matches, page, includePeriodic)
  }

  /** The balance as this tenant last fetched it: the fixture's amounts, or what a refresh stored over them. */
  current (row: number): { available_balance?: number, ledger_balance: number } {
    const { balances } = this.dataset.tables
    const overlay = this.overlays.size === 0 ? undefined : this.overlays.get(this.dataset.tables.balanceId(row))
    if (overlay !== undefined) return overlay
    const available = balances.available[row] as number
    return Number.isNaN(available)
      ? { ledger_balance: balances.ledger[row] as number }
      : { available_balance: available, ledger_balance: balances.ledger[row] as number }
  }

  view (row: number, includePeriodic: boolean): BalanceView {
    const { dataset } = this
    const { tables } = dataset
    const balance = tables.balance(row, false)
    const account = dataset.accountEntry(tables.accountOfBalance[row] as number)
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
      env: dataset.env,
      last_updated: overlay?.last_updated ?? balance.last_updated,
      ledger_balance: current.ledger_balance,
      owner: this.ownerList,
      record,
      connected: balance.connected,
      id: balance._id,
    }
    // Absent, not null, when the bank reports none (okra-api.md §5.3).
    if (current.available_balance !== undefined) view.available_balance = current.available_balance
    if (includePeriodic) {
      const periodic = tables.periodic(row)
      view.periodic = overlay === undefined ? periodic : joinHistory(periodic, overlay.periodic)
    }
    return view
  }

  /** One page of views over balance rows in order; only the page's rows are built. */
  private viewPage (rows: ArrayLike<number> & { slice (start: number, end: number): ArrayLike<number> }, request: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const { pagination, offset } = paginate(rows.length, request)
    return { pagination, items: Array.from(rows.slice(offset, offset + request.limit), (row) => this.view(row, includePeriodic)) }
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
