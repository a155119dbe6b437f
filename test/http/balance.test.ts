import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BalanceFixture, FixtureFile } from '../../src/core/fixture.js'
import { startTestServer, type TestServer } from '../support/server.js'

// Expectations are computed from the raw fixture file, not through the emulator's own indexes.
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const customerOf = new Map(fixture.accounts.map((a) => [a._id, a.customer]))
const inOkraOrder = (list: BalanceFixture[]) => [...list].sort((a, b) =>
  Date.parse(a.created_at) - Date.parse(b.created_at) || (a._id < b._id ? -1 : 1))
const balancesOf = (customer: string) => inOkraOrder(fixture.balances.filter((b) => customerOf.get(b.account) === customer))
const bigCustomer = fixture.customers[0]!._id
const bigCustomerBalances = balancesOf(bigCustomer)
const someBalance = bigCustomerBalances[3]!
const noAvailable = fixture.balances.find((b) => !('available_balance' in b))!

const PREFIXES = ['/v2', '/v2/sandbox', '/v1', '/sandbox/v1', '/sandbox/v2']

let server: TestServer
beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.close() })

describe('look-ups under every prefix', () => {
  const bodies: Array<[string, () => object, string]> = [
    ['balance/getByCustomer', () => ({ customer: bigCustomer }), 'balance'],
    ['balance/getByAccount', () => ({ account: someBalance.account }), 'balance'],
    ['balance/getById', () => ({ id: someBalance._id }), 'balance'],
    ['balance/getBalanceById', () => ({ id: someBalance._id }), 'balance'],
    ['balance/getByDate', () => ({ from: '2000-01-01', to: '2100-01-01' }), 'balance'],
    ['balance/getByCustomerDate', () => ({ customer: bigCustomer, from: '2000-01-01', to: '2100-01-01' }), 'balance'],
    ['balance/getByType', () => ({ type: 'ledger_balance', value: 0 }), 'balance'],
    ['products/balances', () => ({}), 'balances'],
  ]
  for (const prefix of PREFIXES) {
    it.each(bodies)(`${prefix}/%s answers a page`, async (route, body, key) => {
      const answer = await server.post(`${prefix}/${route}`, body())
      expect(answer.status).toBe(200)
      expect(answer.body.status).toBe('success')
      expect(answer.body.message).toBe(key === 'balances' ? 'Balances successfully retrieved' : 'Balance retrieved succesfully')
      expect(Object.keys(answer.body.data)).toStrictEqual(['pagination', key])
      expect(answer.body.data[key].length).toBeGreaterThan(0)
    })
  }
})

