import { describe, expect, it } from 'vitest'
import { RequestJournal, type JournalRequest } from '../../src/core/journal.js'

const request = (url: string, overrides: Partial<JournalRequest> = {}): JournalRequest => ({
  at: '2026-11-02T09:00:00.000Z', method: 'POST', url, route: null, body: null, status: 200, account: null, customer: null, fault: null, ...overrides,
})

describe('a journal entry\'s path and query', () => {
  it('keeps a path without a query string whole, with an empty query', () => {
    const journal = new RequestJournal()
    journal.add(request('/v2/balance/getById'))
    journal.add(request('/?a=1'))
    journal.add(request('/v2/callback?record=r1&method=BALANCE'))
    expect(journal.all().map((e) => [e.path, e.query])).toStrictEqual([
      ['/v2/balance/getById', {}],
      ['/', { a: '1' }],
      ['/v2/callback', { record: 'r1', method: 'BALANCE' }],
    ])
  })
})

describe('a journal\'s bytes', () => {
  it('costs 256 per entry plus its url, body, ids and route', () => {
    const journal = new RequestJournal()
    journal.add(request('/v2/x?y=1', { body: '{"a":"é"}', account: 'acc', customer: 'cust', route: 'x' }))
    expect(journal.bytes).toBe(256 + 9 + 10 + 3 + 4 + 1)
    journal.add(request('/u'))
    expect(journal.bytes).toBe(256 + 9 + 10 + 3 + 4 + 1 + 256 + 2)
  })

  it('keeps entries that fill its bytes exactly, and always the newest one', () => {
    const journal = new RequestJournal(10, 2 * 258)
    journal.add(request('/a'))
    journal.add(request('/b'))
    expect([journal.size, journal.dropped]).toStrictEqual([2, 0])
    const tiny = new RequestJournal(10, 10)
    tiny.add(request('/a'))
    tiny.add(request('/b'))
    expect([tiny.size, tiny.dropped, tiny.all()[0]?.path]).toStrictEqual([1, 1, '/b'])
  })
})
