import { readFileSync } from 'node:fs'
import { request } from 'undici'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AdminError } from '../../src/client.js'
import type { FixtureFile } from '../../src/core/fixture.js'
import { TEST_CLOCK_START, startTestServer, type TestServer } from '../support/server.js'

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const failing = JSON.parse(readFileSync(new URL('../../fixtures/failing-banks.json', import.meta.url), 'utf8')) as FixtureFile
const account = fixture.balances.find((b) => b.available_balance !== undefined)!.account
const customer = fixture.accounts.find((a) => a._id === account)!.customer
const bigCustomer = fixture.customers[0]!._id

let server: TestServer
beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.close() })
beforeEach(async () => { await server.admin.reset() })

const refresh = async (accountId = account, token?: string) => (await server.post('/v2/balance/refresh', { account_id: accountId }, token === undefined ? {} : { token })).body.data.record as string
const poll = (record: string, method = 'BALANCE', token?: string) => server.get(`/v2/callback?record=${record}&method=${method}`, token === undefined ? {} : { token })

describe('reset, snapshot and restore', () => {
  it('reset forgets records, bank changes and the clock', async () => {
    const record = await refresh()
    await server.admin.addPosting(account, 1000)
    await server.admin.advance('1h')
    const view = await server.admin.reset()
    expect(view).toStrictEqual({
      clock: { now: TEST_CLOCK_START, mode: 'frozen' },
      scenario: null,
      fixtures: { customers: 40, accounts: 113, balances: 113 },
      snapshots: [],
      records: 0,
      faults: 0,
    })
    expect((await poll(record)).status).toBe(404)
    expect(await server.admin.addPosting(account, 0)).toStrictEqual(await server.admin.as('fresh-tenant').addPosting(account, 0))
  })

  it('restore brings back the state of the snapshot, clock included, and a missing name is a 404', async () => {
    const record = await refresh()
    await server.admin.snapshot('pending')
    await server.admin.advance('1m')
    expect((await poll(record)).status).toBe(200)
    const restored = await server.admin.restore('pending')
    expect(restored.clock.now).toBe(TEST_CLOCK_START)
    expect(restored.snapshots).toStrictEqual(['pending'])
    const again = await poll(record)
    expect([again.status, again.body.message]).toStrictEqual([200, 'Balance checking...'])
    expect(await server.admin.snapshots()).toStrictEqual(['pending'])
    const missing = await server.post('/__admin/snapshots/nope/restore', {})
    expect([missing.status, missing.headers['x-okra-emulator-error']]).toStrictEqual([404, 'OKRA_EMU_SNAPSHOT_NOT_FOUND'])
  })

  it('takes and restores a name of up to 100 characters, and refuses a longer one', async () => {
    const name = 'n'.repeat(100)
    await server.admin.snapshot(name)
    // Named snapshots outlive a reset, so earlier tests' names are there too.
    expect((await server.admin.restore(name)).snapshots.at(-1)).toBe(name)
    const long = await server.post('/__admin/snapshots', { name: 'n'.repeat(101) })
    expect([long.status, long.body.message]).toStrictEqual([400, 'Invalid field "name": must be a name of 1 to 100 characters'])
  })
})

describe('records control', () => {
  it('stall keeps a record running past its due time until it is completed', async () => {
    const record = await refresh()
    const stalled = await server.admin.stall(record)
    expect(stalled.policy).toStrictEqual({ kind: 'manual' })
    await server.admin.advance('1h')
    expect((await poll(record)).body.message).toBe('Balance checking...')
    expect((await server.admin.complete(record)).state).toBe('done')
    expect((await poll(record)).body.message).toBe('Succesfully fetched updated balance!')
    await expect(server.admin.stall(record)).rejects.toMatchObject({ status: 409 })
  })

  it('sets the live bank balance, which the next refresh fetches', async () => {
    expect(await server.admin.setBalance(account, { ledger_balance: 1234.5, available_balance: 1000 })).toStrictEqual({ ledger_balance: 1234.5, available_balance: 1000 })
    expect(await server.admin.addPosting(account, -34.5)).toStrictEqual({ ledger_balance: 1200, available_balance: 965.5 })
    const record = await refresh()
    await server.admin.advance('3s')
    const done = await poll(record)
    expect([done.body.data.balance.ledger_balance, done.body.data.balance.available_balance, done.body.data.balance_changed]).toStrictEqual([1200, 965.5, true])
  })
})

