import { readFileSync } from 'node:fs'
import { Balance } from 'okra-node'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FixtureFile } from '../../src/core/fixture.js'
import { startTestServer, type TestServer } from '../support/server.js'

// The default fixtures, with one customer linked with a tester_id as well and one account whose bank posts on a script.
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const TITILAYO = '65e0fb087fcd5c0200000000' // 25 accounts
const EFE = '66c9b72d7fcd5c0200000001' // "Efe Oluwatosin", 12 accounts
const EFE_LOLA = '69175d3e7fcd5c0200000016' // "Efe Lola Adegboye", another first name Efe
const ACCOUNT = '65e0fafe7fcd5c0300000000' // Titilayo's first: ledger 249.65, available 248.58, NGN
const SCRIPTED = fixture.accounts.find((a) => a.customer === TITILAYO && a._id !== ACCOUNT)!._id
fixture.customers.find((c) => c._id === EFE)!.options = { first_name: 'Efe', last_name: 'Oluwatosin', tester_id: 'tester-7' }
fixture.accounts.find((a) => a._id === SCRIPTED)!.emulator = { bank: [{ after: '1h', posting: -100.5 }, { after: '3d', posting: 40 }] }
const scriptedStart = fixture.balances.find((b) => b.account === SCRIPTED)!

let server: TestServer
let n = 0
/** A fresh token per test: its own tenant, its clock at 2026-11-02T09:00:00Z. */
const fresh = () => `routes-extra-${++n}`
beforeAll(async () => { server = await startTestServer({ fixtures: fixture }) })
afterAll(async () => { await server.close() })

const json = (token: string, extra: Record<string, string> = {}) => ({ token, headers: { 'content-type': 'application/json', ...extra } })
const customersOf = (body: any): string[] => [...new Set<string>(body.data.balance.map((b: any) => b.customer._id))]

