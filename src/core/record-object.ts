import type { Dataset } from './dataset.js'
import { DomainError } from './errors.js'
import type { BankFixture } from './fixture.js'
import type { Customer } from '../wire/index.js'
import { processOf, type EmulatedRecord } from './records.js'

const NOT_USED = Object.freeze({ status: false, number: 0 })

/**
 * Okra's record object as `products/records/get` answers it (docs.okra.ng/docs/product-records):
 * the fields of Okra's sample that a Balance record has, plus the customer, env, owner and dates
 * that Okra's other answers show on a record.
 */
export interface RecordObject {
  _id: string
  usedProduct: {
    'periodic-transactions': { status: boolean, number: number }
    guarantors: { status: boolean, number: number }
    directors: { status: boolean, number: number }
    auth: boolean
    balance: boolean
    accounts: boolean
    transactions: boolean
    income: boolean
    identity: boolean
    'direct-debit': boolean
  }
  status: {
    transactions: { last_success_at: null, last_fail_at: null }
    process: { completed: boolean, running: boolean }
  }
  products: string[]
  billable_products: string[]
  source: string
  limit: number
  currency: string
  bank: BankFixture
  customer: Customer
  env: string
  owner: string
  created_at: string
  last_updated: string
}

/** Where a record id is looked up: this tenant's own records first, then the fixtures' (all completed). */
export interface RecordSources {
  dataset: Dataset
  record (id: string): EmulatedRecord | undefined
}

/** The record object of `recordId`, or OKRA_EMU_RECORD_NOT_FOUND. */
export function recordObject (sources: RecordSources, recordId: string): RecordObject {
  const { dataset } = sources
  const own = sources.record(recordId)
  if (own !== undefined) {
    const account = dataset.account(own.account)
    if (account !== undefined) {
      const ended = own.endedAt ?? own.createdAt
      // A refresh or check is an API call; its process is the record's state, as inside a balance.
      return build(recordId, 'api', processOf(own.state), account, dataset, own.createdAt, ended)
    }
  }
  const balance = dataset.recordBalance(recordId)
  const account = balance === undefined ? undefined : dataset.account(balance.account)
  if (balance === undefined || account === undefined) throw new DomainError('OKRA_EMU_RECORD_NOT_FOUND', `No record found with id "${recordId}"`)
  // A fixture record linked the account in Okra's widget; its id carries the instant it began.
  const at = /^[0-9a-f]{24}$/.test(recordId) ? Number.parseInt(recordId.slice(0, 8), 16) * 1000 : Date.parse(balance.created_at)
  return build(recordId, 'widget', { completed: true, running: false }, account, dataset, at, at)
}

function build (
  _id: string, source: string, process: { completed: boolean, running: boolean },
  account: NonNullable<ReturnType<Dataset['account']>>, dataset: Dataset, createdMs: number, updatedMs: number
): RecordObject {
  return {
    _id,
    usedProduct: {
      'periodic-transactions': { ...NOT_USED },
      guarantors: { ...NOT_USED },
      directors: { ...NOT_USED },
      auth: false,
      balance: true,
      accounts: true,
      transactions: false,
      income: false,
      identity: false,
      'direct-debit': false,
    },
    status: { transactions: { last_success_at: null, last_fail_at: null }, process: { completed: process.completed, running: process.running } },
    products: [],
    billable_products: [],
    source,
    limit: 24,
    currency: account.fixture.currency,
    bank: account.view.bank,
    customer: account.customer,
    env: dataset.env,
    owner: dataset.owner,
    created_at: new Date(createdMs).toISOString(),
    last_updated: new Date(Math.max(createdMs, updatedMs)).toISOString(),
  }
}
