import { describe, expect, it } from 'vitest'
import type { BalanceView } from '../../src/core/balances.js'
import type { Page, Pagination } from '../../src/core/pagination.js'
import { withOwnedRecords, withRecordIds } from '../../src/core/record-shapes.js'
import { OWNER, TEST_BANK } from './tiny-fixture.js'

const bank = TEST_BANK

const RUNNING = { running: true, completed: false }
const COMPLETED = { running: false, completed: true }

/** A balance as the reader answers it, `record` in its place among the keys; `periodic` only when asked. */
function view (id: string, env: string, owner: string[], records: Array<[string, typeof RUNNING]>, periodic = false): BalanceView {
  return {
    _id: id,
    account: { _id: `acc-${id}`, bank, nuban: '1000000000', name: `ACCOUNT ${id}` },
    __v: 0,
    available_balance: 90,
    created_at: '2026-01-01T00:00:00.000Z',
    currency: 'NGN',
    customer: { _id: 'c1', name: 'Customer c1' },
    env,
    last_updated: '2026-01-01T00:00:00.000Z',
    ledger_balance: 100,
    owner,
    record: records.map(([_id, process]) => ({ _id, status: { process } })),
    connected: owner,
    id,
    ...(periodic ? { periodic: { ledger_balance: [{ _id: `pl-${id}`, amount: 100, owner: owner[0]!, last_updated: '2026-01-01T00:00:00.000Z' }], available_balance: [] } } : {}),
  }
}

const pagination: Pagination = { totalDocs: 3, limit: 2, hasPrevPage: false, hasNextPage: true, page: 1, totalPages: 2, pagingCounter: 1, prevPage: null, nextPage: 2 }

function page (): Page<BalanceView> {
  return {
    pagination,
    items: [
      view('b1', 'test-env', [OWNER], [['r1', COMPLETED], ['r2', RUNNING]]),
      view('b2', 'production', ['owner-2', 'owner-3'], [], true),
      view('b3', 'test-env', [OWNER], [['r3', RUNNING]]),
    ],
  }
}

/** `view` with its `record` replaced, every key in its place. */
function replaced<T> (balance: BalanceView, record: T): Omit<BalanceView, 'record'> & { record: T } {
  return { ...balance, record }
}

describe('withRecordIds (getByCustomer)', () => {
  it('keeps the pagination and each balance whole, its records as their ids alone', () => {
    const before = page()
    const [b1, b2, b3] = before.items as [BalanceView, BalanceView, BalanceView]
    const after = withRecordIds(before)
    expect(after).toStrictEqual({ pagination, items: [replaced(b1, ['r1', 'r2']), replaced(b2, []), replaced(b3, ['r3'])] })
    expect(after.pagination).toBe(pagination)
  })

  it('keeps `record` in its place among the keys', () => {
    const before = page()
    expect(withRecordIds(before).items.map((item) => Object.keys(item))).toStrictEqual(before.items.map((item) => Object.keys(item)))
  })

  it('leaves the page it was given as it was', () => {
    const before = page()
    withRecordIds(before)
    expect(before).toStrictEqual(page())
  })

  it('answers an empty page with no items', () => {
    expect(withRecordIds({ pagination, items: [] })).toStrictEqual({ pagination, items: [] })
  })
})

describe('withOwnedRecords (products/balances)', () => {
  it('keeps the pagination and each balance whole, each record as its id with the balance\'s env and first owner', () => {
    const before = page()
    const [b1, b2, b3] = before.items as [BalanceView, BalanceView, BalanceView]
    const after = withOwnedRecords(before)
    expect(after).toStrictEqual({
      pagination,
      items: [
        replaced(b1, [{ _id: 'r1', env: 'test-env', owner: OWNER }, { _id: 'r2', env: 'test-env', owner: OWNER }]),
        replaced(b2, []),
        replaced(b3, [{ _id: 'r3', env: 'test-env', owner: OWNER }]),
      ],
    })
    expect(after.pagination).toBe(pagination)
  })

  it('takes env and owner from each record\'s own balance, the first of its owners', () => {
    const mixed = { pagination, items: [view('b4', 'production', ['owner-2', 'owner-3'], [['r4', COMPLETED]]), view('b5', 'sandbox', ['owner-3'], [['r5', RUNNING]])] }
    expect(withOwnedRecords(mixed).items.map((item) => item.record)).toStrictEqual([
      [{ _id: 'r4', env: 'production', owner: 'owner-2' }],
      [{ _id: 'r5', env: 'sandbox', owner: 'owner-3' }],
    ])
  })

  it('keeps `record` in its place among the keys', () => {
    const before = page()
    expect(withOwnedRecords(before).items.map((item) => Object.keys(item))).toStrictEqual(before.items.map((item) => Object.keys(item)))
  })

  it('leaves the page it was given as it was', () => {
    const before = page()
    withOwnedRecords(before)
    expect(before).toStrictEqual(page())
  })

  it('answers an empty page with no items', () => {
    expect(withOwnedRecords({ pagination, items: [] })).toStrictEqual({ pagination, items: [] })
  })
})
