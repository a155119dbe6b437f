import type { CustomerFixture, PeriodicHistory } from '../fixtures/types.js'
import type { AccountView, AmountType, Dataset } from './dataset.js'
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

/** The amount a getByType compares; the Dataset indexes balances by each. */
export type BalanceType = AmountType

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
 * costs O(page) through an index, except getByType: its index of the fixture's amounts gives the
 * count at once, and its page costs the smaller of sorting the matches and walking to the page.
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

  /**
   * Balances whose current `type` amount is at least `threshold`, in the stable order. The count
   * comes from the fixture's amount index, corrected by this tenant's refreshed balances. The page
   * is then found the cheaper way: reading the matches out of the index and sorting them by
   * position when they are few, or walking the stable order until the page is full when they are
   * many (and so come soon).
   */
  byType (type: BalanceType, threshold: number, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const { dataset } = this
    // NaN matches nothing, as a comparison with it is always false.
    const fromIndex = Number.isNaN(threshold) ? new Int32Array(0) : dataset.rowsWithAmountFrom(type, threshold)
    const matches = (amount: number | undefined): boolean => amount !== undefined && amount >= threshold
    // Refreshed balances whose match differs from their fixture's: a handful per tenant.
    const changed = new Map<number, boolean>()
    for (const [id, overlay] of this.overlays) {
      const row = dataset.balanceRow(id)
      const now = matches(overlay[type])
      if (row !== -1 && now !== matches(this.fixtureAmount(row, type))) changed.set(row, now)
    }
    let total = fromIndex.length
    for (const now of changed.values()) total += now ? 1 : -1
    const { pagination, offset } = paginate(total, page)
    const wanted = Math.min(total, offset + page.limit)
    const positions: number[] = []
    if (total * Math.log2(total + 2) <= wanted * (dataset.size / Math.max(total, 1))) {
      for (const row of fromIndex) if (changed.get(row) !== false) positions.push(dataset.positionOf[row] as number)
      for (const [row, now] of changed) if (now) positions.push(dataset.positionOf[row] as number)
      positions.sort((x, y) => x - y).splice(wanted)
      positions.splice(0, offset)
    } else {
      for (let position = 0, seen = 0; position < dataset.size && seen < wanted; position++) {
        const row = dataset.order[position] as number
        if (changed.get(row) ?? matches(this.fixtureAmount(row, type))) {
          if (seen >= offset) positions.push(position)
          seen++
        }
      }
    }
    return { pagination, items: positions.map((position) => this.view(dataset.order[position] as number, includePeriodic)) }
  }

  /** A fixture balance's amount of `type` before any refresh; undefined where the bank reports none. */
  private fixtureAmount (row: number, type: BalanceType): number | undefined {
    const { balances } = this.dataset.tables
    const amount = (type === 'ledger_balance' ? balances.ledger : balances.available)[row] as number
    return Number.isNaN(amount) ? undefined : amount
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