describe('scenarios', () => {
  it('loads a ready-made scenario by name into this tenant only', async () => {
    const view = await server.admin.scenario({ name: 'failing-banks' })
    expect([view.scenario, view.fixtures]).toStrictEqual(['failing-banks', { customers: 4, accounts: 8, balances: 8 }])
    const timedOut = await poll(await refresh(failing.accounts[0]!._id))
    expect([timedOut.status, timedOut.body.message]).toStrictEqual([503, 'Our data source has returned a timeout response. Please retry the request. '])
    const bankError = await poll(await refresh(failing.accounts[1]!._id))
    expect([bankError.status, bankError.body.message]).toStrictEqual([400, 'The bank is unavailable at the moment'])
    expect((await poll(await refresh(failing.accounts[2]!._id))).status).toBe(200)
    // Another tenant still reads the shared fixtures, where the scenario's accounts do not exist.
    expect((await server.post('/v2/balance/refresh', { account_id: failing.accounts[0]!._id }, { token: 'other' })).status).toBe(404)
  })

  it('loads an inline fixture document, and refuses an invalid one naming the path', async () => {
    const inline = { ...structuredClone(failing), accounts: failing.accounts.map(({ emulator: _none, ...a }) => a) }
    expect((await server.admin.scenario(inline)).scenario).toBe('inline')
    const page = await server.post('/v2/balance/getByCustomer', { customer: failing.customers[0]!._id })
    expect(page.body.data.pagination.totalDocs).toBe(failing.balances.filter((b) => failing.accounts.find((a) => a._id === b.account)!.customer === failing.customers[0]!._id).length)
    const broken = await server.post('/__admin/scenario', { ...inline, balances: [{ _id: 'x' }] })
    expect([broken.status, broken.headers['x-okra-emulator-error']]).toStrictEqual([400, 'OKRA_EMU_INVALID_SCENARIO'])
    expect(broken.body.message).toMatch(/^scenario: \$\.balances\[0\]/)
    const unknown = await server.post('/__admin/scenario', { name: 'no-such-thing' })
    expect([unknown.status, unknown.headers['x-okra-emulator-error']]).toStrictEqual([400, 'OKRA_EMU_INVALID_SCENARIO'])
    // The refused scenarios changed nothing: the inline one is still loaded.
    expect((await server.admin.reset()).scenario).toBeNull()
  })

  it('reads a fixture file through the client, and every ready-made scenario loads', async () => {
    const view = await server.admin.scenario(new URL('../../fixtures/no-available-balance.json', import.meta.url).pathname)
    expect(view.scenario).toBe('inline')
    const page = await server.post('/v2/products/balances', { limit: 100 })
    expect(page.body.data.balances.every((b: Record<string, unknown>) => !('available_balance' in b))).toBe(true)
    for (const name of ['default', 'empty', 'slow-banks', 'failing-banks', 'no-available-balance']) {
      expect((await server.admin.scenario({ name })).scenario).toBe(name)
    }
  })
})

