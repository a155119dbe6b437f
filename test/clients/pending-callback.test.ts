import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Balance } from 'okra-node'
import * as sdk from 'okra-node-0.1'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { FixtureFile } from '../../src/core/fixture.js'
import { startTestServer, type TestServer } from '../support/server.js'

/*
 * What each Node client of Okra makes of the callback while a record runs. Okra documents no answer
 * for it; the emulator repeats Okra's own "Balance checking..." answer with a 200 (by default), or
 * answers 202 `status: "pending"` when started with --pending-callback 202.
 */

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const ACCOUNT = '65e0fafe7fcd5c0300000000'
const balanceOf = fixture.balances.find((b) => b.account === ACCOUNT)!
const CHECKING = 'Balance checking...'

let okra: TestServer
let accepted: TestServer
beforeAll(async () => {
  [okra, accepted] = await Promise.all([startTestServer(), startTestServer({ pendingCallback: 202 })])
})
afterAll(async () => { await Promise.all([okra.close(), accepted.close()]) })

/** Each test its own token, so its own records and clock. */
let tokens = 0
const fresh = () => `sk_test_pending_${++tokens}`

describe('okra-node 0.2.0, unchanged', () => {
  // The SDK has no callback method; its own request path (GET with the query built its way, the
  // envelope stripped to `data`, any non-2xx thrown) is what a poll through it does.
  interface Wrapper { requestHanlder (method: string, url: string, options: Record<string, unknown>, secret: string): Promise<any> }
  const sdk = (server: TestServer, secret: string) => {
    const balance = new Balance(secret, 'sandbox')
    balance.apiBaseUrl = `${server.url}/v2/sandbox/`
    const poll = (record: string, method: string) =>
      (balance as unknown as { reqWrapper: Wrapper }).reqWrapper.requestHanlder('GET', `${balance.apiBaseUrl}callback`, { record, method }, secret)
    return { balance, poll }
  }

  it('reads the running record\'s answer as the refresh\'s own data, then the result', async () => {
    const secret = fresh()
    const { balance, poll } = sdk(okra, secret)
    const started: any = await balance.refresh({ account_id: ACCOUNT })
    expect(started).toStrictEqual({
      callback_url: `${okra.url}/v2/sandbox/callback?record=${started.record}&method=BALANCE`, record: started.record, method: 'BALANCE',
    })
    expect(await poll(started.record, 'BALANCE')).toStrictEqual(started)
    await okra.admin.as(secret).advance('3s')
    const done = await poll(started.record, 'BALANCE')
    expect([done.balance._id, done.balance.ledger_balance, done.balance_changed, done.last_checked, done.last_fetched])
      .toStrictEqual([balanceOf._id, balanceOf.ledger_balance, false, '2026-11-02T09:00:03.000Z', '2026-11-02T09:00:03.000Z'])
  })

  it('reads a check the same way, and a 202 too, since axios takes any 2xx', async () => {
    const secret = fresh()
    const { balance, poll } = sdk(accepted, secret)
    const started: any = await balance.check({ account_id: ACCOUNT, record_id: 'anything' })
    expect(await poll(started.record, 'CHECK_BALANCE')).toStrictEqual({ record: started.record, method: 'CHECK_BALANCE', callback_url: started.callback_url })
    await accepted.admin.as(secret).advance('3s')
    expect(await poll(started.record, 'CHECK_BALANCE')).toStrictEqual({ balance_changed: false, last_checked: '2026-11-02T09:00:03.000Z', last_fetched: balanceOf.last_updated })
  })
})

