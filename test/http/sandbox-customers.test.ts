import { Sandbox } from 'okra-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TENANT_LIMITS } from '../../src/core/tenant.js'
import { BANK_CATALOGUE } from '../../src/dataset/banks.js'
import { scratchDbPerTest } from '../support/db.js'
import { startTestServer, type TestServer } from '../support/server.js'

const [bankA, bankB] = BANK_CATALOGUE.map((entry) => entry.bank) as [typeof BANK_CATALOGUE[number]['bank'], typeof BANK_CATALOGUE[number]['bank']]
const cents = (n: number) => Math.round(n * 100) / 100

let server: TestServer
let token = 0
/** Each test takes a fresh token: a tenant with no sandbox customers and its clock at TEST_CLOCK_START. */
const fresh = () => `sandbox-${++token}`

beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.close() })

const create = (tok: string, body: unknown, prefix = '/v2') => server.post(`${prefix}/sandbox/customers/create`, body, { token: tok })
const list = async (tok: string) => (await server.post('/v2/sandbox/customers/list', {}, { token: tok })).body.data
const follow = (tok: string, url: string) => server.get(url.slice(server.url.length), { token: tok })

describe('sandbox/customers/create', () => {
  it('makes a customer whose account answers every balance look-up, refresh and check exactly like a fixture one', async () => {
    const tok = fresh()
    const made = await create(tok, [{ noOfAccount: 2, name: 'Austin Matthews', bank: bankA._id, username: 'test_username', password: 'test_password', type: 'ind', volume: 'medium', identity: 60, internetSpeed: 4 }])
    expect(made.status).toBe(200)
    const [customer] = made.body.data
    expect(customer).toMatchObject({
      noOfAccount: 2, name: 'Austin Matthews', bank: bankA._id, username: 'test_username', password: 'test_password', type: 'ind', volume: 'medium', identity: 60, internetSpeed: 4, created_at: '2026-11-02T09:00:00.000Z',
    })
    expect(customer._id).toMatch(/^[0-9a-f]{24}$/)
    const [account, second] = customer.accounts
    expect(customer.accounts).toHaveLength(2)
    expect(account).toStrictEqual({ _id: expect.stringMatching(/^[0-9a-f]{24}$/), name: 'AUSTIN MATTHEWS', nuban: expect.stringMatching(/^0[0-9]{9}$/), currency: 'NGN', balance: expect.any(String), available_balance: account.ledger_balance, ledger_balance: account.ledger_balance })
    expect(account.ledger_balance).toBeGreaterThanOrEqual(100_000)

    const byAccount = await server.post('/v2/balance/getByAccount', { account: account._id }, { token: tok })
    const [balance] = byAccount.body.data.balance
    expect(balance).toStrictEqual({
      _id: account.balance,
      account: { _id: account._id, bank: bankA, nuban: account.nuban, name: 'AUSTIN MATTHEWS' },
      __v: 0,
      available_balance: account.ledger_balance,
      created_at: '2026-11-02T09:00:00.000Z',
      currency: 'NGN',
      customer: { _id: customer._id, name: 'Austin Matthews' },
      env: 'production-sandbox',
      last_updated: '2026-11-02T09:00:00.000Z',
      ledger_balance: account.ledger_balance,
      owner: [expect.any(String)],
      record: [],
      connected: balance.owner,
      id: account.balance,
      periodic: {
        available_balance: [{ _id: expect.any(String), amount: account.ledger_balance, owner: balance.owner[0], last_updated: '2026-11-02T09:00:00.000Z' }],
        ledger_balance: [{ _id: expect.any(String), amount: account.ledger_balance, owner: balance.owner[0], last_updated: '2026-11-02T09:00:00.000Z' }],
      },
    })
    expect((await server.post('/v2/balance/getById', { id: account.balance }, { token: tok })).body.data.balance).toStrictEqual([balance])
    const byCustomer = await server.post('/v2/balance/getByCustomer', { customer: customer._id, includePeriodic: false }, { token: tok })
    expect(byCustomer.body.data.balance.map((b: { _id: string }) => b._id)).toStrictEqual([account.balance, second.balance])
    const today = await server.post('/v2/balance/getByDate', { from: '2026-11-02', to: '2026-11-02', includePeriodic: false }, { token: tok })
    expect(today.body.data.balance.map((b: { _id: string }) => b._id)).toStrictEqual([account.balance, second.balance])

    // Medium volume: the first refresh finds ₦50,000 credited, the second as much debited.
    const started = await server.post('/v2/balance/refresh', { account_id: account._id }, { token: tok })
    // Still running: Okra's own answer again, HTTP 200 (README "## Records").
    const running = await follow(tok, started.body.data.callback_url)
    expect(running.status).toBe(200)
    expect(running.body).toStrictEqual({ status: 'success', message: 'Balance checking...', data: started.body.data })
    await server.admin.as(tok).advance('3s')
    const done = await follow(tok, started.body.data.callback_url)
    expect(done.status).toBe(200)
    expect(done.body.data).toMatchObject({ balance_changed: true, last_checked: '2026-11-02T09:00:03.000Z', last_fetched: '2026-11-02T09:00:03.000Z' })
    expect(done.body.data.balance).toMatchObject({ _id: account.balance, ledger_balance: cents(account.ledger_balance + 50_000), available_balance: cents(account.ledger_balance + 50_000), last_updated: '2026-11-02T09:00:03.000Z' })
    expect(done.body.data.balance.record).toStrictEqual([{ _id: started.body.data.record, status: { process: { running: false, completed: true } } }])
    const check = await server.post('/v2/balance/check', { account_id: account._id }, { token: tok })
    await server.admin.as(tok).advance('3s')
    expect((await follow(tok, check.body.data.callback_url)).body.data).toStrictEqual({ balance_changed: false, last_checked: '2026-11-02T09:00:06.000Z', last_fetched: '2026-11-02T09:00:03.000Z' })
    await server.post('/v2/balance/refresh', { account_id: account._id }, { token: tok })
    await server.admin.as(tok).advance('3s')
    const again = await server.post('/v2/sandbox/customers/get', { customer: customer._id }, { token: tok })
    expect(again.body.data.accounts[0].ledger_balance).toBe(account.ledger_balance)
    const hooks = await server.post('/v2/balance/getByAccount', { account: account._id }, { token: tok })
    expect(hooks.body.data.balance[0].periodic.ledger_balance.map((e: { amount: number }) => e.amount)).toStrictEqual([account.ledger_balance, cents(account.ledger_balance + 50_000), account.ledger_balance])

    // Another token knows nothing of them.
    const other = fresh()
    expect((await server.post('/v2/balance/getByAccount', { account: account._id }, { token: other })).body.data.pagination.totalDocs).toBe(0)
    expect((await server.post('/v2/balance/refresh', { account_id: account._id }, { token: other })).status).toBe(404)
    expect((await server.post('/v2/sandbox/customers/get', { customer: customer._id }, { token: other })).status).toBe(404)
  })

  it('makes the same values on any fresh tenant: amounts and NUBANs come from the tenant\'s id counter', async () => {
    const [a, b] = [fresh(), fresh()]
    const one = (await create(a, { bank: bankA._id, noOfAccount: 3 })).body.data[0]
    const two = (await create(b, { bank: bankA._id, noOfAccount: 3 })).body.data[0]
    const values = (c: { accounts: Array<{ nuban: string, ledger_balance: number }> }) => c.accounts.map((x) => [x.nuban, x.ledger_balance])
    expect(values(two)).toStrictEqual(values(one))
    expect(two._id).not.toBe(one._id)
    expect(new Set(values(one).map(([nuban]) => nuban)).size).toBe(3)
  })

  it('times records by internetSpeed: 4 → 3 s, 3 → 30 s, 2 → 2 minutes', async () => {
    const tok = fresh()
    const made = (await create(tok, [2, 3, 4].map((internetSpeed) => ({ bank: bankA._id, internetSpeed })))).body.data
    const accounts: string[] = made.map((c: { accounts: Array<{ _id: string }> }) => c.accounts[0]!._id)
    for (const account of accounts) await server.post('/v2/balance/refresh', { account_id: account }, { token: tok })
    const due = (await server.admin.as(tok).records()).map((r) => [r.account, r.due_at])
    expect(due).toStrictEqual([
      [accounts[0], '2026-11-02T09:02:00.000Z'],
      [accounts[1], '2026-11-02T09:00:30.000Z'],
      [accounts[2], '2026-11-02T09:00:03.000Z'],
    ])
    expect((await server.admin.as(tok).advance('2999ms')).settled).toStrictEqual([])
    expect((await server.admin.as(tok).advance('1ms')).settled.map((r) => r.account)).toStrictEqual([accounts[2]])
    expect((await server.admin.as(tok).advance('27s')).settled.map((r) => r.account)).toStrictEqual([accounts[1]])
    expect((await server.admin.as(tok).advance('90s')).settled.map((r) => r.account)).toStrictEqual([accounts[0]])
  })

  it('moves balances by volume: ₦2,500 low, ₦50,000 medium, ₦1,000,000 high on a refresh', async () => {
    const tok = fresh()
    const made = (await create(tok, ['low', 'medium', 'high'].map((volume) => ({ bank: bankB._id, volume, internetSpeed: 4 })))).body.data
    const moved = []
    for (const customer of made) {
      const account = customer.accounts[0]
      await server.post('/v2/balance/refresh', { account_id: account._id }, { token: tok })
      await server.admin.as(tok).advance('3s')
      const after = (await server.post('/v2/balance/getByAccount', { account: account._id }, { token: tok })).body.data.balance[0].ledger_balance
      moved.push(cents(after - account.ledger_balance))
    }
    expect(moved).toStrictEqual([2_500, 50_000, 1_000_000])
    // Opening balances never below the posting: low from ₦10,000, medium ₦100,000, high ₦2,000,000.
    expect(made.map((c: { accounts: Array<{ ledger_balance: number }> }) => c.accounts[0]!.ledger_balance)).toStrictEqual([
      expect.toSatisfy((n: number) => n >= 10_000 && n < 100_000), expect.toSatisfy((n: number) => n >= 100_000 && n < 2_000_000), expect.toSatisfy((n: number) => n >= 2_000_000 && n < 50_000_000),
    ])
  })

  it('takes one customer as an object, a form, "" as absent, and the paths every client builds', async () => {
    const tok = fresh()
    expect((await create(tok, { bank: bankA._id, name: '', volume: '' })).body.data[0]).toMatchObject({ name: 'Sandbox Customer 1', volume: 'medium', noOfAccount: 1, type: 'ind', identity: 100, internetSpeed: 3, username: 'sandbox_user_1', password: 'sandbox_pass_1' })
    const form = await server.send('POST', '/v2/sandbox/customers/create', { token: tok, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `bank=${bankB._id}&noOfAccount=2&internetSpeed=2&identity=7&type=corp` })
    expect(form.body.data[0]).toMatchObject({ name: 'Sandbox Customer 2', bank: bankB._id, noOfAccount: 2, internetSpeed: 2, identity: 7, type: 'corp' })
    expect(form.body.data[0].accounts[0].name).toBe('SANDBOX CUSTOMER 2 LTD')
    // pyokra (gray-adeyi) puts sandbox/ after its sandbox base; okra-node and the Ruby client do not.
    expect((await create(tok, [{ bank: bankA._id, name: 'Py Okra', username: '' }], '/v2/sandbox')).body.data[0]).toMatchObject({ name: 'Py Okra', username: 'sandbox_user_3' })
    expect((await create(tok, [{ bank: bankA._id }], '/sandbox/v2')).status).toBe(200)
    expect((await list(tok)).pagination.totalDocs).toBe(4)
  })
})