describe('faults', () => {
  const lookup = (token?: string) => server.post('/v2/balance/getByCustomer', { customer: bigCustomer, limit: 1 }, token === undefined ? {} : { token })

  it('answers a given status and Okra error body, naming the rule in a header', async () => {
    const rule = await server.admin.addFault({ match: { route: 'balance/getByCustomer' }, action: { kind: 'error', status: 502 }, times: 1 })
    const faulted = await lookup()
    expect([faulted.status, faulted.headers['x-okra-emulator-fault'], faulted.headers['x-okra-emulator-error'], faulted.body]).toStrictEqual([502, rule.id, 'OKRA_EMU_FAULT_INJECTED', {
      status: 'error', message: `Failed by the emulator's fault rule ${rule.id}`, data: { fault: rule.id },
    }])
    expect((await lookup()).status).toBe(200)
    const shown = await server.admin.addFault({ action: { kind: 'error', status: 400, body: { status: 'error', message: 'Invalid customer' } } })
    expect(shown.action).toStrictEqual({ kind: 'error', status: 400, body: { status: 'error', message: 'Invalid customer' } })
    const custom = await lookup()
    expect([custom.status, custom.body]).toStrictEqual([400, { status: 'error', message: 'Invalid customer' }])
  })

  it('answers 429 with Retry-After: 60, and the documented 503 time-out', async () => {
    await server.admin.addFault({ match: { route: 'balance/getByCustomer' }, action: { kind: 'rate_limit' }, times: 1 })
    const limited = await lookup()
    expect([limited.status, limited.headers['retry-after'], limited.headers['x-okra-emulator-error'], limited.text])
      .toStrictEqual([429, '60', 'OKRA_EMU_RATE_LIMITED', '{"status":"error","message":"Too many requests. Please retry after 60 seconds"}'])
    await server.admin.addFault({ match: { account }, action: { kind: 'timeout' } })
    const timedOut = await server.post('/v2/balance/refresh', { account_id: account })
    // Byte for byte Okra's documented body, its trailing space included (okra-api.md §8.1).
    expect([timedOut.status, timedOut.headers['x-okra-emulator-error'], timedOut.text]).toStrictEqual([503, 'OKRA_EMU_BANK_TIMEOUT',
      '{"status":"error","message":"Our data source has returned a timeout response. Please retry the request. "}'])
    expect((await server.admin.records()).length).toBe(0)
  })

  it('adds latency in real time before the normal answer', async () => {
    await server.admin.addFault({ match: { customer: bigCustomer }, action: { kind: 'latency', ms: 120 } })
    const began = performance.now()
    const slow = await lookup()
    expect(performance.now() - began).toBeGreaterThanOrEqual(115)
    expect([slow.status, slow.body.data.balance.length]).toStrictEqual([200, 1])
  })

  it('closes the connection without answering', async () => {
    const rule = await server.admin.addFault({ match: { route: 'balance/getByCustomer' }, action: { kind: 'close' }, times: 1 })
    await expect(lookup()).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' })
    expect((await lookup()).status).toBe(200)
    const journal = await server.admin.requests({ fault: true })
    expect(journal.requests.map((e) => [e.status, e.fault])).toStrictEqual([[0, rule.id]])
  })

  it('fires on a seeded share of matches, the same requests after a reset', async () => {
    const pattern = async (): Promise<number[]> => {
      await server.admin.addFault({ match: { customer: bigCustomer }, action: { kind: 'rate_limit' }, share: 0.5, seed: 11 })
      const statuses: number[] = []
      for (let i = 0; i < 20; i++) statuses.push((await lookup()).status)
      return statuses
    }
    const first = await pattern()
    expect(first.filter((s) => s === 429).length).toBeGreaterThan(3)
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(3)
    await server.admin.reset()
    expect(await pattern()).toStrictEqual(first)
    const [rule] = await server.admin.faults()
    expect([rule!.matched, rule!.applied]).toStrictEqual([20, first.filter((s) => s === 429).length])
  })

  it('lists, removes and clears rules; another tenant is not affected', async () => {
    const a = await server.admin.addFault({ action: { kind: 'timeout' } })
    await server.admin.addFault({ action: { kind: 'rate_limit' } })
    expect((await lookup('someone-else')).status).toBe(200)
    expect((await server.admin.removeFault(a.id)).id).toBe(a.id)
    expect((await server.admin.faults()).map((f) => f.action.kind)).toStrictEqual(['rate_limit'])
    expect(await server.admin.clearFaults()).toBe(1)
    await expect(server.admin.removeFault(a.id)).rejects.toMatchObject({ status: 404 })
  })
})

describe('the request journal', () => {
  it('keeps method, path, body, status and time of each Okra request, filterable', async () => {
    await server.admin.advance('5s')
    const record = await refresh()
    await poll(record)
    await server.post('/v2/balance/getByAccount', { account: 12 })
    const all = await server.admin.requests()
    expect(all.count).toBe(3)
    expect(all.requests.map((e) => [e.method, e.path, e.route, e.status])).toStrictEqual([
      ['POST', '/v2/balance/refresh', 'balance/refresh', 200],
      ['GET', '/v2/callback', 'callback', 200],
      ['POST', '/v2/balance/getByAccount', 'balance/getByAccount', 400],
    ])
    expect(all.requests[0]).toMatchObject({ seq: 1, at: '2026-11-02T09:00:05.000Z', body: `{"account_id":"${account}"}`, bodyBytes: 41, account, customer, fault: null })
    expect(all.requests[1]!.query).toStrictEqual({ record, method: 'BALANCE' })
    expect((await server.admin.requests({ route: 'callback', account })).count).toBe(1)
    expect((await server.admin.requests({ status: 400 })).requests[0]!.body).toBe('{"account":12}')
    expect((await server.admin.requests({ method: 'POST', limit: 1 })).requests.map((e) => e.seq)).toStrictEqual([3])
    expect(await server.admin.clearRequests()).toBe(3)
    expect((await server.admin.requests()).count).toBe(0)
    // Only a body's first 4 KiB is kept, so the journal's bound also bounds its memory.
    const big = JSON.stringify({ customer, pad: 'x'.repeat(70_000) })
    await server.post('/v2/balance/getByCustomer', big)
    expect((await server.admin.requests()).requests[0]).toMatchObject({ body: big.slice(0, 4096), bodyBytes: big.length, customer })
  })

  it('is bounded at 1,000 entries per tenant and reports how many it dropped', async () => {
    for (let batch = 0; batch < 21; batch++) {
      await Promise.all(Array.from({ length: 50 }, () => server.post('/v2/balance/getByCustomer', { customer: bigCustomer, limit: 1 })))
    }
    const page = await server.admin.requests({ limit: 2 })
    expect([page.count, page.dropped, page.requests.map((e) => e.seq)]).toStrictEqual([1000, 50, [1049, 1050]])
    const bad = await server.get('/__admin/requests?limit=lots')
    expect([bad.status, bad.body.message]).toStrictEqual([400, 'Invalid field "limit": must be a whole number'])
  })
})

