import { readFileSync } from 'node:fs'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FixtureFile } from '../../src/core/fixture.js'
import { startTestServer, TEST_CLOCK_START, type TestServer } from '../support/server.js'

const base = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const fixture = structuredClone(base)
const plain = fixture.balances.filter((b) => b.available_balance !== undefined)
const [steady, timesOut, bankError, needsPolls, scripted] = plain.map((b) => b.account) as [string, string, string, string, string]
const steadyBalance = plain[0]!
const behave = (account: string, emulator: FixtureFile['accounts'][number]['emulator']) => {
  fixture.accounts.find((a) => a._id === account)!.emulator = emulator
}
behave(timesOut, { outcome: { kind: 'timeout' } })
behave(bankError, { outcome: { kind: 'bank_error', message: 'The bank rejected the login' } })
behave(needsPolls, { policy: { kind: 'polls', polls: 2 } })
behave(scripted, { policy: { kind: 'manual' } })

let server: TestServer
let token = 0
/** Each test takes a fresh token, and so a fresh sandbox with its clock at TEST_CLOCK_START. */
const fresh = () => `records-${++token}`

beforeAll(async () => { server = await startTestServer({ fixtures: fixture }) })
afterAll(async () => { await server.close() })

const advance = (tok: string, by: string) => server.post('/__admin/clock/advance', { by }, { token: tok })
/** Follows a callback_url exactly as given, as a client would. */
async function follow (callbackUrl: string, tok: string) {
  const response = await request(callbackUrl, { headers: { authorization: `Bearer ${tok}` } })
  return { status: response.statusCode, headers: response.headers, body: await response.body.json() as any }
}

describe('refresh', () => {
  it('answers at once, is pending until the clock passes its delay, then gives the new balance', async () => {
    const tok = fresh()
    await server.post(`/__admin/accounts/${steady}/balance`, { posting: -1250.75 }, { token: tok })
    const started = await server.post('/v2/balance/refresh', { account_id: steady }, { token: tok })
    expect(started.status).toBe(200)
    const { record, callback_url: callbackUrl } = started.body.data
    expect(started.body).toStrictEqual({
      status: 'success',
      message: 'Balance checking...',
      data: { callback_url: `${server.url}/v2/callback?record=${record}&method=BALANCE`, record, method: 'BALANCE' },
    })
    expect(record).toMatch(/^[0-9a-f]{24}$/)

    // Still running: Okra's own answer to the refresh, again (the emulator's choice: Okra documents none).
    const pending = await follow(callbackUrl, tok)
    expect(pending.status).toBe(200)
    expect(pending.headers['retry-after']).toBe('3')
    expect(pending.body).toStrictEqual(started.body)

    const moved = await advance(tok, '3s')
    expect(moved.body.data.now).toBe('2026-11-02T09:00:03.000Z')
    expect(moved.body.data.settled.map((r: { id: string, state: string }) => [r.id, r.state])).toStrictEqual([[record, 'done']])

    const done = await follow(callbackUrl, tok)
    expect(done.status).toBe(200)
    expect(done.body.message).toBe('Succesfully fetched updated balance!')
    const cents = (n: number) => Math.round(n * 100) / 100
    expect(done.body.data).toMatchObject({
      balance_changed: true, last_checked: '2026-11-02T09:00:03.000Z', last_fetched: '2026-11-02T09:00:03.000Z',
    })
    expect(Object.keys(done.body.data)).toStrictEqual(['balance', 'balance_changed', 'last_checked', 'last_fetched'])
    expect(done.body.data.balance).toMatchObject({
      _id: steadyBalance._id,
      ledger_balance: cents(steadyBalance.ledger_balance - 1250.75),
      available_balance: cents(steadyBalance.available_balance! - 1250.75),
      last_updated: '2026-11-02T09:00:03.000Z',
    })
    const look = await server.post('/v2/balance/getByAccount', { account: steady }, { token: tok })
    expect(look.body.data.balance[0].ledger_balance).toBe(cents(steadyBalance.ledger_balance - 1250.75))
    expect(look.body.data.balance[0].record.at(-1)).toStrictEqual({ _id: record, status: { process: { running: false, completed: true } } })
  })

  it('shows a running record in the balance as running', async () => {
    const tok = fresh()
    const started = await server.post('/v2/balance/refresh', { account_id: steady }, { token: tok })
    const look = await server.post('/v2/balance/getByAccount', { account: steady }, { token: tok })
    expect(look.body.data.balance[0].record.at(-1)).toStrictEqual({ _id: started.body.data.record, status: { process: { running: true, completed: false } } })
  })

  it('returns the running record to a second refresh of the account (debounce), and under the alias path', async () => {
    const tok = fresh()
    const first = await server.post('/v2/balance/refresh', { account_id: steady }, { token: tok })
    await advance(tok, '2s')
    const second = await server.post('/v2/products/balance/refresh', { account_id: steady }, { token: tok })
    expect(second.body.data.record).toBe(first.body.data.record)
    await advance(tok, '1s')
    const third = await server.post('/v2/balance/refresh', { account_id: steady }, { token: tok })
    expect(third.body.data.record).not.toBe(first.body.data.record)
  })

  it('answers 404 for an unknown account and 400 without account_id', async () => {
    const unknown = await server.post('/v2/balance/refresh', { account_id: 'ffffffffffffffffffffffff' })
    expect(unknown.status).toBe(404)
    expect([unknown.headers['x-okra-emulator-error'], unknown.body]).toStrictEqual(['OKRA_EMU_ACCOUNT_NOT_FOUND', { status: 'error', message: 'No account found with id "ffffffffffffffffffffffff"' }])
    const missing = await server.post('/v2/balance/refresh', {})
    expect(missing.status).toBe(400)
    expect(missing.body.message).toBe('Missing required field "account_id"')
  })
})

