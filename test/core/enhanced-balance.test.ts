import { describe, expect, it } from 'vitest'
import { bankBalanceAt, type BankEvent } from '../../src/core/bank.js'
import { parseDayRange } from '../../src/core/balances.js'
import { enhancedBalance, runningBalances } from '../../src/core/enhanced.js'
import { JsonDataset } from '../../src/dataset/json.js'
import { tinyFixture } from './tiny-fixture.js'

const DAY = 86_400_000
const NOV_1 = Date.parse('2026-11-01T00:00:00.000Z')
const at = (day: number, hour = 0): number => NOV_1 + (day - 1) * DAY + hour * 3_600_000

describe('runningBalances', () => {
  const start = { available_balance: 100, ledger_balance: 200 }
  const events: BankEvent[] = [
    { at: at(1, 9), posting: 0.1 },
    { at: at(1, 10), posting: 0.2 },
    { at: at(2, 9), ledger_balance: 500, available_balance: 450 },
    { at: at(3, 9), posting: -50.55 },
    { at: at(4, 9), posting: 1000 },
  ]

  it('lists every posting up to now with the balance right after it, to the kobo', () => {
    expect(runningBalances(start, events, at(3, 9))).toStrictEqual([
      { at: at(1, 9), posting: 0.1, after: { available_balance: 100.1, ledger_balance: 200.1 } },
      // 200.1 + 0.2 is 200.29999999999998 in doubles: each step rounds to the kobo as the bank does.
      { at: at(1, 10), posting: 0.2, after: { available_balance: 100.3, ledger_balance: 200.3 } },
      // The set is no transaction, but the posting after it counts from the amounts it set.
      { at: at(3, 9), posting: -50.55, after: { available_balance: 399.45, ledger_balance: 449.45 } },
    ])
  })

  it('leaves out postings before `from` from the list but not from the balances', () => {
    const range = parseDayRange('2026-11-03', '2026-11-04')
    expect(runningBalances(start, events, at(9), range)).toStrictEqual([
      { at: at(3, 9), posting: -50.55, after: { available_balance: 399.45, ledger_balance: 449.45 } },
      { at: at(4, 9), posting: 1000, after: { available_balance: 1399.45, ledger_balance: 1449.45 } },
    ])
  })

  it('stops at the end of `to` and at now, whichever is first', () => {
    expect(runningBalances(start, events, at(9), parseDayRange('2026-11-01', '2026-11-01')).map((e) => e.at)).toStrictEqual([at(1, 9), at(1, 10)])
    // A fixture script's posting due tomorrow has not happened yet.
    expect(runningBalances(start, events, at(4, 8), parseDayRange('2026-11-04', '2026-11-04'))).toStrictEqual([])
  })

  it('ends where the bank balance is at the last posting', () => {
    const entries = runningBalances(start, events, at(9))
    const last = entries[entries.length - 1]!
    expect(last.after).toStrictEqual(bankBalanceAt(start, events, last.at))
  })

  it('never gives an account without an available balance one, even after a set naming one', () => {
    const noAvailable = runningBalances({ ledger_balance: 10 }, [{ at: 1, ledger_balance: 20, available_balance: 5 }, { at: 2, posting: -2.5 }], 2)
    expect(noAvailable).toStrictEqual([{ at: 2, posting: -2.5, after: { ledger_balance: 17.5 } }])
  })
})

describe('enhancedBalance', () => {
  const dataset = new JsonDataset(tinyFixture([
    { id: 'bal-a', customer: 'cust-1', created: '2026-10-01T00:00:00.000Z', ledger: 1000, available: 900 },
    { id: 'bal-b', customer: 'cust-1', created: '2026-10-02T00:00:00.000Z', ledger: 50 },
    { id: 'bal-c', customer: 'cust-2', created: '2026-10-03T00:00:00.000Z', ledger: 7 },
  ]))
  const events: Record<string, BankEvent[]> = {
    'acc-bal-a': [{ at: at(1, 9), posting: -250.25 }, { at: at(2, 9), posting: 99.99 }],
    'acc-bal-b': [{ at: at(1, 9), posting: 10 }, { at: at(1, 12), posting: -60 }],
    'acc-bal-c': [{ at: at(1, 8), posting: 1 }],
  }
  const sources = { dataset, eventsOf: (account: string) => events[account] ?? [] }
  const page = { page: 1, limit: 10 }

  it('answers one account by account_id, credits and debits apart, with its currency', () => {
    expect(enhancedBalance(sources, { account: 'acc-bal-a' }, at(9), page).items).toStrictEqual([
      { account: 'acc-bal-a', trans_date: '2026-11-01T09:00:00.000Z', credit: null, debit: 250.25, ledger_balance: 749.75, available_balance: 649.75, currency: 'NGN' },
      { account: 'acc-bal-a', trans_date: '2026-11-02T09:00:00.000Z', credit: 99.99, debit: null, ledger_balance: 849.74, available_balance: 749.74, currency: 'NGN' },
    ])
  })

  it("merges a customer's accounts in time order, ties in the accounts' order", () => {
    const entries = enhancedBalance(sources, { customer: 'cust-1' }, at(9), page).items
    expect(entries.map((e) => [e.account, e.trans_date, e.ledger_balance])).toStrictEqual([
      ['acc-bal-a', '2026-11-01T09:00:00.000Z', 749.75],
      ['acc-bal-b', '2026-11-01T09:00:00.000Z', 60],
      ['acc-bal-b', '2026-11-01T12:00:00.000Z', 0],
      ['acc-bal-a', '2026-11-02T09:00:00.000Z', 849.74],
    ])
    // The bank reports no available balance for bal-b: the entries have none either.
    expect(entries[1]).not.toHaveProperty('available_balance')
  })

  it("answers an empty page for an account that is not the customer's, or unknown ids", () => {
    for (const query of [{ account: 'acc-bal-c', customer: 'cust-1' }, { account: 'nope' }, { customer: 'nope' }, {}]) {
      const answer = enhancedBalance(sources, query, at(9), page)
      expect(answer.items).toStrictEqual([])
      expect(answer.pagination.totalDocs).toBe(0)
    }
    expect(enhancedBalance(sources, { account: 'acc-bal-c', customer: 'cust-2' }, at(9), page).items).toHaveLength(1)
  })

  it('pages the entries as the look-ups do', () => {
    const second = enhancedBalance(sources, { customer: 'cust-1' }, at(9), { page: 2, limit: 3 })
    expect(second.items.map((e) => e.trans_date)).toStrictEqual(['2026-11-02T09:00:00.000Z'])
    expect(second.pagination).toStrictEqual({ totalDocs: 4, limit: 3, hasPrevPage: true, hasNextPage: false, page: 2, totalPages: 2, pagingCounter: 4, prevPage: 1, nextPage: null })
  })
})
