import { readFileSync } from 'node:fs'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FixtureFile } from '../../src/core/fixture.js'
import { startTestServer, type TestServer } from '../support/server.js'

// Each test sends the bytes a real Okra client sends: its content type, key spellings, empty strings and query string.
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const customerOf = new Map(fixture.accounts.map((a) => [a._id, a.customer]))
const bigCustomer = fixture.customers[0]!._id
const firstOfBigCustomer = fixture.balances
  .filter((b) => customerOf.get(b.account) === bigCustomer)
  .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || (a._id < b._id ? -1 : 1))[0]!
const someBalance = fixture.balances[7]!

let server: TestServer
beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.close() })

interface Sent { path: string, headers?: Record<string, string>, body?: string }

async function send ({ path, headers = {}, body }: Sent) {
  const answer = await request(`${server.url}${path}`, { method: 'POST', headers: { authorization: 'Bearer sk_test_clients', ...headers }, body })
  const text = await answer.body.text()
  return { status: answer.statusCode, headers: answer.headers, text, json: JSON.parse(text) }
}

const JSON_TYPE = { 'content-type': 'application/json' }

/** The answer to the plain JSON request every client means, to compare the others with. */
async function reference (path: string, body: unknown) {
  return send({ path, headers: JSON_TYPE, body: JSON.stringify(body) })
}

