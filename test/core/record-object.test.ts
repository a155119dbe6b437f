import { describe, expect, it } from 'vitest'
import type { Dataset } from '../../src/core/dataset.js'
import { DomainError } from '../../src/core/errors.js'
import { recordObject, type RecordObject, type RecordSources } from '../../src/core/record-object.js'
import type { EmulatedRecord } from '../../src/core/records.js'
import { buildSandboxCustomer, SandboxDataset } from '../../src/core/sandbox.js'
import { JsonDataset } from '../../src/dataset/json.js'
import { OWNER, runningRecord, tinyFixture } from './tiny-fixture.js'

const START = Date.parse('2026-11-02T09:00:00.000Z')
/** An ObjectId whose first 4 bytes say it began at 2024-03-12T07:10:56Z. */
const FIXTURE_RECORD = '65f00000aaaaaaaaaaaaaaaa'
const OTHER_FORMS = ['legacy-record', '65F00000AAAAAAAAAAAAAAAA', `x${FIXTURE_RECORD}`, `${FIXTURE_RECORD}0`, FIXTURE_RECORD.slice(1)]

const file = tinyFixture([
  { id: 'b1', customer: 'c1', created: '2026-01-01T00:00:00.000Z', ledger: 100, available: 90, records: [FIXTURE_RECORD, 'r-own'] },
  { id: 'b2', customer: 'c2', created: '2026-01-02T00:00:00.000Z', ledger: 200, records: OTHER_FORMS },
])
// b2's account keeps dollars, so an answer's currency is seen to be its account's.
file.accounts[1]!.currency = 'USD'
const dataset = new JsonDataset(file)
const bank = file.banks[0]!

/** A tenant record of acc-b1 begun at START: running, unless `fields` say otherwise. */
function record (id: string, fields: Partial<EmulatedRecord> = {}): EmulatedRecord {
  return runningRecord(id, { account: 'acc-b1', balance: 'b1', createdAt: START }, fields)
}

function sources (own: EmulatedRecord[] = [], over: Dataset = dataset): RecordSources {
  const byId = new Map(own.map((r) => [r._id, r]))
  return { dataset: over, record: (id) => byId.get(id) }
}

