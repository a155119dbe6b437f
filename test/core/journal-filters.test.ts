import { describe, expect, it } from 'vitest'
import { RequestJournal, type JournalRequest } from '../../src/core/journal.js'

const entry = (overrides: Partial<JournalRequest> = {}): JournalRequest => ({
  at: '2026-11-02T09:00:00.000Z',
  method: 'POST',
  url: '/v2/balance/getByAccount',
  route: 'balance/getByAccount',
  body: null,
  status: 200,
  account: null,
  customer: null,
  fault: null,
  ...overrides,
})

const seqs = (journal: RequestJournal, filter: Parameters<RequestJournal['query']>[0]): number[] =>
  journal.query(filter).requests.map((e) => e.seq)

describe('journal filters and bounds', () => {
  it('filters by account, leaving out requests about no account or another one', () => {
    const journal = new RequestJournal()
    journal.add(entry({ account: 'a1' }))
    journal.add(entry({ account: 'a2' }))
    journal.add(entry())
    journal.add(entry({ account: 'a1', status: 404 }))
    expect(seqs(journal, { account: 'a1' })).toStrictEqual([1, 4])
    expect(seqs(journal, { account: 'a2' })).toStrictEqual([2])
    expect(seqs(journal, { account: 'a3' })).toStrictEqual([])
    expect(seqs(journal, { account: 'a1', status: 200 })).toStrictEqual([1])
  })

  it('takes a route with any number of leading slashes', () => {
    const journal = new RequestJournal()
    journal.add(entry())
    journal.add(entry({ route: null, url: '/nowhere', status: 404 }))
    expect(seqs(journal, { route: '//balance/getByAccount' })).toStrictEqual([1])
  })

  it('answers every entry for a limit above the count, and none for a limit of zero', () => {
    const journal = new RequestJournal()
    for (let i = 0; i < 3; i++) journal.add(entry())
    expect(journal.query({ limit: 10 })).toMatchObject({ count: 3, requests: [{ seq: 1 }, { seq: 2 }, { seq: 3 }] })
    expect(journal.query({ limit: 0 })).toMatchObject({ count: 3, requests: [] })
  })

  it('counts what it holds and what it dropped, oldest first across the wrap', () => {
    const journal = new RequestJournal(3)
    expect([journal.size, journal.dropped]).toStrictEqual([0, 0])
    for (let i = 0; i < 3; i++) journal.add(entry())
    expect([journal.size, journal.dropped]).toStrictEqual([3, 0])
    for (let i = 0; i < 4; i++) journal.add(entry())
    expect([journal.size, journal.dropped]).toStrictEqual([3, 4])
    expect(journal.all().map((e) => e.seq)).toStrictEqual([5, 6, 7])
    journal.add(entry())
    expect(journal.all().map((e) => e.seq)).toStrictEqual([6, 7, 8])
  })
})
