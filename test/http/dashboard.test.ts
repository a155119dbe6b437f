import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, TEST_CLOCK_START, type TestServer } from '../support/server.js'

const ACCOUNT = '65e0fafe7fcd5c0300000000'

describe('GET /__admin/tenants', () => {
  let server: TestServer
  beforeAll(async () => { server = await startTestServer() })
  afterAll(async () => { await server.close() })

  it('lists every tenant with its full token, a label and what it holds; needs no bearer token', async () => {
    expect((await server.get('/__admin/tenants', { token: null })).body.data).toStrictEqual({ total: 0, tenants: [] })
    const long = 'test-file:///work/app/test/balance-refresh.test.ts'
    await server.post('/v2/balance/refresh', { account_id: ACCOUNT }, { token: 'alpha' })
    await server.post('/v2/balance/getByAccount', { account: ACCOUNT }, { token: 'alpha' })
    await server.post('/__admin/faults', { action: { kind: 'timeout' } }, { token: 'alpha' })
    await server.post('/__admin/snapshots', { name: 'ready' }, { token: 'alpha' })
    await server.post('/__admin/clock/resume', {}, { token: long })

    const answer = await server.get('/__admin/tenants', { token: null })
    expect(answer.status).toBe(200)
    expect(answer.body.data.total).toBe(2)
    const [alpha, other] = answer.body.data.tenants
    expect(alpha).toStrictEqual({
      token: 'alpha',
      label: 'alpha',
      clock: { now: TEST_CLOCK_START, mode: 'frozen' },
      scenario: null,
      records: { running: 1, total: 1 },
      faults: 1,
      webhooks: { pending: 0, total: 0 },
      requests: 2,
      snapshots: 1,
    })
    expect(other.token).toBe(long)
    expect(other.label).toBe('test-fil…resh.test.ts')
    expect(other.clock.mode).toBe('running')
  })

  it('lists the newest 100 and counts them all', async () => {
    // Only a tenant that changed something is kept: a reset is the least change.
    for (let i = 0; i < 105; i++) await server.post('/__admin/reset', {}, { token: `bulk-${i}` })
    const { total, tenants } = (await server.get('/__admin/tenants', { token: null })).body.data
    expect(total).toBe(107)
    expect(tenants).toHaveLength(100)
    expect(tenants[0].token).toBe('bulk-5')
    expect(tenants[99].token).toBe('bulk-104')
  })
})

describe('GET /__admin/accounts', () => {
  let server: TestServer
  beforeAll(async () => { server = await startTestServer() })
  afterAll(async () => { await server.close() })

  const accountOf = async (token: string) => {
    const { accounts } = (await server.get('/__admin/accounts?limit=100&page=1', { token })).body.data
    return accounts.find((a: { account: string }) => a.account === ACCOUNT)
  }

  it('pages through the accounts in the look-ups\' order', async () => {
    const page = (await server.get('/__admin/accounts?page=2&limit=3')).body.data
    expect(page.pagination).toMatchObject({ totalDocs: 113, page: 2, limit: 3, totalPages: 38 })
    const okra = (await server.post('/v2/products/balances', { page: 2, limit: 3, includePeriodic: false })).body.data.balances
    expect(page.accounts.map((a: { balance: string }) => a.balance)).toStrictEqual(okra.map((b: { _id: string }) => b._id))
    expect(page.accounts[0]).toStrictEqual({
      account: okra[0].account._id,
      name: okra[0].account.name,
      nuban: okra[0].account.nuban,
      bank: okra[0].account.bank.name,
      currency: okra[0].currency,
      customer: okra[0].customer,
      balance: okra[0]._id,
      okra: { ledger_balance: okra[0].ledger_balance, available_balance: okra[0].available_balance },
      live: { ledger_balance: okra[0].ledger_balance, available_balance: okra[0].available_balance },
    })
  })

  it('shows the bank\'s live balance apart from Okra\'s until a refresh fetches it', async () => {
    const before = await accountOf('live')
    await server.post(`/__admin/accounts/${ACCOUNT}/balance`, { posting: -500 }, { token: 'live' })
    const moved = await accountOf('live')
    expect(moved.okra).toStrictEqual(before.okra)
    expect(moved.live.ledger_balance).toBe(before.live.ledger_balance - 500)
    // Another tenant's bank has not moved.
    expect((await accountOf('someone-else')).live).toStrictEqual(before.live)

    await server.post('/v2/balance/refresh', { account_id: ACCOUNT }, { token: 'live' })
    await server.post('/__admin/clock/advance', { by: '3s' }, { token: 'live' })
    const fetched = await accountOf('live')
    expect(fetched.okra).toStrictEqual(moved.live)
    expect(fetched.live).toStrictEqual(moved.live)
  })

  it('refuses a page or limit that is not a whole number, naming it', async () => {
    const page = await server.get('/__admin/accounts?page=0')
    expect(page.status).toBe(400)
    expect(page.body.data).toStrictEqual({ field: 'page' })
    const limit = await server.get('/__admin/accounts?limit=ten')
    expect(limit.status).toBe(400)
    expect(limit.body.data).toStrictEqual({ field: 'limit' })
  })
})

describe('the dashboard\'s files', () => {
  let server: TestServer
  beforeAll(async () => { server = await startTestServer({ adminToken: 'sesame' }) })
  afterAll(async () => { await server.close() })

  it('answers a browser at / with the page, and any other client with Okra\'s 404', async () => {
    const page = await server.get('/', { token: null, headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers.vary).toBe('Accept')
    expect(page.text).toContain('<script type="module" src="/__admin/ui/dashboard.js"></script>')

    const api = await server.get('/', { headers: { accept: 'application/json' } })
    expect(api.status).toBe(404)
    expect([api.headers['x-okra-emulator-error'], api.body]).toStrictEqual(['OKRA_EMU_ROUTE_NOT_FOUND', { status: 'error', message: 'Route GET / not found' }])
    const posted = await server.post('/', {}, { headers: { accept: 'text/html' } })
    expect(posted.status).toBe(404)
    expect([posted.headers['x-okra-emulator-error'], posted.body]).toStrictEqual(['OKRA_EMU_ROUTE_NOT_FOUND', { status: 'error', message: 'Route POST / not found' }])
    expect((await server.send('OPTIONS', '/', { token: null })).status).toBe(204)
  })

  it('serves the page and its files without the admin token, which guards the data', async () => {
    const page = await server.get('/__admin/ui', { token: null })
    expect(page.status).toBe(200)
    expect(page.text).toBe((await server.get('/', { token: null, headers: { accept: 'text/html' } })).text)
    const script = await server.get('/__admin/ui/dashboard.js', { token: null })
    expect(script.status).toBe(200)
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(script.text).toContain("'x-admin-token'")
    expect((await server.get('/__admin/ui/dashboard.css', { token: null })).headers['content-type']).toBe('text/css; charset=utf-8')
    for (const missing of ['index.html', 'constructor', '..%2Fapp.ts', 'nope.js']) {
      expect((await server.get(`/__admin/ui/${missing}`, { token: null })).status).toBe(404)
    }
    expect((await server.get('/__admin/tenants', { token: null })).status).toBe(401)
    expect((await server.get('/__admin/tenants', { token: null, headers: { 'x-admin-token': 'sesame' } })).status).toBe(200)
  })
})