/** Every field as Okra's product-records sample has it for a Balance record. */
function expected (fields: Pick<RecordObject, '_id' | 'source' | 'created_at' | 'last_updated'> & Partial<RecordObject> & { process: { completed: boolean, running: boolean } }): RecordObject {
  const { process, _id, source, created_at: createdAt, last_updated: lastUpdated, ...other } = fields
  return {
    _id,
    usedProduct: {
      'periodic-transactions': { status: false, number: 0 },
      guarantors: { status: false, number: 0 },
      directors: { status: false, number: 0 },
      auth: false,
      balance: true,
      accounts: true,
      transactions: false,
      income: false,
      identity: false,
      'direct-debit': false,
    },
    status: { transactions: { last_success_at: null, last_fail_at: null }, process },
    products: [],
    billable_products: [],
    source,
    limit: 24,
    currency: 'NGN',
    bank,
    customer: { _id: 'c1', name: 'Customer c1' },
    env: 'test-env',
    owner: OWNER,
    created_at: createdAt,
    last_updated: lastUpdated,
    ...other,
  }
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** The DomainError `run` throws, as plain fields. */
function thrown (run: () => unknown): { code: string, message: string, data: unknown } {
  try {
    run()
  } catch (error) {
    if (!(error instanceof DomainError)) throw error
    return { code: error.code, message: error.message, data: error.data }
  }
  throw new Error('nothing thrown')
}

describe('recordObject of a tenant\'s own record', () => {
  it('answers a running refresh as an API call still running, created and last updated when it began', () => {
    expect(recordObject(sources([record('r1')]), 'r1')).toStrictEqual(expected({
      _id: 'r1', source: 'api', process: { completed: false, running: true }, created_at: iso(START), last_updated: iso(START),
    }))
  })

  it('answers a done record as completed, last updated when it ended', () => {
    const done = record('r1', { state: 'done', endedAt: START + 3000, result: { balance_changed: true, last_checked: iso(START + 3000), last_fetched: iso(START + 3000) } })
    expect(recordObject(sources([done]), 'r1')).toStrictEqual(expected({
      _id: 'r1', source: 'api', process: { completed: true, running: false }, created_at: iso(START), last_updated: iso(START + 3000),
    }))
  })

  it('answers a failed record as neither completed nor running', () => {
    const failed = record('r1', { method: 'CHECK_BALANCE', state: 'failed', endedAt: START + 1, outcome: { kind: 'timeout' }, failure: { kind: 'timeout' } })
    expect(recordObject(sources([failed]), 'r1')).toStrictEqual(expected({
      _id: 'r1', source: 'api', process: { completed: false, running: false }, created_at: iso(START), last_updated: iso(START + 1),
    }))
  })

  it('never dates last_updated before created_at, even for a record said to end before it began', () => {
    const odd = record('r1', { state: 'done', endedAt: START - 1000, result: { balance_changed: false, last_checked: iso(START), last_fetched: iso(START) } })
    expect(recordObject(sources([odd]), 'r1')).toStrictEqual(expected({
      _id: 'r1', source: 'api', process: { completed: true, running: false }, created_at: iso(START), last_updated: iso(START),
    }))
  })

  it('reads currency, bank and customer from the record\'s account', () => {
    expect(recordObject(sources([record('r2', { account: 'acc-b2', balance: 'b2' })]), 'r2')).toStrictEqual(expected({
      _id: 'r2', source: 'api', process: { completed: false, running: true }, created_at: iso(START), last_updated: iso(START), currency: 'USD', customer: { _id: 'c2', name: 'Customer c2' },
    }))
  })

  it('finds the account of a sandbox customer through the dataset it is given', () => {
    const sandboxBank = { ...bank, _id: 'sandbox-bank', name: 'Sandbox Bank' }
    let n = 0
    const customer = buildSandboxCustomer({
      noOfAccount: 1, name: 'Ada Obi', bank: { fixture: sandboxBank, nuban: (serial) => `${serial}7` }, username: 'u', password: 'p', type: 'ind', volume: 'low', identity: 100, internetSpeed: 3,
    }, () => `6a000000aaaaaaaaaa${(++n).toString(16).padStart(6, '0')}`, START, OWNER)
    const own = record('r3', { account: customer.accounts[0]!._id, balance: customer.balances[0]!._id })
    expect(recordObject(sources([own], new SandboxDataset(dataset, [customer])), 'r3')).toStrictEqual(expected({
      _id: 'r3', source: 'api', process: { completed: false, running: true }, created_at: iso(START), last_updated: iso(START), bank: sandboxBank, customer: { _id: customer.customer._id, name: 'Ada Obi' },
    }))
    expect(thrown(() => recordObject(sources([own]), 'r3')).code).toBe('OKRA_EMU_RECORD_NOT_FOUND')
  })

  it('is found before a fixture record of the same id', () => {
    expect(recordObject(sources([record(FIXTURE_RECORD)]), FIXTURE_RECORD).source).toBe('api')
  })

  it('whose account the dataset no longer has gives way to the fixtures, or is not found', () => {
    const gone = record('r-own', { account: 'acc-gone' })
    expect(recordObject(sources([gone]), 'r-own')).toStrictEqual(expected({
      _id: 'r-own', source: 'widget', process: { completed: true, running: false }, created_at: '2026-01-01T00:00:00.000Z', last_updated: '2026-01-01T00:00:00.000Z',
    }))
    expect(thrown(() => recordObject(sources([record('r9', { account: 'acc-gone' })]), 'r9'))).toStrictEqual({
      code: 'OKRA_EMU_RECORD_NOT_FOUND', message: 'No record found with id "r9"', data: undefined,
    })
  })
})

describe('recordObject of a fixture record', () => {
  it('answers a record in a fixture balance as a completed widget link, dated by its ObjectId', () => {
    expect(recordObject(sources(), FIXTURE_RECORD)).toStrictEqual(expected({
      _id: FIXTURE_RECORD, source: 'widget', process: { completed: true, running: false }, created_at: '2024-03-12T07:10:56.000Z', last_updated: '2024-03-12T07:10:56.000Z',
    }))
  })

  it('dates an id that is no lowercase ObjectId by its balance\'s created_at', () => {
    for (const id of OTHER_FORMS) {
      expect(recordObject(sources(), id)).toStrictEqual(expected({
        _id: id, source: 'widget', process: { completed: true, running: false }, created_at: '2026-01-02T00:00:00.000Z', last_updated: '2026-01-02T00:00:00.000Z', currency: 'USD', customer: { _id: 'c2', name: 'Customer c2' },
      }))
    }
  })

  it('is OKRA_EMU_RECORD_NOT_FOUND for an id no balance holds', () => {
    expect(thrown(() => recordObject(sources([record('r1')]), 'nope'))).toStrictEqual({ code: 'OKRA_EMU_RECORD_NOT_FOUND', message: 'No record found with id "nope"', data: undefined })
    // A balance id, an account id and an empty id are no record ids.
    for (const id of ['b1', 'acc-b1', '']) expect(thrown(() => recordObject(sources(), id)).message).toBe(`No record found with id "${id}"`)
  })

  it('is OKRA_EMU_RECORD_NOT_FOUND when the balance holding it has no account the dataset knows', () => {
    const accountless: Dataset = Object.assign(Object.create(dataset) as Dataset, { account: () => undefined })
    expect(accountless.recordBalance(FIXTURE_RECORD)?._id).toBe('b1')
    expect(thrown(() => recordObject(sources([], accountless), FIXTURE_RECORD))).toStrictEqual({
      code: 'OKRA_EMU_RECORD_NOT_FOUND', message: `No record found with id "${FIXTURE_RECORD}"`, data: undefined,
    })
  })
})

describe('recordObject answers', () => {
  it('are objects of their own: changing one answer changes no other', () => {
    const first = recordObject(sources(), FIXTURE_RECORD)
    first.usedProduct.guarantors.number = 5
    first.usedProduct['periodic-transactions'].status = true
    first.products.push('balance')
    const second = recordObject(sources(), FIXTURE_RECORD)
    expect([second.usedProduct.guarantors, second.usedProduct.directors, second.usedProduct['periodic-transactions'], second.products])
      .toStrictEqual([{ status: false, number: 0 }, { status: false, number: 0 }, { status: false, number: 0 }, []])
  })
})
