import { describe, expect, it } from 'vitest'
import { headOf, JOURNAL_BODY_BYTES, RequestJournal, type JournalRequest } from '../../src/core/journal.js'

const entry = (n: number, overrides: Partial<JournalRequest> = {}): JournalRequest => ({
  at: new Date(Date.UTC(2026, 10, 2, 9, 0, n)).toISOString(),
  method: 'POST',
  url: '/v2/balance/getByCustomer',
  route: 'balance/getByCustomer',
  body: `{"n":${n}}`,
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
    expect(page.requests.map((e) => e.body)).toStrictEqual(['{"n":8}', '{"n":9}', '{"n":10}', '{"n":11}', '{"n":12}'])
    expect(page.requests.map((e) => e.seq)).toStrictEqual([8, 9, 10, 11, 12])
  })

  it('filters by method, route, status, customer and fault, and limits to the newest', () => {
    const journal = new RequestJournal()
    journal.add(entry(1))
    journal.add(entry(2, { method: 'GET', url: '/v2/callback', route: 'callback', status: 202 }))
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

  it('splits the path from the query string and parses the query when listed', () => {
    const journal = new RequestJournal()
    journal.add(entry(1, { method: 'GET', url: '/v2/callback?record=r1&method=BALANCE&x=1&x=2', body: null }))
    expect(journal.all()[0]).toMatchObject({ path: '/v2/callback', query: { record: 'r1', method: 'BALANCE', x: ['1', '2'] }, body: null, bodyBytes: 0 })
  })

  it('keeps the first 4 KiB of a body, cut between characters, and its full length', () => {
    const journal = new RequestJournal()
    // 'é' is two UTF-8 bytes: after an odd-length prefix, byte 4096 falls inside one.
    const body = `{"pad":"${'x'.repeat(1)}${'é'.repeat(100_000)}"}`
    journal.add(entry(1, { body }))
    const kept = journal.all()[0]!
    expect(kept.bodyBytes).toBe(Buffer.byteLength(body))
    expect(Buffer.byteLength(kept.body!)).toBe(JOURNAL_BODY_BYTES - 1)
    expect(body.startsWith(kept.body!)).toBe(true)
    // A body refused unread is known by its declared length alone.
    journal.add(entry(2, { body: null, bodyBytes: 5_000_000 }))
    expect(journal.all()[1]).toMatchObject({ body: null, bodyBytes: 5_000_000 })
  })

  it('is bounded in bytes: big entries push the oldest out long before the entry bound', () => {
    const journal = new RequestJournal(1000, 64 * 1024)
    const body = `{"pad":"${'x'.repeat(60_000)}"}`
    for (let n = 1; n <= 100; n++) journal.add(entry(n, { body }))
    // Each entry costs its 4 KiB of body, its URL, route and ids and 256 bytes of overhead.
    const cost = 4096 + '/v2/balance/getByCustomer'.length + 'balance/getByCustomer'.length + 2 + 256
    expect(journal.size).toBe(Math.floor(64 * 1024 / cost))
    expect(journal.bytes).toBe(journal.size * cost)
    expect(journal.dropped).toBe(100 - journal.size)
    expect(journal.query().requests.at(-1)!.seq).toBe(100)
  })

  it('cuts an account or customer id no real one is as long as', () => {
    const journal = new RequestJournal()
    journal.add(entry(1, { account: 'a'.repeat(100_000) }))
    expect(journal.all()[0]!.account).toBe('a'.repeat(256))
  })

  it('starts over when cleared', () => {
    const journal = new RequestJournal(2)
    for (let n = 1; n <= 3; n++) journal.add(entry(n))
    journal.clear()
    journal.add(entry(9))
    expect(journal.query()).toMatchObject({ count: 1, dropped: 0, requests: [{ seq: 1 }] })
    expect(journal.bytes).toBe(256 + '/v2/balance/getByCustomer'.length + 7 + 'balance/getByCustomer'.length + 2)
  })
})

describe('headOf', () => {
  it('keeps a short text whole and cuts a long one at a character boundary', () => {
    expect(headOf('abc', 4)).toBe('abc')
    expect(headOf('abcdef', 4)).toBe('abcd')
    expect(headOf('aéé', 4)).toBe('aé')
    expect(headOf('😀😀', 7)).toBe('😀')
    expect(headOf('😀😀', 8)).toBe('😀😀')
  })
})