describe('balance/getByCustomer', () => {
  it('walks every page of a customer with many accounts in created_at order', async () => {
    expect(bigCustomerBalances.length).toBe(25)
    const seen: string[] = []
    const blocks: object[] = []
    for (let page = 1; page <= 3; page++) {
      const answer = await server.post('/v2/balance/getByCustomer', { customer: bigCustomer, page, limit: 10 })
      blocks.push(answer.body.data.pagination)
      seen.push(...answer.body.data.balance.map((b: { _id: string }) => b._id))
    }
    expect(seen).toStrictEqual(bigCustomerBalances.map((b) => b._id))
    expect(blocks).toStrictEqual([
      { totalDocs: 25, limit: 10, hasPrevPage: false, hasNextPage: true, page: 1, totalPages: 3, pagingCounter: 1, prevPage: null, nextPage: 2 },
      { totalDocs: 25, limit: 10, hasPrevPage: true, hasNextPage: true, page: 2, totalPages: 3, pagingCounter: 11, prevPage: 1, nextPage: 3 },
      { totalDocs: 25, limit: 10, hasPrevPage: true, hasNextPage: false, page: 3, totalPages: 3, pagingCounter: 21, prevPage: 2, nextPage: null },
    ])
  })

  it('sends the pagination keys in Okra\'s order, nulls included', async () => {
    const answer = await server.post('/v2/balance/getByCustomer', { customer: bigCustomer })
    expect(answer.text).toContain('"pagination":{"totalDocs":25,"limit":10,"hasPrevPage":false,"hasNextPage":true,"page":1,"totalPages":3,"pagingCounter":1,"prevPage":null,"nextPage":2}')
  })

  it('accepts page and limit as numeric strings, and serves limits above 100 as 100', async () => {
    const strings = await server.post('/v2/balance/getByCustomer', { customer: bigCustomer, page: '2', limit: '20' })
    expect(strings.body.data.pagination).toMatchObject({ page: 2, limit: 20, pagingCounter: 21 })
    expect(strings.body.data.balance.map((b: { _id: string }) => b._id)).toStrictEqual(bigCustomerBalances.slice(20).map((b) => b._id))
    const capped = await server.post('/v2/balance/getByCustomer', { customer: bigCustomer, limit: 1000 })
    expect(capped.body.data.pagination.limit).toBe(100)
    expect(capped.body.data.balance.length).toBe(25)
  })

  it('answers an empty page past the end', async () => {
    const answer = await server.post('/v2/balance/getByCustomer', { customer: bigCustomer, page: 7, limit: 10 })
    expect(answer.body.data).toStrictEqual({
      pagination: { totalDocs: 25, limit: 10, hasPrevPage: true, hasNextPage: false, page: 7, totalPages: 3, pagingCounter: 61, prevPage: 6, nextPage: null },
      balance: [],
    })
  })

  it('answers an empty page for an unknown customer', async () => {
    const answer = await server.post('/v2/balance/getByCustomer', { customer: 'ffffffffffffffffffffffff' })
    expect(answer.status).toBe(200)
    expect(answer.body.data).toStrictEqual({
      pagination: { totalDocs: 0, limit: 10, hasPrevPage: false, hasNextPage: false, page: 1, totalPages: 1, pagingCounter: 1, prevPage: null, nextPage: null },
      balance: [],
    })
  })

  it.each([
    [{ page: 0 }, 'Invalid field "page": must be a whole number of at least 1'],
    [{ page: -2 }, 'Invalid field "page": must be a whole number of at least 1'],
    [{ page: 1.5 }, 'Invalid field "page": must be a whole number of at least 1'],
    [{ page: 'two' }, 'Invalid field "page": must be a whole number of at least 1'],
    [{ limit: 0 }, 'Invalid field "limit": must be a whole number of at least 1'],
    [{ limit: '10.5' }, 'Invalid field "limit": must be a whole number of at least 1'],
    [{ limit: null }, 'Invalid field "limit": must be a whole number of at least 1'],
    [{ includePeriodic: 'maybe' }, 'Invalid field "includePeriodic": must be true or false'],
  ])('rejects %j with a 400 naming the field', async (extra, message) => {
    const answer = await server.post('/v2/balance/getByCustomer', { customer: bigCustomer, ...extra })
    expect(answer.status).toBe(400)
    expect([answer.headers['x-okra-emulator-error'], answer.body]).toStrictEqual(['OKRA_EMU_INVALID_FIELD', { status: 'error', message, data: { field: message.split('"')[1] } }])
  })
})

describe('balance item shape', () => {
  it('joins account, bank, customer and records as Okra shows them', async () => {
    const answer = await server.post('/v2/balance/getById', { id: someBalance._id })
    const item = answer.body.data.balance[0]
    const account = fixture.accounts.find((a) => a._id === someBalance.account)!
    const bank = fixture.banks.find((b) => b._id === account.bank)!
    const customer = fixture.customers.find((c) => c._id === account.customer)!
    expect(Object.keys(item)).toStrictEqual([
      '_id', 'account', '__v', ...('available_balance' in someBalance ? ['available_balance'] : []), 'created_at', 'currency',
      'customer', 'env', 'last_updated', 'ledger_balance', 'owner', 'record', 'connected', 'id', 'periodic',
    ])
    expect(item).toStrictEqual({
      _id: someBalance._id,
      account: { _id: account._id, bank, nuban: account.nuban, name: account.name },
      __v: 0,
      ...('available_balance' in someBalance ? { available_balance: someBalance.available_balance } : {}),
      created_at: someBalance.created_at,
      currency: account.currency,
      // The customer's widget options stay out of balances.
      customer: { _id: customer._id, name: customer.name },
      env: fixture.env,
      last_updated: someBalance.last_updated,
      ledger_balance: someBalance.ledger_balance,
      owner: [fixture.owner],
      record: someBalance.record.map((_id) => ({ _id, status: { process: { running: false, completed: true } } })),
      connected: someBalance.connected,
      id: someBalance._id,
      periodic: someBalance.periodic,
    })
  })

  it('leaves available_balance out entirely when the bank reports none', async () => {
    const answer = await server.post('/v2/balance/getById', { id: noAvailable._id })
    expect(answer.status).toBe(200)
    expect('available_balance' in answer.body.data.balance[0]).toBe(false)
    expect(answer.text).not.toContain('"available_balance":null')
  })

  it.each([
    [{}, true], [{ includePeriodic: true }, true], [{ includePeriodic: false }, false], [{ includePeriodic: 'false' }, false],
  ])('includePeriodic %j keeps periodic: %s', async (extra, kept) => {
    const answer = await server.post('/v2/balance/getByAccount', { account: someBalance.account, ...extra })
    expect('periodic' in answer.body.data.balance[0]).toBe(kept)
  })
})

