import { createRequire } from 'node:module'
import { Balance, Sandbox } from 'okra-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../support/server.js'
import { fx } from './fixture-values.js'

// okra-node 0.2.0 and 0.1.17, Okra's own SDKs from npm, run unchanged but for their base URL, on every
// Balance route they have. Each gets its own token, so its own tenant.
let server: TestServer
beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.close() })

const ids = (list: Array<{ _id: string }>) => list.map((b) => b._id)
const NOT_FOUND = (route: string) => ({ status: 'error', message: `Route POST ${route} not found` })

describe('okra-node 0.2.0 (classes, env "sandbox": base /v2/sandbox/)', () => {
  const TOKEN = 'sk_test_okra_node_020'
  function sdk<T extends { apiBaseUrl: string }> (Client: new (secret: string, env: 'sandbox') => T): T {
    const client = new Client(TOKEN, 'sandbox')
    client.apiBaseUrl = `${server.url}/v2/sandbox/`
    return client
  }

  it('Balance.get({id}): getById, the envelope stripped', async () => {
    const got: any = await sdk(Balance).get({ id: fx.balance._id })
    expect([ids(got.balance), got.balance[0].ledger_balance, got.pagination.totalDocs]).toStrictEqual([[fx.balance._id], fx.balance.ledger_balance, 1])
  })

  it('Balance.get({account_id}): getByAccount with its page 1, limit 1', async () => {
    const got: any = await sdk(Balance).get({ account_id: fx.account })
    expect([ids(got.balance), got.pagination.limit, got.pagination.totalDocs]).toStrictEqual([fx.accountIds.slice(0, 1), 1, fx.accountIds.length])
  })

  it('Balance.get({type, value}): getByType with no page or limit, so ten, and nextPage() to the second ten', async () => {
    const got: any = await sdk(Balance).get({ type: 'ledger_balance', value: 2000 })
    expect([ids(got.balance), got.pagination.totalDocs]).toStrictEqual([fx.ledgerFrom2000Ids.slice(0, 10), fx.ledgerFrom2000Ids.length])
    const next: any = await got.nextPage()
    expect(ids(next.balance)).toStrictEqual(fx.ledgerFrom2000Ids.slice(10, 20))
  })

  it('Balance.get({customer, from, to}): getByCustomerDate, one a page, nextPage() then prevPage()', async () => {
    const got: any = await sdk(Balance).get({ customer: fx.customer, from: fx.from, to: fx.to })
    expect([ids(got.balance), got.pagination.totalDocs]).toStrictEqual([fx.customerDayIds.slice(0, 1), fx.customerDayIds.length])
    const second: any = await got.nextPage()
    expect(ids(second.balance)).toStrictEqual(fx.customerDayIds.slice(1, 2))
    expect(ids((await second.prevPage()).balance)).toStrictEqual(fx.customerDayIds.slice(0, 1))
  })

  it('Balance.get({customer}): getByCustomer, one a page', async () => {
    const got: any = await sdk(Balance).get({ customer: fx.customer })
    expect([ids(got.balance), got.pagination.totalPages, typeof got.nextPage, got.prevPage]).toStrictEqual([fx.customerIds.slice(0, 1), fx.customerIds.length, 'function', undefined])
  })

  it('Balance.get({from, to}) never reaches getByDate: the SDK\'s own dispatch throws first', async () => {
    await expect(sdk(Balance).get({ from: fx.from, to: fx.to })).rejects.toBe('Invalid parameters passed')
  })

  it('Balance.refresh and Balance.check: the record and where to poll it', async () => {
    const refresh: any = await sdk(Balance).refresh({ account_id: fx.account })
    expect(refresh).toStrictEqual({ callback_url: `${server.url}/v2/sandbox/callback?record=${refresh.record}&method=BALANCE`, record: refresh.record, method: 'BALANCE' })
    const check: any = await sdk(Balance).check({ account_id: fx.account, record_id: refresh.record })
    expect(check).toStrictEqual({ callback_url: `${server.url}/v2/sandbox/callback?record=${check.record}&method=CHECK_BALANCE`, record: check.record, method: 'CHECK_BALANCE' })
  })

  // awaitingRoutes: enhanced balance and the sandbox customers are being added; until then a 404.
  it('awaitingRoutes: Balance.enhanced posts to transactions/balance/process', async () => {
    await expect(sdk(Balance).enhanced({ account_id: fx.account, customer_id: fx.customer, from: fx.from, to: fx.to }))
      .rejects.toStrictEqual({ error_payload: NOT_FOUND('/v2/sandbox/transactions/balance/process'), http_error_code: 404 })
  })

  it('awaitingRoutes: Sandbox list, get, create and generate post to customers/*', async () => {
    const sandbox = sdk(Sandbox)
    const customer = { noOfAccount: 2, name: 'Ada Obi', bank: fx.bank, username: 'ada', password: 'secret', type: 'ind', volume: 'low', identity: 1, internetSpeed: 2 }
    const answers = [
      ['list', sandbox.getCustomers({})],
      ['get', sandbox.getCustomers({ customer: fx.customer })],
      ['create', sandbox.createCustomer(customer)],
      ['generate', sandbox.generateCustomers({ number: 2, create: true })],
    ] as const
    for (const [route, answer] of answers) {
      await expect(answer).rejects.toStrictEqual({ error_payload: NOT_FOUND(`/v2/sandbox/customers/${route}`), http_error_code: 404 })
    }
  })
})