describe('two tenants side by side', () => {
  it('doing the same steps in parallel, each sees only its own records, clock and journal', async () => {
    const steps = async (token: string, advanceBy: string) => {
      const admin = server.admin.as(token)
      await admin.reset()
      const record = await refresh(account, token)
      await admin.advance(advanceBy)
      const done = await poll(record, 'BALANCE', token)
      return { admin, record, done }
    }
    const [a, b] = await Promise.all([steps('tenant-a', '3s'), steps('tenant-b', '1h')])
    expect(a.record).not.toBe(b.record)
    expect([a.done.status, b.done.status]).toStrictEqual([200, 200])
    expect((await a.admin.records()).map((r) => r.id)).toStrictEqual([a.record])
    expect((await b.admin.records()).map((r) => r.id)).toStrictEqual([b.record])
    expect((await a.admin.clock()).now).toBe('2026-11-02T09:00:03.000Z')
    expect((await b.admin.clock()).now).toBe('2026-11-02T10:00:00.000Z')
    for (const tenant of [a, b]) {
      const journal = await tenant.admin.requests()
      expect(journal.requests.map((e) => e.route)).toStrictEqual(['balance/refresh', 'callback'])
      expect(journal.requests[1]!.query.record).toBe(tenant.record)
    }
    expect((await poll(b.record, 'BALANCE', 'tenant-a')).status).toBe(404)
    expect((await poll(a.record, 'BALANCE', 'tenant-b')).status).toBe(404)
  })
})

describe('health and the admin token', () => {
  it('answers health without a bearer token', async () => {
    const health = await server.get('/__admin/health', { token: null })
    expect(health.status).toBe(200)
    expect(health.body.data).toMatchObject({ ready: true, fixtures: { customers: 40, accounts: 113, balances: 113 }, persistence: null })
  })

  it('with --admin-token, /__admin answers 401 without it and Okra routes are unaffected', async () => {
    const locked = await startTestServer({ adminToken: 's3cret' })
    try {
      for (const [method, path] of [['GET', '/__admin/health'], ['POST', '/__admin/reset'], ['GET', '/__admin/requests']] as const) {
        const refused = await locked.send(method, path, { headers: { 'x-admin-token': 'wrong' } })
        expect([refused.status, refused.headers['x-okra-emulator-error']]).toStrictEqual([401, 'OKRA_EMU_UNAUTHORIZED'])
        expect((await locked.send(method, path)).status).toBe(401)
      }
      expect((await locked.admin.health()).ready).toBe(true)
      await expect(locked.admin.as('x').reset()).resolves.toMatchObject({ records: 0 })
      const { statusCode } = await request(`${locked.url}/__admin/reset`, { method: 'POST', headers: { authorization: 'Bearer t' } })
      expect(statusCode).toBe(401)
      expect((await locked.post('/v2/balance/getByCustomer', { customer: bigCustomer })).status).toBe(200)
    } finally {
      await locked.close()
    }
  })

  it('the client throws AdminError with the status and Okra body of a refusal', async () => {
    const error = await server.admin.complete('nope').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AdminError)
    expect(error).toMatchObject({ status: 404, code: 'OKRA_EMU_RECORD_NOT_FOUND', body: { status: 'error', message: 'No record found with id "nope"' } })
  })
})
