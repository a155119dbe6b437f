import type { AccountEntry, AccountView, AmountType, Dataset } from './dataset.js'
import type { BalanceFixture, PeriodicHistory, WidgetOptions } from './fixture.js'
import type { Customer } from '../wire/index.js'
import { DomainError, invalidField } from './errors.js'
import { paginate, type Page, type PageRequest } from './pagination.js'
import { historyOf, recordIdsOf, type PackedOverlay } from './overlays.js'

interface RecordRef {
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
  customer: Customer
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

/** How a tenant shows its records inside balances; the store of records lives elsewhere. */
export interface RecordStatusSource {
  processOf (recordId: string): RecordRef['status']['process']
}

const COMPLETED = Object.freeze({ running: false, completed: true })

/**
 * Read-only look-ups over the shared Dataset seen through one tenant's overlays. Each look-up
 * costs O(page) through the Dataset's indexes, except getByType, which scans every balance's amount.
 */
export class BalanceReader {
  private readonly dataset: Dataset
  private readonly overlays: ReadonlyMap<string, PackedOverlay>
  private readonly records: RecordStatusSource
  private readonly ownerList: string[]

  constructor (dataset: Dataset, overlays: ReadonlyMap<string, PackedOverlay>, records: RecordStatusSource) {
    this.dataset = dataset
    this.overlays = overlays
    this.records = records
    this.ownerList = [dataset.owner]
  }

  byCustomer (customer: string, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    return this.viewPage(this.dataset.positionsOfCustomer(customer), page, includePeriodic)
  }

  byAccount (account: string, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const balance = this.dataset.accountBalance(account)
    return this.viewPage(balance === undefined ? [] : [balance], page, includePeriodic)
  }

  byId (id: string, includePeriodic: boolean): BalanceView {
    const balance = this.dataset.balance(id)
    if (balance === undefined) throw new DomainError('OKRA_EMU_BALANCE_NOT_FOUND', `No balance found with id "${id}"`)
    return this.view(balance, includePeriodic)
  }

  all (page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    return this.rangePage(0, this.dataset.stats.balances, page, includePeriodic)
  }

  byDate (range: DayRange, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const [start, end] = this.dataset.createdBetween(range.fromMs, range.toMs)
    return this.rangePage(start, end, page, includePeriodic)
  }

  byCustomerDate (customer: string, range: DayRange, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const inRange = this.dataset.positionsOfCustomer(customer).filter((position) => {
      const t = this.dataset.createdMsAt(position)
      return t >= range.fromMs && t < range.toMs
    })
    return this.viewPage(inRange, page, includePeriodic)
  }

  /**
   * The balances of every customer linked with widget options that hold each option asked for
   * (parseWidgetOptions), in the stable order. Scans the customers that have options.
   */
  byOptions (wanted: WidgetOptions, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const positions: number[] = []
    for (const { customer, options } of this.dataset.customersWithOptions()) {
      if (optionsMatch(options, wanted)) for (const position of this.dataset.positionsOfCustomer(customer)) positions.push(position)
    }
    return this.viewPage(positions.sort((a, b) => a - b), page, includePeriodic)
  }

  /**
   * Balances whose current `type` amount is at least `threshold`, in the stable order: one pass
   * over every balance's amount, this tenant's refreshed ones read from their overlays.
   */
  byType (type: BalanceType, threshold: number, page: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const { dataset } = this
    // NaN matches nothing, as a comparison with it is always false.
    const matches = (amount: number | undefined): boolean => amount !== undefined && amount >= threshold
    const refreshed = new Map<number, boolean>()
    for (const [id, overlay] of this.overlays) {
      const position = dataset.positionOf(id)
      if (position !== -1) refreshed.set(position, matches(overlay[type]))
    }
    const found: number[] = []
    const size = dataset.stats.balances
    for (let position = 0; position < size; position++) {
      if (refreshed.get(position) ?? matches(dataset.amountAt(position, type))) found.push(position)
    }
    return this.viewPage(found, page, includePeriodic)
  }

  view (balanceOrPosition: BalanceFixture | number, includePeriodic: boolean): BalanceView {
    const { dataset } = this
    const balance = typeof balanceOrPosition === 'number' ? dataset.balanceAt(balanceOrPosition) : balanceOrPosition
    const account = dataset.account(balance.account) as AccountEntry
    const overlay = this.overlays.get(balance._id)
    const current = overlay ?? balance
    const record: RecordRef[] = balance.record.map((_id) => ({ _id, status: { process: COMPLETED } }))
    if (overlay !== undefined) {
      for (const _id of recordIdsOf(overlay)) record.push({ _id, status: { process: this.records.processOf(_id) } })
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
    if (includePeriodic) view.periodic = overlay === undefined ? balance.periodic : joinHistory(balance.periodic, historyOf(overlay, dataset.owner))
    return view
  }

  /** One page of views over balances (or their positions) in order; only the page's are built. */
  private viewPage (items: ReadonlyArray<BalanceFixture | number>, request: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const { pagination, offset } = paginate(items.length, request)
    return { pagination, items: items.slice(offset, offset + request.limit).map((item) => this.view(item, includePeriodic)) }
  }

  /** One page of the positions [start, end). */
  private rangePage (start: number, end: number, request: PageRequest, includePeriodic: boolean): Page<BalanceView> {
    const { pagination, offset } = paginate(end - start, request)
    const items: BalanceView[] = []
    for (let position = start + offset; position < Math.min(end, start + offset + request.limit); position++) items.push(this.view(position, includePeriodic))
    return { pagination, items }
  }
}

function joinHistory (base: PeriodicHistory, added: PeriodicHistory): PeriodicHistory {
  return {
    available_balance: base.available_balance.concat(added.available_balance),
    ledger_balance: base.ledger_balance.concat(added.ledger_balance),
  }
}

/**
 * The widget options a byOptions asks for: an object, or that object as JSON text (okra-node 0.1
 * sends `options` in a query string, which axios 0.19 writes as JSON). Options sent as "" are not
 * sent, as at the top level (OkraGo sends a name left empty so); at least one must remain.
 */
export function parseWidgetOptions (value: unknown): WidgetOptions {
  let options = value
  if (typeof value === 'string') {
    try { options = JSON.parse(value) } catch { options = undefined }
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidField('options', 'must be an object of widget options, such as {"first_name":"Ada","last_name":"Obi"}')
  }
  const wanted = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== ''))
  if (Object.keys(wanted).length === 0) throw invalidField('options', 'must name at least one widget option')
  return wanted
}

/**
 * Whether stored options hold every wanted one: equal values, a number or boolean equal to its
 * text (a form or query string sends only text), objects equal as JSON. Keys and text are exact.
 */
export function optionsMatch (stored: WidgetOptions, wanted: WidgetOptions): boolean {
  return Object.entries(wanted).every(([key, value]) => {
    if (!Object.hasOwn(stored, key)) return false
    const have = stored[key]
    if (have === value) return true
    const scalar = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
    if (scalar(have) && scalar(value)) return String(have) === String(value)
    return typeof have === 'object' && typeof value === 'object' && JSON.stringify(have) === JSON.stringify(value)
  })
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