describe('other look-ups', () => {
  it('getByAccount takes account or account_id, and account wins', async () => {
    const other = fixture.balances.find((b) => b.account !== someBalance.account)!
    const byAccount = await server.post('/v2/balance/getByAccount', { account: someBalance.account })
    const byAccountId = await server.post('/v2/balance/getByAccount', { account_id: someBalance.account })
    const both = await server.post('/v2/balance/getByAccount', { account: someBalance.account, account_id: other.account })
    for (const answer of [byAccount, byAccountId, both]) {
      expect(answer.body.data.balance.map((b: { _id: string }) => b._id)).toStrictEqual([someBalance._id])
    }
    const neither = await server.post('/v2/balance/getByAccount', { page: 1 })
    expect(neither.status).toBe(400)
    expect(neither.body.message).toBe('The request body needs "account" or "account_id"')
  })

  it('getById answers 404 for an unknown id', async () => {
    const answer = await server.post('/v2/balance/getById', { id: '000000000000000000000000' })
    expect(answer.status).toBe(404)
    expect([answer.headers['x-okra-emulator-error'], answer.body]).toStrictEqual(['OKRA_EMU_BALANCE_NOT_FOUND', { status: 'error', message: 'No balance found with id "000000000000000000000000"' }])
  })

  it('getByDate includes both whole UTC days', async () => {
    const day = someBalance.created_at.slice(0, 10)
    const expected = inOkraOrder(fixture.balances.filter((b) => b.created_at.slice(0, 10) === day)).map((b) => b._id)
    const answer = await server.post('/v2/balance/getByDate', { from: day, to: day, limit: 100 })
    expect(answer.body.data.balance.map((b: { _id: string }) => b._id)).toStrictEqual(expected)
    expect(answer.body.data.pagination.totalDocs).toBe(expected.length)
  })

  it('getByCustomerDate narrows a customer to a range of days', async () => {
    const from = bigCustomerBalances[5]!.created_at.slice(0, 10)
    const to = bigCustomerBalances[15]!.created_at.slice(0, 10)
    const expected = bigCustomerBalances.filter((b) => b.created_at.slice(0, 10) >= from && b.created_at.slice(0, 10) <= to).map((b) => b._id)
    const answer = await server.post('/v2/balance/getByCustomerDate', { customer: bigCustomer, from, to, limit: 100 })
    expect(answer.body.data.balance.map((b: { _id: string }) => b._id)).toStrictEqual(expected)
  })

  it('getByType matches amounts at or above the threshold, value or amount', async () => {
    const threshold = 100_000
    const ledger = inOkraOrder(fixture.balances.filter((b) => b.ledger_balance >= threshold)).map((b) => b._id)
    const available = inOkraOrder(fixture.balances.filter((b) => b.available_balance !== undefined && b.available_balance >= threshold)).map((b) => b._id)
    const byValue = await server.post('/v2/balance/getByType', { type: 'ledger_balance', value: threshold, limit: 100 })
    const byAmount = await server.post('/v2/balance/getByType', { type: 'available_balance', amount: String(threshold), limit: 100 })
    expect(byValue.body.data.balance.map((b: { _id: string }) => b._id)).toStrictEqual(ledger.slice(0, 100))
    expect(byAmount.body.data.balance.map((b: { _id: string }) => b._id)).toStrictEqual(available.slice(0, 100))
    const badType = await server.post('/v2/balance/getByType', { type: 'current_balance', value: 1 })
    expect(badType.body.message).toBe('Invalid field "type": must be "ledger_balance" or "available_balance"')
  })

  it('products/balances lists every balance in order', async () => {
    const answer = await server.post('/v2/products/balances', { limit: 5, page: 2 })
    expect(answer.body.data.balances.map((b: { _id: string }) => b._id)).toStrictEqual(inOkraOrder(fixture.balances).slice(5, 10).map((b) => b._id))
    expect(answer.body.data.pagination.totalDocs).toBe(fixture.balances.length)
  })

  it('takes filters from the query string of a POST, the body winning', async () => {
    const fromQuery = await server.send('POST', `/v2/balance/getByCustomer?customer=${bigCustomer}&page=2&limit=5`)
    expect(fromQuery.status).toBe(200)
    expect(fromQuery.body.data.pagination).toMatchObject({ page: 2, limit: 5 })
    const bodyWins = await server.post(`/v2/balance/getByCustomer?customer=${bigCustomer}&page=2`, { page: 3 })
    expect(bodyWins.body.data.pagination.page).toBe(3)
  })
})