describe('okra-node 0.1.2: filters in the query string of a form-encoded POST with an empty body', () => {
  const sdk01 = (query: string, headers: Record<string, string> = {}) => send({
    path: `/v2/balance/getByCustomer?${query}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0', ...headers },
    body: '',
  })

  it('answers the page the same filters in a JSON body get', async () => {
    const answer = await sdk01(`customer=${bigCustomer}&page=1&limit=1`)
    expect(answer.status).toBe(200)
    expect(answer.json.data.pagination).toStrictEqual({
      totalDocs: 25, limit: 1, hasPrevPage: false, hasNextPage: true, page: 1, totalPages: 25, pagingCounter: 1, prevPage: null, nextPage: 2,
    })
    expect(answer.json.data.balance.map((b: { _id: string }) => b._id)).toStrictEqual([firstOfBigCustomer._id])
    expect(answer.text).toBe((await reference('/v2/balance/getByCustomer', { customer: bigCustomer, page: 1, limit: 1 })).text)
  })

  it('reads a form-encoded body, the query merged under it', async () => {
    const answer = await send({
      path: '/v2/balance/getByCustomer?limit=5&page=2',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `customer=${bigCustomer}&limit=2&includePeriodic=false`,
    })
    expect(answer.status).toBe(200)
    expect([answer.json.data.pagination.page, answer.json.data.pagination.limit, answer.json.data.balance.length]).toStrictEqual([2, 2, 2])
    expect(answer.json.data.balance.some((b: object) => 'periodic' in b)).toBe(false)
  })

  it('takes an empty body whatever its content type, and still refuses a non-empty one it cannot read', async () => {
    const empty = await sdk01(`customer=${bigCustomer}&limit=3`, { 'content-type': 'application/xml' })
    expect([empty.status, empty.json.data.balance.length]).toStrictEqual([200, 3])
    const xml = await send({ path: '/v2/balance/getByCustomer', headers: { 'content-type': 'application/xml' }, body: '<customer/>' })
    const bare = await send({ path: '/v2/balance/getByCustomer', headers: { 'content-type': 'application/octet-stream' }, body: '' })
    expect([bare.status, bare.text]).toStrictEqual([400, '{"status":"error","message":"The request body needs \\"customer\\" or \\"id\\"","data":{"field":""}}'])
    expect([xml.status, xml.headers['x-okra-emulator-error'], xml.text]).toStrictEqual([415, 'OKRA_EMU_UNSUPPORTED_MEDIA_TYPE',
      '{"status":"error","message":"Send the request body as application/json or application/x-www-form-urlencoded"}'])
  })

  it('refuses a form body over 1 MiB with a 413', async () => {
    const answer = await send({ path: '/v2/balance/getByCustomer', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `customer=${'a'.repeat(1024 * 1024)}` })
    expect([answer.status, answer.text]).toStrictEqual([413, '{"status":"error","message":"The request body is larger than 1 MiB"}'])
  })

  it('names a field a form body gets wrong', async () => {
    const answer = await send({ path: '/v2/balance/getByCustomer', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `customer=${bigCustomer}&limit=zero` })
    expect([answer.status, answer.text]).toStrictEqual([400, '{"status":"error","message":"Invalid field \\"limit\\": must be a whole number of at least 1","data":{"field":"limit"}}'])
  })
})

describe('OkraGo: an empty string is a field not sent', () => {
  it('reads {"account":X,"account_id":"","page":"","limit":""} as {"account":X}', async () => {
    const body = { account: someBalance.account, account_id: '', page: '', limit: '' }
    const answer = await send({ path: '/v2/balance/getByAccount', headers: JSON_TYPE, body: JSON.stringify(body) })
    expect(answer.status).toBe(200)
    expect(answer.text).toBe((await reference('/v2/balance/getByAccount', { account: someBalance.account })).text)
    expect(answer.json.data.pagination.limit).toBe(10)
  })

  it('uses account_id when account is the empty one', async () => {
    const body = { account: '', account_id: someBalance.account }
    const answer = await send({ path: '/v2/balance/getByAccount', headers: JSON_TYPE, body: JSON.stringify(body) })
    expect(answer.text).toBe((await reference('/v2/balance/getByAccount', { account: someBalance.account })).text)
  })

  it('lets the query string show through an empty body field', async () => {
    const body = { customer: bigCustomer, limit: '' }
    const answer = await send({ path: '/v2/balance/getByCustomer?limit=4', headers: JSON_TYPE, body: JSON.stringify(body) })
    expect(answer.json.data.pagination.limit).toBe(4)
  })

  it('answers a missing field when the only value is empty', async () => {
    const body = { account_id: '' }
    const answer = await send({ path: '/v2/balance/refresh', headers: JSON_TYPE, body: JSON.stringify(body) })
    expect([answer.status, answer.headers['x-okra-emulator-error'], answer.text]).toStrictEqual([400, 'OKRA_EMU_INVALID_FIELD',
      '{"status":"error","message":"Missing required field \\"account_id\\"","data":{"field":"account_id"}}'])
  })
})

describe('pyokra: getByCustomer names the customer `id`', () => {
  it('answers the customer\'s balances, with pyokra\'s raw token and body', async () => {
    const body = { id: bigCustomer, includePeriodic: true, page: 1, limit: 5 }
    const answer = await send({ path: '/sandbox/v2/balance/getByCustomer', headers: { ...JSON_TYPE, authorization: 'sk_test_clients' }, body: JSON.stringify(body) })
    expect(answer.status).toBe(200)
    expect(answer.text).toBe((await reference('/sandbox/v2/balance/getByCustomer', { customer: bigCustomer, page: 1, limit: 5 })).text)
    expect(answer.json.data.pagination.totalDocs).toBe(25)
  })

  it('lets customer win when both are sent, and needs one of them', async () => {
    const both = { customer: bigCustomer, id: 'ffffffffffffffffffffffff', limit: 1 }
    expect((await send({ path: '/v2/balance/getByCustomer', headers: JSON_TYPE, body: JSON.stringify(both) })).json.data.pagination.totalDocs).toBe(25)
    const neither = { limit: 1 }
    const refused = await send({ path: '/v2/balance/getByCustomer', headers: JSON_TYPE, body: JSON.stringify(neither) })
    expect([refused.status, refused.text]).toStrictEqual([400, '{"status":"error","message":"The request body needs \\"customer\\" or \\"id\\"","data":{"field":""}}'])
  })
})

describe('pyokra\'s `id` as a customer, for fault rules and the journal', () => {
  it('matches a rule on that customer and journals it', async () => {
    const admin = server.admin.as('sk_test_pyokra')
    await admin.addFault({ match: { customer: bigCustomer }, action: { kind: 'error', status: 502 }, times: 1 })
    const body = JSON.stringify({ id: bigCustomer, includePeriodic: true, page: 1, limit: 5 })
    const answer = await send({ path: '/sandbox/v2/balance/getByCustomer', headers: { ...JSON_TYPE, authorization: 'sk_test_pyokra' }, body })
    expect([answer.status, answer.headers['x-okra-emulator-error']]).toStrictEqual([502, 'OKRA_EMU_FAULT_INJECTED'])
    expect((await admin.requests()).requests.map((e) => [e.status, e.customer])).toStrictEqual([[502, bigCustomer]])
  })
})

describe('errors in exactly Okra\'s envelope', () => {
  it('keeps the emulator\'s code out of every body, Okra routes and /__admin alike', async () => {
    const unknown = await send({ path: '/v2/balance/getEverything', headers: JSON_TYPE, body: '{}' })
    expect([unknown.status, unknown.headers['x-okra-emulator-error'], unknown.text])
      .toStrictEqual([404, 'OKRA_EMU_ROUTE_NOT_FOUND', '{"status":"error","message":"Route POST /v2/balance/getEverything not found"}'])
    const admin = await send({ path: '/__admin/records/nope/complete' })
    expect([admin.status, admin.headers['x-okra-emulator-error'], admin.text])
      .toStrictEqual([404, 'OKRA_EMU_RECORD_NOT_FOUND', '{"status":"error","message":"No record found with id \\"nope\\""}'])
  })

  it('answers a time-out fault with Okra\'s 503 body byte for byte, and a rate limit with a retry after 60 seconds', async () => {
    const admin = server.admin.as('sk_test_errors')
    await admin.addFault({ match: { route: 'balance/getByCustomer' }, action: { kind: 'timeout' }, times: 1 })
    await admin.addFault({ match: { route: 'balance/getByCustomer' }, action: { kind: 'rate_limit' }, times: 1 })
    const headers = { ...JSON_TYPE, authorization: 'Bearer sk_test_errors' }
    const timedOut = await send({ path: '/v2/balance/getByCustomer', headers, body: JSON.stringify({ customer: bigCustomer }) })
    expect([timedOut.status, timedOut.text])
      .toStrictEqual([503, '{"status":"error","message":"Our data source has returned a timeout response. Please retry the request. "}'])
    const limited = await send({ path: '/v2/balance/getByCustomer', headers, body: JSON.stringify({ customer: bigCustomer }) })
    expect([limited.status, limited.headers['retry-after'], limited.text])
      .toStrictEqual([429, '60', '{"status":"error","message":"Too many requests. Please retry after 60 seconds"}'])
  })
})