describe('as every Okra route', () => {
  it('needs a token, answers fault rules before making anything, and is journalled', async () => {
    const tok = fresh()
    expect((await create(null as unknown as string, { bank: bankA._id })).status).toBe(401)
    await server.admin.as(tok).addFault({ match: { route: 'sandbox/customers/create' }, action: { kind: 'error', status: 503 }, times: 1 })
    expect((await create(tok, { bank: bankA._id })).status).toBe(503)
    expect((await list(tok)).pagination.totalDocs).toBe(0)
    expect((await create(tok, { bank: bankA._id }, '/v1')).status).toBe(200)
    const journal = await server.admin.as(tok).requests()
    expect(journal.requests.map((r) => [r.method, r.path, r.route, r.status, r.fault === null])).toStrictEqual([
      ['POST', '/v2/sandbox/customers/create', 'sandbox/customers/create', 503, false],
      ['POST', '/v2/sandbox/customers/list', 'sandbox/customers/list', 200, true],
      ['POST', '/v1/sandbox/customers/create', 'sandbox/customers/create', 200, true],
    ])
  })
})

describe('okra-node 0.2.0', () => {
  it('creates, generates, lists and gets sandbox customers through its Sandbox class unchanged', async () => {
    const tok = fresh()
    const sandbox = new Sandbox(tok, 'sandbox')
    sandbox.apiBaseUrl = `${server.url}/v2/sandbox/`
    // createCustomer requires all nine keys and sends one customer as an object.
    const created = await sandbox.createCustomer({ noOfAccount: 1, name: 'Austin Matthews', bank: bankA._id, username: 'test_username', password: 'test_password', type: 'ind', volume: 'high', identity: 60, internetSpeed: 4 }) as Array<{ _id: string, name: string }>
    expect(created.map((c) => c.name)).toStrictEqual(['Austin Matthews'])
    const generated = await sandbox.generateCustomers({ number: 2, create: true }) as Array<{ name: string }>
    expect(generated.map((c) => c.name)).toStrictEqual(['Sandbox Customer 2', 'Sandbox Customer 3'])
    // With no options it lists with its own defaults, page 1 and limit 1.
    const page = await sandbox.getCustomers({}) as { pagination: { totalDocs: number, limit: number }, customers: Array<{ _id: string }> }
    expect([page.pagination.totalDocs, page.pagination.limit, page.customers.map((c) => c._id)]).toStrictEqual([3, 1, [created[0]!._id]])
    expect(await sandbox.getCustomers({ customer: created[0]!._id })).toStrictEqual(created[0])
  })
})