describe('balance/byOptions', () => {
  it('okra_py: JSON {page, limit, options:{first_name, last_name}} on /sandbox/v1 answers that customer\'s balances', async () => {
    const tok = fresh()
    const answer = await server.send('POST', '/sandbox/v1/balance/byOptions', {
      ...json(tok),
      body: JSON.stringify({ page: 1, limit: 20, options: { first_name: 'Efe', last_name: 'Oluwatosin' } }),
    })
    expect(answer.status).toBe(200)
    expect(answer.body.status).toBe('success')
    expect(answer.body.message).toBe('Balance retrieved succesfully')
    expect(answer.body.data.pagination).toStrictEqual({ totalDocs: 12, limit: 20, hasPrevPage: false, hasNextPage: false, page: 1, totalPages: 1, pagingCounter: 1, prevPage: null, nextPage: null })
    expect(customersOf(answer.body)).toStrictEqual([EFE])
    // The widget options match on; they never show inside a balance.
    expect(answer.body.data.balance[0].customer).toStrictEqual({ _id: EFE, name: 'Efe Oluwatosin' })
  })

  it('OkraGo: page and limit as strings, "" for a name left empty, charset in the content type', async () => {
    const tok = fresh()
    const answer = await server.send('POST', '/v2/balance/byOptions', {
      ...json(tok, { 'content-type': 'application/json;charset=utf-8' }),
      body: '{"page":"2","limit":"10","options":{"first_name":"Efe","last_name":""}}',
    })
    expect(answer.status).toBe(200)
    // First name alone: both customers named Efe, 12 + 3 balances, page 2 of 2.
    expect(answer.body.data.pagination).toMatchObject({ totalDocs: 15, page: 2, totalPages: 2, hasPrevPage: true, prevPage: 1 })
    expect(answer.body.data.balance).toHaveLength(5)
    // In the stable order: Efe Oluwatosin linked first, so page 2 ends his twelve and holds Efe Lola's three.
    expect(customersOf(answer.body)).toStrictEqual([EFE, EFE_LOLA])
    const all = await server.send('POST', '/v2/balance/byOptions', { ...json(tok), body: '{"page":"","limit":"","options":{"first_name":"Efe"}}' })
    expect(all.body.data.pagination).toMatchObject({ totalDocs: 15, page: 1, limit: 10 })
    expect(customersOf(all.body)).toStrictEqual([EFE])
  })

  it('okra-node 0.1.2: options as JSON text in the query string of a form POST with an empty body', async () => {
    const tok = fresh()
    const query = `options=${encodeURIComponent(JSON.stringify({ first_name: 'Titilayo', last_name: 'Uchechi' }))}&page=3&limit=10`
    const answer = await server.send('POST', `/v2/balance/byOptions?${query}`, {
      token: tok, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' }, body: '',
    })
    expect(answer.status).toBe(200)
    // okra-node 0.1 hands the whole body to its callback when status is "success".
    expect(answer.body.status).toBe('success')
    expect(answer.body.data.pagination).toMatchObject({ totalDocs: 25, page: 3, hasNextPage: false })
    expect(customersOf(answer.body)).toStrictEqual([TITILAYO])
  })

  it('okra-node 0.1.2 test as written (firstname/lastname keys) answers an empty page: keys are matched exactly', async () => {
    const query = `options=${encodeURIComponent(JSON.stringify({ firstname: 'lanre', lastname: 'Ibraheem' }))}`
    const answer = await server.send('POST', `/v2/balance/byOptions?${query}`, { token: fresh(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })
    expect(answer.status).toBe(200)
    expect(answer.body.data.pagination.totalDocs).toBe(0)
    expect(answer.body.data.balance).toStrictEqual([])
  })

  it('gray-adeyi/pyokra and ibroraheem/okra-node: {"options":{"tester_id":...}} alone, on /v2/sandbox', async () => {
    const tok = fresh()
    const answer = await server.send('POST', '/v2/sandbox/balance/byOptions', {
      ...json(tok, { accept: 'application/json; charset=utf-8', 'user-agent': 'PyOkra 0.1.0' }),
      body: JSON.stringify({ options: { tester_id: 'tester-7' } }),
    })
    expect(answer.status).toBe(200)
    expect([answer.body.status, answer.body.message]).toStrictEqual(['success', 'Balance retrieved succesfully'])
    expect(answer.body.data.pagination).toMatchObject({ totalDocs: 12, limit: 10, totalPages: 2, nextPage: 2 })
    expect(customersOf(answer.body)).toStrictEqual([EFE])
  })

  it.each([
    ['{}', 'Missing required field "options"'],
    ['{"options":"Efe"}', 'Invalid field "options": must be an object of widget options, such as {"first_name":"Ada","last_name":"Obi"}'],
    ['{"options":{}}', 'Invalid field "options": must name at least one widget option'],
    ['{"options":{"first_name":""}}', 'Invalid field "options": must name at least one widget option'],
    ['{"options":{"first_name":"Efe"},"limit":0}', 'Invalid field "limit": must be a whole number of at least 1'],
  ])('refuses %s with a 400 naming the field, changing nothing', async (body, message) => {
    const tok = fresh()
    const answer = await server.send('POST', '/v2/balance/byOptions', { ...json(tok), body })
    expect(answer.status).toBe(400)
    expect(answer.body.status).toBe('error')
    expect(answer.body.message).toBe(message)
    const tenant = await server.get('/__admin/tenants', { token: tok })
    expect(tenant.body.data.tenants.find((t: { token: string }) => t.token === tok)).toBeUndefined()
  })
})

describe('products/balance/periodic', () => {
  async function completes (tok: string, started: any) {
    await server.post('/__admin/clock/advance', { by: '3s' }, { token: tok })
    const done = await request(started.body.data.callback_url, { headers: { authorization: `Bearer ${tok}` } })
    return await done.body.json() as any
  }

  it('okra_py: JSON {currency, record_id, account_id} on /sandbox/v1 starts a refresh whose callback gives the bank balance', async () => {
    const tok = fresh()
    await server.post(`/__admin/accounts/${ACCOUNT}/balance`, { posting: -49.65 }, { token: tok })
    const started = await server.send('POST', '/sandbox/v1/products/balance/periodic', {
      ...json(tok), body: JSON.stringify({ currency: 'NGN', record_id: '66d75b8b7fcd5c0500000001', account_id: ACCOUNT }),
    })
    expect(started.status).toBe(200)
    const { record } = started.body.data
    expect(started.body).toStrictEqual({
      status: 'success',
      message: 'Balance checking...',
      data: { callback_url: `${server.url}/sandbox/v1/callback?record=${record}&method=BALANCE`, record, method: 'BALANCE' },
    })
    const done = await completes(tok, started)
    expect(done.message).toBe('Succesfully fetched updated balance!')
    expect([done.data.balance.ledger_balance, done.data.balance.available_balance, done.data.balance_changed]).toStrictEqual([200, 198.93, true])
  })

  it('OkraGo: every genPayload key, the unused ones "", and it reads data.callback_url', async () => {
    const tok = fresh()
    const body = '{"page":"","limit":"","customer":"","customer_id":"","from":"","to":"","bank":"","id":"","account":"","type":"","amount":"",' +
      `"account_id":"${ACCOUNT}","record_id":"","currency":"NGN"}`
    const started = await server.send('POST', '/v2/products/balance/periodic', { ...json(tok, { 'content-type': 'application/json;charset=utf-8' }), body })
    expect(started.status).toBe(200)
    expect(typeof started.body.data.callback_url).toBe('string')
    expect(started.body.data.callback_url).toBe(`${server.url}/v2/callback?record=${started.body.data.record}&method=BALANCE`)
    expect((await completes(tok, started)).data.balance_changed).toBe(false)
  })

  it('okra-node 0.1 and okra-php: {account_id, record_id, currency} on /v2 and /v1; a running refresh is the same record', async () => {
    const tok = fresh()
    const refresh = await server.post('/v1/balance/refresh', { account_id: ACCOUNT }, { token: tok })
    const periodic = await server.send('POST', '/v1/products/balance/periodic', { ...json(tok), body: JSON.stringify({ account_id: ACCOUNT, record_id: 'r', currency: 'NGN' }) })
    expect(periodic.body.data.record).toBe(refresh.body.data.record)
  })

  it.each([
    ['{"record_id":"r","currency":"NGN"}', 400, 'Missing required field "account_id"'],
    ['{"account_id":"","record_id":"r"}', 400, 'Missing required field "account_id"'],
    ['{"account_id":"nope"}', 404, 'No account found with id "nope"'],
  ])('refuses %s, starting no record', async (body, status, message) => {
    const tok = fresh()
    const answer = await server.send('POST', '/v2/products/balance/periodic', { ...json(tok), body })
    expect([answer.status, answer.body.message]).toStrictEqual([status, message])
    expect((await server.get('/__admin/records', { token: tok })).body.data.records).toStrictEqual([])
  })
})

describe('enhanced balance', () => {
  const posting = (tok: string, account: string, amount: number) => server.post(`/__admin/accounts/${account}/balance`, { posting: amount }, { token: tok })
  const advance = (tok: string, by: string) => server.post('/__admin/clock/advance', { by }, { token: tok })

  it('okra-node 0.2 Balance.enhanced: {account_id, customer_id, from, to}, with nextPage() when there is one', async () => {
    const tok = fresh()
    for (let i = 1; i <= 11; i++) {
      await posting(tok, ACCOUNT, i % 2 === 0 ? 10.1 : -0.35)
      await advance(tok, '1h')
    }
    const balance = new Balance(tok, 'sandbox')
    balance.apiBaseUrl = `${server.url}/v2/sandbox/`
    const first = await balance.enhanced({ account_id: ACCOUNT, customer_id: TITILAYO, from: '2026-11-02', to: '2026-11-02' }) as any
    expect(first.pagination).toMatchObject({ totalDocs: 11, page: 1, totalPages: 2, hasNextPage: true })
    expect(first.balance[0]).toStrictEqual({ account: ACCOUNT, trans_date: '2026-11-02T09:00:00.000Z', credit: null, debit: 0.35, ledger_balance: 249.3, available_balance: 248.23, currency: 'NGN' })
    expect(first.balance[1]).toStrictEqual({ account: ACCOUNT, trans_date: '2026-11-02T10:00:00.000Z', credit: 10.1, debit: null, ledger_balance: 259.4, available_balance: 258.33, currency: 'NGN' })
    const second = await first.nextPage()
    // Six debits of 0.35 and five credits of 10.10: 249.65 - 2.10 + 50.50.
    expect(second.balance).toStrictEqual([{ account: ACCOUNT, trans_date: '2026-11-02T19:00:00.000Z', credit: null, debit: 0.35, ledger_balance: 298.05, available_balance: 296.98, currency: 'NGN' }])
  })

  it('okra-ruby enhanced_balance: {account_id, customer_id} to /balance/process, every posting so far, the fixture script included', async () => {
    const tok = fresh()
    await advance(tok, '2h')
    await posting(tok, SCRIPTED, 0.5)
    const answer = await server.send('POST', '/v2/sandbox/balance/process', { ...json(tok), body: JSON.stringify({ account_id: SCRIPTED, customer_id: TITILAYO }) })
    expect(answer.status).toBe(200)
    const ledger = scriptedStart.ledger_balance
    // The script's posting in 3 days has not happened yet.
    expect(answer.body.data.balance.map((e: any) => [e.trans_date, e.credit, e.debit, e.ledger_balance])).toStrictEqual([
      ['2026-11-02T10:00:00.000Z', null, 100.5, Math.round((ledger - 100.5) * 100) / 100],
      ['2026-11-02T11:00:00.000Z', 0.5, null, Math.round((ledger - 100) * 100) / 100],
    ])
  })

  it("a Python client's products/balance/process {page, limit, from, to, customer_id, account_id}; customer_id alone spans the customer's accounts", async () => {
    const tok = fresh()
    await posting(tok, ACCOUNT, -9.65)
    await advance(tok, '1d')
    await posting(tok, ACCOUNT, 1000)
    const body = { page: 1, limit: 5, from: '2026-11-03', to: '2026-11-03', customer_id: TITILAYO, account_id: ACCOUNT }
    const answer = await server.send('POST', '/sandbox/v2/products/balance/process', { ...json(tok), body: JSON.stringify(body) })
    // The day before counts toward the balance but is not listed.
    expect(answer.body.data.balance).toStrictEqual([{ account: ACCOUNT, trans_date: '2026-11-03T09:00:00.000Z', credit: 1000, debit: null, ledger_balance: 1240, available_balance: 1238.93, currency: 'NGN' }])
    const customer = await server.post('/v2/transactions/balance/process', { customer_id: TITILAYO }, { token: tok })
    expect(customer.body.data.balance.map((e: any) => [e.account, e.trans_date])).toStrictEqual([
      [ACCOUNT, '2026-11-02T09:00:00.000Z'], [SCRIPTED, '2026-11-02T10:00:00.000Z'], [ACCOUNT, '2026-11-03T09:00:00.000Z'],
    ])
  })

  it.each([
    ['{}', 'The request body needs "account_id" or "customer_id"'],
    [`{"account_id":"${ACCOUNT}","from":"2026-11-02"}`, 'Invalid field "to": must be a date written YYYY-MM-DD'],
    [`{"account_id":"${ACCOUNT}","from":"2026-11-03","to":"2026-11-02"}`, 'Invalid field "to": must be the same day as "from" or later'],
    [`{"account_id":"${ACCOUNT}","from":"2026-02-30","to":"2026-03-02"}`, 'Invalid field "from": is not a real calendar day'],
  ])('refuses %s with a 400 naming the field', async (body, message) => {
    const answer = await server.send('POST', '/v2/transactions/balance/process', { ...json(fresh()), body })
    expect([answer.status, answer.body.message]).toStrictEqual([400, message])
  })
})

describe('products/records/get', () => {
  it("okra-ruby product_records: {record_id} of a fixture record answers Okra's record object", async () => {
    const tok = fresh()
    const look = await server.post('/v2/balance/getByAccount', { account: ACCOUNT }, { token: tok })
    const recordId: string = look.body.data.balance[0].record[0]._id
    const bank = look.body.data.balance[0].account.bank
    const answer = await server.send('POST', '/v2/sandbox/products/records/get', { ...json(tok), body: JSON.stringify({ record_id: recordId }) })
    expect(answer.status).toBe(200)
    const created = new Date(Number.parseInt(recordId.slice(0, 8), 16) * 1000).toISOString()
    expect(answer.body).toStrictEqual({
      status: 'success',
      message: 'Records successfully sent!',
      data: {
        pagination: null,
        records: {
          _id: recordId,
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
          status: { transactions: { last_success_at: null, last_fail_at: null }, process: { completed: true, running: false } },
          products: [],
          billable_products: [],
          source: 'widget',
          limit: 24,
          currency: 'NGN',
          bank,
          customer: { _id: TITILAYO, name: 'Titilayo Uchechi' },
          env: 'production-sandbox',
          owner: fixture.owner,
          created_at: created,
          last_updated: created,
        },
      },
    })
  })

  it("follows a refresh record: running, then completed, with this tenant's dates; another tenant gets a 404", async () => {
    const tok = fresh()
    const started = await server.post('/v2/balance/refresh', { account_id: ACCOUNT }, { token: tok })
    const recordId = started.body.data.record
    const running = await server.post('/v2/products/records/get', { record_id: recordId }, { token: tok })
    expect(running.body.data.records).toMatchObject({ source: 'api', status: { process: { completed: false, running: true } }, created_at: '2026-11-02T09:00:00.000Z', last_updated: '2026-11-02T09:00:00.000Z' })
    await server.post('/__admin/clock/advance', { by: '3s' }, { token: tok })
    const done = await server.post('/v2/products/records/get', { record_id: recordId }, { token: tok })
    expect(done.body.data.records).toMatchObject({ status: { process: { completed: true, running: false } }, last_updated: '2026-11-02T09:00:03.000Z' })
    const other = await server.post('/v2/products/records/get', { record_id: recordId }, { token: fresh() })
    expect([other.status, other.body]).toStrictEqual([404, { status: 'error', message: `No record found with id "${recordId}"` }])
  })

  it.each([
    ['{}', 400, 'Missing required field "record_id"'],
    ['{"record_id":""}', 400, 'Missing required field "record_id"'],
    ['{"record_id":"ffffffffffffffffffffffff"}', 404, 'No record found with id "ffffffffffffffffffffffff"'],
  ])('refuses %s', async (body, status, message) => {
    const answer = await server.send('POST', '/v2/products/records/get', { ...json(fresh()), body })
    expect([answer.status, answer.body.message]).toStrictEqual([status, message])
  })
})
