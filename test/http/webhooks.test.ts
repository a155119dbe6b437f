import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FixtureFile } from '../../src/core/fixture.js'
import { Receiver } from '../support/receiver.js'
import { startTestServer, type TestServer } from '../support/server.js'

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const balance = fixture.balances.find((b) => b.available_balance !== undefined)!
const account = fixture.accounts.find((a) => a._id === balance.account)!

let receiver: Receiver
let server: TestServer
beforeAll(async () => {
  receiver = await Receiver.start()
  server = await startTestServer({ webhook: { url: receiver.url, token: 'hook-secret' } })
})
afterAll(async () => {
  await server.close()
  await receiver.close()
})

let token = 0
const fresh = () => `hooks-${++token}`
const advance = (tok: string, by: string) => server.post('/__admin/clock/advance', { by }, { token: tok })

describe('webhooks', () => {
  it('delivers one event with the bearer token when a record completes', async () => {
    const tok = fresh()
    receiver.received.length = 0
    const started = await server.post('/v2/balance/refresh', { account_id: balance.account }, { token: tok })
    expect(receiver.received).toStrictEqual([])
    await advance(tok, '3s')
    expect(receiver.received.length).toBe(1)
    const [hook] = receiver.received
    expect(hook!.headers.authorization).toBe('Bearer hook-secret')
    expect(hook!.headers['content-type']).toBe('application/json')
    // Okra's 2020 capture (okra-api.md §7), key for key and in its order, then the emulator's own key.
    expect(Object.keys(hook!.body)).toStrictEqual([
      'method', 'callback_type', 'callback_code', 'type', 'code', 'callbackURL', 'env', 'owner', 'status', 'started_at',
      'ended_at', 'message', 'record', 'callback_url', 'bankId', 'customerId', 'options', 'okra_emulator',
    ])
    expect(hook!.body).toStrictEqual({
      method: 'BALANCE',
      callback_type: 'BALANCE',
      callback_code: 'PRODUCT_IS_READY',
      type: 'CALLBACK',
      code: 'PRODUCT_IS_READY',
      callbackURL: receiver.url,
      env: fixture.env,
      owner: fixture.owner,
      status: 'is_done',
      started_at: '2026-11-02T09:00:00.000Z',
      ended_at: '2026-11-02T09:00:03.000Z',
      message: 'Succesfully fetched updated balance!',
      record: started.body.data.record,
      callback_url: started.body.data.callback_url,
      bankId: account.bank,
      customerId: account.customer,
      // The widget options the fixture customer was linked with, as Okra echoes them.
      options: fixture.customers.find((c) => c._id === account.customer)!.options,
      okra_emulator: { event: 'balance.success', source: 'okra-capture-2020', account: account._id, balance_changed: false, failure: null },
    })
    const log = await server.get('/__admin/webhooks', { token: tok })
    expect(log.body.data.deliveries.length).toBe(1)
    expect(log.body.data.deliveries[0]).toMatchObject({
      state: 'delivered',
      url: receiver.url,
      next_attempt_at: null,
      attempts: [{ attempt: 1, at: '2026-11-02T09:00:03.000Z', outcome: 'delivered', responseCode: 200, error: null }],
    })
    await advance(tok, '1h')
    expect(receiver.received.length).toBe(1)
  })

  it('retries a receiver that answers 500 twice, on the emulator clock, and logs all three attempts', async () => {
    const tok = fresh()
    receiver.received.length = 0
    receiver.answerNext(500, 500)
    await server.post('/v2/balance/check', { account_id: balance.account }, { token: tok })
    await advance(tok, '3s')
    expect(receiver.received.length).toBe(1)
    await advance(tok, '29s')
    expect(receiver.received.length).toBe(1)
    await advance(tok, '1s') // 30 s after the first attempt
    expect(receiver.received.length).toBe(2)
    await advance(tok, '2m') // 120 s after the second
    expect(receiver.received.length).toBe(3)
    await advance(tok, '1d')
    expect(receiver.received.length).toBe(3)
    const [delivery] = (await server.get('/__admin/webhooks', { token: tok })).body.data.deliveries
    expect(delivery.state).toBe('delivered')
    expect(delivery.attempts.map((a: { at: string, outcome: string, responseCode: number }) => [a.at, a.outcome, a.responseCode])).toStrictEqual([
      ['2026-11-02T09:00:03.000Z', 'failed', 500],
      ['2026-11-02T09:00:33.000Z', 'failed', 500],
      ['2026-11-02T09:02:33.000Z', 'delivered', 200],
    ])
    expect(receiver.received.every((r) => r.body.okra_emulator.event === 'balance.success' && r.body.method === 'CHECK_BALANCE')).toBe(true)
  })

  it('gives up after six attempts to a receiver that is not there', async () => {
    const tok = fresh()
    await server.send('PUT', '/__admin/webhooks/settings', {
      token: tok, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'http://127.0.0.1:9/closed', token: null }),
    })
    await server.post('/v2/balance/check', { account_id: balance.account }, { token: tok })
    await advance(tok, '3s')
    for (const wait of ['30s', '2m', '8m', '32m', '128m']) await advance(tok, wait)
    const [delivery] = (await server.get('/__admin/webhooks', { token: tok })).body.data.deliveries
    expect(delivery.state).toBe('failed')
    expect(delivery.attempts.length).toBe(6)
    expect(delivery.attempts.every((a: { responseCode: null, error: string }) => a.responseCode === null && a.error !== null)).toBe(true)
    expect(delivery.next_attempt_at).toBeNull()
  })

  it('sends a failed record\'s event, and replays an event as a new delivery', async () => {
    const tok = fresh()
    receiver.received.length = 0
    await server.send('PUT', '/__admin/policy', { token: tok, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ policy: { kind: 'manual' } }) })
    const started = await server.post('/v2/balance/refresh', { account_id: balance.account }, { token: tok })
    await server.post(`/__admin/records/${started.body.data.record}/fail`, { failure: { kind: 'bank_error', message: 'Bank offline' } }, { token: tok })
    expect(receiver.received.map((r) => [r.body.okra_emulator.event, r.body.status, r.body.callback_code, r.body.message])).toStrictEqual([
      ['balance.failed', 'is_failed', 'PRODUCT_FAILED', 'Bank offline'],
    ])
    const [first] = (await server.get('/__admin/webhooks', { token: tok })).body.data.deliveries
    const replay = await server.post(`/__admin/webhooks/${first.id}/replay`, {}, { token: tok })
    expect(replay.body.data.id).not.toBe(first.id)
    expect(replay.body.data.state).toBe('delivered')
    expect(receiver.received.length).toBe(2)
    expect(receiver.received[1]!.body).toStrictEqual(receiver.received[0]!.body)
    const missing = await server.post('/__admin/webhooks/nope/replay', {}, { token: tok })
    expect(missing.status).toBe(404)
  })
})