describe('sandbox/customers/generate', () => {
  it('makes up to 10 customers with default settings, and refuses 11 naming the field', async () => {
    const tok = fresh()
    const ten = await server.post('/v2/sandbox/customers/generate', { number: 10, create: true }, { token: tok })
    expect(ten.status).toBe(200)
    expect(ten.body.data.map((c: { name: string, bank: string, noOfAccount: number }) => [c.name, c.bank, c.noOfAccount])).toStrictEqual(
      Array.from({ length: 10 }, (_, i) => [`Sandbox Customer ${i + 1}`, BANK_CATALOGUE[i % BANK_CATALOGUE.length]!.bank._id, 1]))
    const eleven = await server.post('/v2/sandbox/customers/generate', { number: 11, create: true }, { token: tok })
    expect([eleven.status, eleven.body]).toStrictEqual([400, { status: 'error', message: 'Invalid field "number": must be a whole number from 1 to 10', data: { field: 'number' } }])
    expect((await list(tok)).pagination.totalDocs).toBe(10)
    // pyokra sends only `create`: one customer.
    expect((await server.post('/v2/sandbox/customers/generate', { create: true }, { token: tok })).body.data.map((c: { name: string }) => c.name)).toStrictEqual(['Sandbox Customer 11'])
  })

  it('previews without making anything when create is false; the preview is what create takes', async () => {
    const tok = fresh()
    const preview = await server.post('/v2/sandbox/customers/generate', { number: '2', create: 'false' }, { token: tok })
    expect(preview.body.data).toStrictEqual([1, 2].map((n) => ({
      noOfAccount: 1, name: `Sandbox Customer ${n}`, bank: BANK_CATALOGUE[n - 1]!.bank._id, username: `sandbox_user_${n}`, password: `sandbox_pass_${n}`, type: 'ind', volume: 'medium', identity: 100, internetSpeed: 3,
    })))
    expect((await list(tok)).pagination.totalDocs).toBe(0)
    expect(server.app.tenants.isKept(server.app.tenants.get(tok))).toBe(false)
    const made = await create(tok, preview.body.data)
    expect(made.body.data.map((c: { name: string }) => c.name)).toStrictEqual(['Sandbox Customer 1', 'Sandbox Customer 2'])
  })
})