type Callback = (error: unknown, result: unknown) => unknown
type Call01 = (token: string, options: object, callback: Callback) => Promise<{ error: unknown, result: any }>

describe('okra-node 0.1.17 (functions with callbacks, base /v2/)', () => {
  const TOKEN = 'sk_test_okra_node_0117'
  let sdk: Record<string, Call01>
  beforeAll(() => {
    // Its base URL is read once, when the module loads: point the config at the emulator first.
    const require = createRequire(import.meta.url)
    require('okra-node-0.1/dist/config/index.js').apiURL = `${server.url}/v2/`
    delete require.cache[require.resolve('okra-node-0.1/dist/index.js')]
    sdk = require('okra-node-0.1/dist/index.js')
  })
  const call = (name: string, options: object) => sdk[name]!(TOKEN, options, (error, result) => ({ error, result }))
  /** An axios rejection, as the 0.1 SDK lets it through. */
  const rejection = async (name: string, options: object) => {
    const error = await call(name, options).then(() => undefined, (e: { response: { status: number, data: unknown } }) => e)
    return [error?.response.status, error?.response.data]
  }

  it('getBalances: every balance under `balances`', async () => {
    const { error, result } = await call('getBalances', { page: 2, limit: 10 })
    expect([error, ids(result.balances), result.pagination.page]).toStrictEqual([null, fx.allIds.slice(10, 20), 2])
  })

  it('getBalanceById, getBalanceByCustomer, getBalanceByAccount: data.data', async () => {
    const byId = await call('getBalanceById', { id: fx.balance._id })
    expect([byId.error, ids(byId.result.balance)]).toStrictEqual([null, [fx.balance._id]])
    const byCustomer = await call('getBalanceByCustomer', { customer: fx.customer, page: 1, limit: 5 })
    expect(ids(byCustomer.result.balance)).toStrictEqual(fx.customerIds.slice(0, 5))
    const byAccount = await call('getBalanceByAccount', { account: fx.account, page: 1, limit: 1 })
    expect([ids(byAccount.result.balance), byAccount.result.pagination.totalDocs]).toStrictEqual([fx.accountIds.slice(0, 1), fx.accountIds.length])
  })

  it('getBalanceByDate and getBalanceByCustomerDate', async () => {
    const byDate = await call('getBalanceByDate', { from: fx.from, to: fx.to, page: 1, limit: 10 })
    expect(ids(byDate.result.balance)).toStrictEqual(fx.dayIds.slice(0, 10))
    const byCustomerDate = await call('getBalanceByCustomerDate', { customer: fx.customer, from: fx.from, to: fx.to, page: 1, limit: 10 })
    expect(ids(byCustomerDate.result.balance)).toStrictEqual(fx.customerDayIds.slice(0, 10))
  })

  it('getBalanceByType: the whole envelope (this one function does not strip it)', async () => {
    const { result } = await call('getBalanceByType', { type: 'ledger_balance', value: 2000, page: 1, limit: 10 })
    expect([result.status, result.message, ids(result.data.balance)]).toStrictEqual(['success', 'Balance retrieved succesfully', fx.ledgerFrom2000Ids.slice(0, 10)])
  })

  it('refreshBalance, checkBalance, then getRecordByMethod polls: pending, then the refreshed balance', async () => {
    const refresh = await call('refreshBalance', { account_id: fx.account })
    const record: string = refresh.result.record
    expect(refresh.result).toStrictEqual({ callback_url: `${server.url}/v2/callback?record=${record}&method=BALANCE`, record, method: 'BALANCE' })
    const check = await call('checkBalance', { account_id: fx.account, record_id: record })
    expect([check.error, check.result.method]).toStrictEqual([null, 'CHECK_BALANCE'])

    // Only `status: "success"` is an answer; a running record's callback repeats the refresh's own.
    expect(await call('getRecordByMethod', { record, method: 'BALANCE' })).toStrictEqual({ error: null, result: refresh.result })
    await server.admin.as(TOKEN).advance('3s')
    const done = await call('getRecordByMethod', { record, method: 'BALANCE' })
    expect([done.error, done.result.balance._id, done.result.balance.account._id]).toStrictEqual([null, fx.balance._id, fx.account])
  })

  it('awaitingRoutes: getBalanceByOptions and getPeriodicBalance answer 404 (axios rejects)', async () => {
    expect(await rejection('getBalanceByOptions', { options: { first_name: 'Ada', last_name: 'Obi' }, page: 1, limit: 10 }))
      .toStrictEqual([404, NOT_FOUND('/v2/balance/byOptions')])
    expect(await rejection('getPeriodicBalance', { record_id: fx.record, account_id: fx.account, currency: 'NGN' }))
      .toStrictEqual([404, NOT_FOUND('/v2/products/balance/periodic')])
  })

  it('getEnhancedBalance fails by its own URL: apiURL + "/transaction/balance/process" has a double slash and a singular "transaction"', async () => {
    expect(await rejection('getEnhancedBalance', { customer_id: fx.customer })).toStrictEqual([404, NOT_FOUND('/v2//transaction/balance/process')])
  })

  it('getRecords (every record of the company, not a Balance route) answers 404', async () => {
    expect(await rejection('getRecords', { page: 1, limit: 10 })).toStrictEqual([404, NOT_FOUND('/v2/products/records')])
  })
})
