import { describe, expect, it } from 'vitest'
import { RequestJournal, type JournalEntry } from '../../src/core/journal.js'

const entry = (n: number, overrides: Partial<JournalEntry> = {}): Omit<JournalEntry, 'seq'> => ({
  at: new Date(Date.UTC(2026, 10, 2, 9, 0, n)).toISOString(),
  method: 'POST',
  path: '/v2/balance/getByCustomer',
  route: 'balance/getByCustomer',
  query: {},
  body: { n },
  status: 200,
  account: null,
  customer: `c${n % 3}`,
  fault: null,
  ...overrides,
})

describe('RequestJournal', () => {
  it('keeps the newest entries up to its bound and counts what it dropped', () => {
    const journal = new RequestJournal(5)
    for (let n = 1; n <= 12; n++) journal.add(entry(n))
    const page = journal.query()
    expect(page.dropped).toBe(7)
    expect(page.count).toBe(5)
    expect(page.requests.map((e) => (e.body as { n: number }).n)).toStrictEqual([8, 9, 10, 11, 12])
    expect(page.requests.map((e) => e.seq)).toStrictEqual([8, 9, 10, 11, 12])
  })

  it('filters by method, route, status, customer and fault, and limits to the newest', () => {
    const journal = new RequestJournal()
    journal.add(entry(1))
    journal.add(entry(2, { method: 'GET', path: '/v2/callback', route: 'callback', status: 202 }))
    journal.add(entry(3, { status: 429, fault: 'f1' }))
    journal.add(entry(4))
    expect(journal.query({ method: 'get' }).requests.map((e) => e.seq)).toStrictEqual([2])
    expect(journal.query({ route: '/balance/getByCustomer' }).count).toBe(3)
    expect(journal.query({ status: 429 }).requests.map((e) => e.seq)).toStrictEqual([3])
    expect(journal.query({ customer: 'c1' }).requests.map((e) => e.seq)).toStrictEqual([1, 4])
    expect(journal.query({ fault: true }).count).toBe(1)
    expect(journal.query({ fault: false }).count).toBe(3)
    const limited = journal.query({ route: 'balance/getByCustomer', limit: 2 })
    expect([limited.count, limited.requests.map((e) => e.seq)]).toStrictEqual([3, [3, 4]])
  })

  it('starts over when cleared', () => {
    const journal = new RequestJournal(2)
    for (let n = 1; n <= 3; n++) journal.add(entry(n))
    journal.clear()
    journal.add(entry(9))
    expect(journal.query()).toMatchObject({ count: 1, dropped: 0, requests: [{ seq: 1 }] })
  })
})