describe('validation', () => {
  const good = { noOfAccount: 1, name: 'A', bank: '', username: 'u', password: 'p', type: 'ind', volume: 'low', identity: 1, internetSpeed: 2 }
  const cases: Array<[string, unknown, string]> = [
    ['noOfAccount 0', { noOfAccount: 0 }, 'noOfAccount'],
    ['noOfAccount 6', { noOfAccount: 6 }, 'noOfAccount'],
    ['noOfAccount 1.5', { noOfAccount: 1.5 }, 'noOfAccount'],
    ['an unknown bank', { bank: 'not-a-bank' }, 'bank'],
    ['no bank', { bank: undefined }, 'bank'],
    ['type', { type: 'personal' }, 'type'],
    ['volume', { volume: 'huge' }, 'volume'],
    ['identity 0', { identity: 0 }, 'identity'],
    ['identity 101', { identity: '101' }, 'identity'],
    ['internetSpeed 1', { internetSpeed: 1 }, 'internetSpeed'],
    ['internetSpeed 5', { internetSpeed: '5' }, 'internetSpeed'],
    ['a name of 101 characters', { name: 'n'.repeat(101) }, 'name'],
    ['a password that is not a string', { password: 42 }, 'password'],
  ]
  it.each(cases)('refuses %s with a 400 naming the field, and makes nothing', async (_, change, field) => {
    const tok = fresh()
    const bad = { ...good, bank: bankA._id, ...change as object }
    // The bad entry second: the good first one is not made either.
    const answer = await create(tok, [{ ...good, bank: bankA._id }, bad])
    expect([answer.status, answer.body.data]).toStrictEqual([400, { field: `1.${field}` }])
    expect(answer.body.message).toContain(`"1.${field}"`)
    const single = await create(tok, bad)
    expect([single.status, single.body.data]).toStrictEqual([400, { field }])
    expect((await list(tok)).pagination.totalDocs).toBe(0)
    expect(server.app.tenants.isKept(server.app.tenants.get(tok))).toBe(false)
  })

  it('refuses an empty array, a body that is not a customer, and get without a customer', async () => {
    const tok = fresh()
    expect((await create(tok, [])).status).toBe(400)
    expect((await create(tok, [1])).body.data).toStrictEqual({ field: '0' })
    expect((await server.post('/v2/sandbox/customers/get', {}, { token: tok })).body).toStrictEqual({ status: 'error', message: 'Missing required field "customer"', data: { field: 'customer' } })
    expect((await server.post('/v2/sandbox/customers/generate', { create: 'maybe' }, { token: tok })).body.data).toStrictEqual({ field: 'create' })
    expect((await list(tok)).pagination.totalDocs).toBe(0)
  })

  it(`holds at most ${TENANT_LIMITS.sandboxCustomers} customers a tenant; past it 409 naming the limit, nothing made`, async () => {
    const tok = fresh()
    for (let i = 0; i < TENANT_LIMITS.sandboxCustomers / 10; i++) await server.post('/v2/sandbox/customers/generate', { number: 10 }, { token: tok })
    const past = await create(tok, { bank: bankA._id })
    expect([past.status, past.headers['x-okra-emulator-error'], past.body.data]).toStrictEqual([409, 'OKRA_EMU_LIMIT_REACHED', { limit: 'sandboxCustomers', max: TENANT_LIMITS.sandboxCustomers }])
    expect((await list(tok)).pagination.totalDocs).toBe(TENANT_LIMITS.sandboxCustomers)
  })
})