describe('okra-node 0.1.17, unchanged', () => {
  interface AxiosLike { interceptors: { request: { use (f: (config: { url: string }) => unknown): number, eject (id: number): void } } }
  // The SDK posts to Okra's host, fixed when it loads; its own axios is pointed at a server instead.
  const axios = createRequire(createRequire(import.meta.url).resolve('okra-node-0.1'))('axios') as AxiosLike
  let target: TestServer
  let interceptor: number
  beforeAll(() => {
    interceptor = axios.interceptors.request.use((config) => {
      config.url = config.url.replace(/^https:\/\/(dev-)?api\.okra\.ng\/v2\//, `${target.url}/v2/`)
      return config
    })
    // refreshBalance logs every answer with console.log.
    vi.spyOn(console, 'log').mockImplementation(() => {})
  })
  afterAll(() => {
    axios.interceptors.request.eject(interceptor)
    vi.restoreAllMocks()
  })
  /** The node-style callback's two arguments, as the SDK hands them over. */
  const collect = (error: unknown, result: unknown) => ({ error, result })

  it('hands getRecordByMethod\'s callback the running record, then the result', async () => {
    target = okra
    const secret = fresh()
    const started = await sdk.refreshBalance(secret, { account_id: ACCOUNT }, collect) as { error: null, result: { record: string } }
    const { record } = started.result
    expect(started).toStrictEqual({ error: null, result: { callback_url: `${okra.url}/v2/callback?record=${record}&method=BALANCE`, record, method: 'BALANCE' } })
    expect(await sdk.getRecordByMethod(secret, { record, method: 'BALANCE' }, collect)).toStrictEqual(started)
    await okra.admin.as(secret).advance('3s')
    const done = await sdk.getRecordByMethod(secret, { record, method: 'BALANCE' }, collect) as { error: null, result: any }
    expect([done.error, done.result.balance._id, done.result.balance_changed]).toStrictEqual([null, balanceOf._id, false])
  })

  it('hands it nothing at all for a 202 "pending": the reason 202 is not the default', async () => {
    target = accepted
    const secret = fresh()
    const started = await sdk.checkBalance(secret, { account_id: ACCOUNT, record_id: 'x' }, collect) as { result: { record: string } }
    // `status` is not "success", so the SDK passes on the body's `msg`, which Okra's bodies never had.
    expect(await sdk.getRecordByMethod(secret, { record: started.result.record, method: 'CHECK_BALANCE' }, collect)).toStrictEqual({ error: undefined, result: null })
  })
})

describe('okra-node 0.1.2 (okraHQ/okra-node 05c36a5), its request and reading written out', () => {
  // getRecordByMethod: axios 0.19 GET `${apiURL}callback` with `params: {record, method}` on the v1 base,
  // then `status === "success"` ? callback(null, data) : callback(msg, null); a non-2xx rejects.
  async function getRecordByMethod (server: TestServer, secret: string, record: string, method: string) {
    const answer = await request(`${server.url}/v1/callback?record=${record}&method=${method}`, {
      headers: { accept: 'application/json, text/plain, */*', authorization: `Bearer ${secret}`, 'user-agent': 'axios/0.19.0' },
    })
    const body = await answer.body.json() as { status: string, data: unknown, msg?: unknown }
    if (answer.statusCode < 200 || answer.statusCode >= 300) throw new Error(`axios rejects ${answer.statusCode}`)
    return body.status === 'success' ? { error: null, result: body.data } : { error: body.msg, result: null }
  }

  it('gets the running record\'s data by default and nothing from a 202', async () => {
    const secret = fresh()
    const started = await okra.post('/v1/balance/refresh', { account_id: ACCOUNT }, { token: secret })
    expect(await getRecordByMethod(okra, secret, started.body.data.record, 'BALANCE')).toStrictEqual({ error: null, result: started.body.data })
    const other = await accepted.post('/v1/balance/refresh', { account_id: ACCOUNT }, { token: secret })
    expect(await getRecordByMethod(accepted, secret, other.body.data.record, 'BALANCE')).toStrictEqual({ error: undefined, result: null })
  })
})

describe('ibroraheem/okra-node, its request and reading written out', () => {
  // balanceCheck: axios 1.x POST `${baseUrl}/balance/check` with these headers and {account_id, record_id};
  // it returns the whole body and throws on a non-2xx. It has no poll: its user GETs callback_url the same way.
  const headers = (secret: string) => ({ accept: 'application/json; charset=utf-8', 'content-type': 'application/json', authorization: `Bearer ${secret}` })
  async function send (url: string, secret: string, body?: object) {
    const answer = await request(url, { method: body === undefined ? 'GET' : 'POST', headers: headers(secret), body: body === undefined ? undefined : JSON.stringify(body) })
    const parsed = await answer.body.json()
    if (answer.statusCode < 200 || answer.statusCode >= 300) throw new Error(`axios rejects ${answer.statusCode}`)
    return parsed as { status: string, message: string, data: any }
  }

  it('reads a success envelope while the record runs, and the check\'s result when done', async () => {
    const secret = fresh()
    const started = await send(`${okra.url}/v2/balance/check`, secret, { account_id: ACCOUNT, record_id: 'r' })
    expect(await send(started.data.callback_url, secret)).toStrictEqual(started)
    expect(started.message).toBe(CHECKING)
    await okra.admin.as(secret).advance('3s')
    expect(await send(started.data.callback_url, secret)).toStrictEqual({
      status: 'success', message: 'Successfully checked balance', data: { balance_changed: false, last_checked: '2026-11-02T09:00:03.000Z', last_fetched: balanceOf.last_updated },
    })
  })
})