describe('check', () => {
  it('says false with no change, true after the bank balance moves, false again after a refresh', async () => {
    const tok = fresh()
    const check = async () => {
      const started = await server.post('/v2/balance/check', { account_id: steady, record_id: 'ignored' }, { token: tok })
      expect(started.body.data.method).toBe('CHECK_BALANCE')
      await advance(tok, '3s')
      return follow(started.body.data.callback_url, tok)
    }
    const first = await check()
    expect(first.status).toBe(200)
    expect(first.body).toStrictEqual({
      status: 'success',
      message: 'Successfully checked balance',
      data: { balance_changed: false, last_checked: '2026-11-02T09:00:03.000Z', last_fetched: steadyBalance.last_updated },
    })
    await server.post(`/__admin/accounts/${steady}/balance`, { ledger_balance: 42, available_balance: 40 }, { token: tok })
    expect((await check()).body.data.balance_changed).toBe(true)
    const refresh = await server.post('/v2/balance/refresh', { account_id: steady }, { token: tok })
    await advance(tok, '3s')
    expect((await follow(refresh.body.data.callback_url, tok)).body.data.balance.ledger_balance).toBe(42)
    const after = await check()
    expect(after.body.data).toStrictEqual({ balance_changed: false, last_checked: '2026-11-02T09:00:12.000Z', last_fetched: '2026-11-02T09:00:09.000Z' })
  })
})

describe('callback', () => {
  it('completes a polls record on its second poll', async () => {
    const tok = fresh()
    const started = await server.post('/v2/balance/check', { account_id: needsPolls }, { token: tok })
    const first = await follow(started.body.data.callback_url, tok)
    expect([first.status, first.headers['retry-after'], first.body.message]).toStrictEqual([200, '1', 'Balance checking...'])
    const second = await follow(started.body.data.callback_url, tok)
    expect([second.status, second.body.data.balance_changed]).toStrictEqual([200, false])
  })

  it('keeps a manual record pending until /__admin completes it', async () => {
    const tok = fresh()
    const started = await server.post('/v2/balance/refresh', { account_id: scripted }, { token: tok })
    await advance(tok, '1d')
    expect((await follow(started.body.data.callback_url, tok)).body).toStrictEqual(started.body)
    const completed = await server.post(`/__admin/records/${started.body.data.record}/complete`, {}, { token: tok })
    expect(completed.body.data.state).toBe('done')
    expect((await follow(started.body.data.callback_url, tok)).body.message).toBe('Succesfully fetched updated balance!')
    const again = await server.post(`/__admin/records/${started.body.data.record}/complete`, {}, { token: tok })
    expect(again.status).toBe(409)
    expect(again.headers['x-okra-emulator-error']).toBe('OKRA_EMU_INVALID_TRANSITION')
  })

  it('answers Okra\'s 503 for a bank time-out, trailing space and all', async () => {
    const tok = fresh()
    const started = await server.post('/v2/balance/refresh', { account_id: timesOut }, { token: tok })
    await advance(tok, '3s')
    const failed = await follow(started.body.data.callback_url, tok)
    expect(failed.status).toBe(503)
    expect([failed.headers['x-okra-emulator-error'], failed.body]).toStrictEqual(['OKRA_EMU_BANK_TIMEOUT', { status: 'error', message: 'Our data source has returned a timeout response. Please retry the request. ' }])
  })

  it('answers 400 naming the record for another bank failure', async () => {
    const tok = fresh()
    const started = await server.post('/v2/balance/check', { account_id: bankError }, { token: tok })
    await advance(tok, '3s')
    const failed = await follow(started.body.data.callback_url, tok)
    expect(failed.status).toBe(400)
    expect([failed.headers['x-okra-emulator-error'], failed.body]).toStrictEqual(['OKRA_EMU_BANK_ERROR', {
      status: 'error', message: 'The bank rejected the login', data: { record: started.body.data.record, method: 'CHECK_BALANCE' },
    }])
  })

  it('fails a running record as told through /__admin', async () => {
    const tok = fresh()
    const started = await server.post('/v2/balance/refresh', { account_id: steady }, { token: tok })
    await server.post(`/__admin/records/${started.body.data.record}/fail`, { failure: { kind: 'timeout' } }, { token: tok })
    expect((await follow(started.body.data.callback_url, tok)).status).toBe(503)
  })

  it('answers 404 for an unknown record, 400 for the wrong method or a missing parameter', async () => {
    const tok = fresh()
    const unknown = await server.get('/v2/callback?record=ffffffffffffffffffffffff&method=BALANCE', { token: tok })
    expect(unknown.status).toBe(404)
    expect([unknown.headers['x-okra-emulator-error'], unknown.body]).toStrictEqual(['OKRA_EMU_RECORD_NOT_FOUND', { status: 'error', message: 'No record found with id "ffffffffffffffffffffffff"' }])
    const started = await server.post('/v2/balance/check', { account_id: steady }, { token: tok })
    const mismatch = await server.get(`/v2/callback?record=${started.body.data.record}&method=BALANCE`, { token: tok })
    expect(mismatch.status).toBe(400)
    expect(mismatch.headers['x-okra-emulator-error']).toBe('OKRA_EMU_RECORD_METHOD_MISMATCH')
    const badMethod = await server.get(`/v2/callback?record=${started.body.data.record}&method=AUTH`, { token: tok })
    expect(badMethod.body.message).toBe('Invalid field "method": must be BALANCE or CHECK_BALANCE')
    const missing = await server.get('/v2/callback?method=BALANCE', { token: tok })
    expect(missing.body.message).toBe('Missing required field "record"')
  })

  it('hides one tenant\'s records from another', async () => {
    const started = await server.post('/v2/balance/check', { account_id: steady }, { token: fresh() })
    const other = await follow(started.body.data.callback_url, fresh())
    expect(other.status).toBe(404)
  })

  it.each(['/v2', '/v2/sandbox', '/sandbox/v1'])('builds callback_url under %s and serves it there', async (prefix) => {
    const tok = fresh()
    const started = await server.post(`${prefix}/balance/check`, { account_id: steady }, { token: tok })
    expect(started.body.data.callback_url).toBe(`${server.url}${prefix}/callback?record=${started.body.data.record}&method=CHECK_BALANCE`)
    await advance(tok, '3s')
    expect((await follow(started.body.data.callback_url, tok)).status).toBe(200)
  })
})