describe('sandbox/customers/list and get', () => {
  it('lists oldest first, paginated as okra-node asks, and gets one by id', async () => {
    const tok = fresh()
    const made = (await server.post('/v2/sandbox/customers/generate', { number: 3 }, { token: tok })).body.data
    const page = await server.post('/v2/sandbox/customers/list', { page: 2, limit: 1 }, { token: tok })
    expect(page.body.message).toBe('Sandbox customers retrieved')
    expect(page.body.data.pagination).toMatchObject({ totalDocs: 3, page: 2, limit: 1, totalPages: 3, prevPage: 1, nextPage: 3 })
    expect(page.body.data.customers).toStrictEqual([made[1]])
    // pyokra (gray-adeyi) lists with a JSON content type and no body.
    const empty = await server.send('POST', '/v2/sandbox/customers/list', { token: tok, headers: { 'content-type': 'application/json' }, body: '' })
    expect(empty.body.data.customers).toStrictEqual(made)
    expect((await server.post('/v2/sandbox/customers/get', { customer: made[2]._id }, { token: tok })).body.data).toStrictEqual(made[2])
    const fixture = await server.post('/v2/sandbox/customers/get', { customer: '65e0fb087fcd5c0200000000' }, { token: tok })
    expect([fixture.status, fixture.headers['x-okra-emulator-error']]).toStrictEqual([404, 'OKRA_EMU_CUSTOMER_NOT_FOUND'])
  })
})

describe('tenant state', () => {
  it('are removed by a reset, and kept by snapshots', async () => {
    const tok = fresh()
    const [customer] = (await create(tok, { bank: bankA._id })).body.data
    const account = customer.accounts[0]._id
    const accounts = await server.get('/__admin/accounts?page=12&limit=10', { token: tok })
    expect(accounts.body.data.accounts.at(-1)).toMatchObject({ account, customer: { _id: customer._id, name: 'Sandbox Customer 1' }, bank: bankA.name })
    await server.admin.as(tok).snapshot('with')
    const reset = await server.post('/__admin/reset', {}, { token: tok })
    expect(reset.body.data.fixtures).toStrictEqual({ customers: 40, accounts: 113, balances: 113 })
    expect((await server.post('/v2/balance/getByAccount', { account }, { token: tok })).body.data.pagination.totalDocs).toBe(0)
    expect((await server.post('/v2/sandbox/customers/get', { customer: customer._id }, { token: tok })).status).toBe(404)
    expect((await list(tok)).pagination.totalDocs).toBe(0)
    const restored = await server.post('/__admin/snapshots/with/restore', {}, { token: tok })
    expect(restored.body.data.fixtures).toStrictEqual({ customers: 41, accounts: 114, balances: 114 })
    expect((await server.post('/v2/balance/getByAccount', { account }, { token: tok })).body.data.balance[0].ledger_balance).toBe(customer.accounts[0].ledger_balance)
  })

  describe('--db', () => {
    let db = ''
    scratchDbPerTest('sandbox', (_, path) => { db = path })

    it('keeps them across a restart, refresh count and all', async () => {
      let restart = await startTestServer({ db })
      const [customer] = (await restart.post('/v2/sandbox/customers/create', { bank: bankA._id, volume: 'low', internetSpeed: 4 })).body.data
      const account = customer.accounts[0]
      await restart.post('/v2/balance/refresh', { account_id: account._id })
      await restart.admin.advance('3s')
      const before = restart.app.tenants.get('test-token').exportState()
      await restart.close()

      restart = await startTestServer({ db })
      try {
        expect(restart.app.tenants.get('test-token').exportState()).toStrictEqual(before)
        expect((await restart.post('/v2/sandbox/customers/get', { customer: customer._id })).body.data.accounts[0].ledger_balance).toBe(cents(account.ledger_balance + 2_500))
        // The second refresh after the restart is the debit.
        await restart.post('/v2/balance/refresh', { account_id: account._id })
        await restart.admin.advance('3s')
        expect((await restart.post('/v2/balance/getById', { id: account.balance })).body.data.balance[0].ledger_balance).toBe(account.ledger_balance)
        const next = (await restart.post('/v2/sandbox/customers/generate', {})).body.data[0]
        expect([next.name, next._id === customer._id]).toStrictEqual(['Sandbox Customer 2', false])
      } finally {
        await restart.close()
      }
    })
  })
})