describe('the clock under /__admin', () => {
  it('reads, refuses to go backwards, freezes and resumes', async () => {
    const tok = fresh()
    const read = await server.get('/__admin/clock', { token: tok })
    expect(read.body).toStrictEqual({ status: 'success', message: 'Clock read', data: { now: TEST_CLOCK_START, mode: 'frozen' } })
    const backwards = await advance(tok, '-1s')
    expect(backwards.status).toBe(400)
    expect(backwards.body.message).toBe('Invalid field "by": must be a duration such as "3s", "2m", "1h30m" or a number of milliseconds')
    const numeric = await server.post('/__admin/clock/advance', { by: 1500 }, { token: tok })
    expect(numeric.body.data.now).toBe('2026-11-02T09:00:01.500Z')
    expect((await server.post('/__admin/clock/resume', {}, { token: tok })).body.data.mode).toBe('running')
    expect((await server.post('/__admin/clock/freeze', {}, { token: tok })).body.data.mode).toBe('frozen')
  })

  it('sets the default and a record\'s policy, and lists records with their state', async () => {
    const tok = fresh()
    const set = await server.send('PUT', '/__admin/policy', {
      token: tok, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ policy: { kind: 'delay', after: '1m' } }),
    })
    expect(set.body.data).toStrictEqual({ policy: { kind: 'delay', after: '60000ms' } })
    const started = await server.post('/v2/balance/refresh', { account_id: steady }, { token: tok })
    await advance(tok, '30s')
    const repolicy = await server.post(`/__admin/records/${started.body.data.record}/policy`, { policy: { kind: 'delay', after: '10s' } }, { token: tok })
    expect(repolicy.body.data.state).toBe('done')
    const list = await server.get('/__admin/records', { token: tok })
    expect(list.body.data.records).toStrictEqual([{
      id: started.body.data.record,
      method: 'BALANCE',
      account: steady,
      state: 'done',
      policy: { kind: 'delay', after: '10000ms' },
      polls: 0,
      created_at: TEST_CLOCK_START,
      due_at: '2026-11-02T09:00:10.000Z',
      ended_at: '2026-11-02T09:00:10.000Z',
      failure: null,
      callback_url: started.body.data.callback_url,
    }])
    const badPolicy = await server.send('PUT', '/__admin/policy', { token: tok, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ policy: { kind: 'delay' } }) })
    expect(badPolicy.status).toBe(400)
    expect(badPolicy.body.message).toBe('Missing required field "policy.after"')
  })
})
