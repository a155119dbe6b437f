import { describe, expect, it } from 'vitest'
import type { EmulatedRecord } from '../../src/core/records.js'
import { eventFor, recordAttempt, retryDelayMs, WEBHOOK_RETRY, WebhookLog, type WebhookDelivery } from '../../src/core/webhooks.js'

const CONTEXT = { env: 'sandbox', owner: 'owner-1', customerId: 'cus-1', bankId: 'bank-1', url: 'http://127.0.0.1:9/receiver' }

const record = (overrides: Partial<EmulatedRecord>): EmulatedRecord => ({
  _id: 'rec-1',
  method: 'BALANCE',
  account: 'acc-1',
  balance: 'bal-1',
  seq: 1,
  createdAt: Date.parse('2026-03-01T10:00:00.000Z'),
  callbackUrl: 'http://127.0.0.1:9/hook',
  policy: { kind: 'manual' },
  outcome: { kind: 'success' },
  state: 'done',
  polls: 0,
  dueAt: null,
  endedAt: Date.parse('2026-03-01T10:00:03.000Z'),
  result: null,
  failure: null,
  ...overrides,
})

const delivery = (): WebhookDelivery => ({
  id: 'd1', url: 'http://127.0.0.1:9/hook', token: null, event: eventFor(record({}), CONTEXT), state: 'pending', attempts: [], nextAttemptAt: 0, replayOf: null, fault: null, held: false,
})

const failed = { at: '2026-03-01T10:00:00.000Z', outcome: 'failed' as const, responseCode: 500, latencyMs: 3, error: null }

/** Okra's BALANCE webhook as captured in 2020 (okra-api.md §7), byte for byte but for the host. */
const CAPTURE = `{"method":"BALANCE","callback_type":"BALANCE","callback_code":"PRODUCT_IS_READY","type":"CALLBACK",
"code":"PRODUCT_IS_READY","callbackURL":"https://<your-host>/api/tx/callback/","env":"production-sandbox",
"owner":"5eda1df311475d0826ac1850","status":"is_done","started_at":"2020-07-06T23:25:09.087Z",
"ended_at":"2020-07-06T23:25:09.087Z","message":"Succesfully fetched updated balance!",
"record":"5f03b2c28b1d840dc57b7f41",
"callback_url":"https://api.okra.ng/v1/callback?record=5f03b2c28b1d840dc57b7f41&method=BALANCE",
"bankId":"5d6fe57a4099cc4b210bbeb9","customerId":"5ef09108658acd0d06ae06b9",
"options":{"username":"uchencho","passed_id":"10"}}`.replaceAll('\n', '')

describe('webhook events', () => {
  it('writes the record Okra captured as Okra\'s very bytes, then the emulator\'s own key', () => {
    const at = Date.parse('2020-07-06T23:25:09.087Z')
    const captured = record({
      _id: '5f03b2c28b1d840dc57b7f41',
      account: 'acc-1',
      createdAt: at,
      endedAt: at,
      callbackUrl: 'https://api.okra.ng/v1/callback?record=5f03b2c28b1d840dc57b7f41&method=BALANCE',
      result: { balance_changed: true, last_checked: '', last_fetched: '' },
    })
    const { okra_emulator: own, ...okra } = eventFor(captured, {
      env: 'production-sandbox',
      owner: '5eda1df311475d0826ac1850',
      customerId: '5ef09108658acd0d06ae06b9',
      bankId: '5d6fe57a4099cc4b210bbeb9',
      url: 'https://<your-host>/api/tx/callback/',
      options: { username: 'uchencho', passed_id: '10' },
    })
    expect(JSON.stringify(okra)).toBe(CAPTURE)
    expect(own).toStrictEqual({ event: 'balance.success', source: 'okra-capture-2020', account: 'acc-1', balance_changed: true, failure: null })
  })

  it('echoes no widget options as {}, and words a finished check differently from a refresh', () => {
    const event = eventFor(record({ method: 'CHECK_BALANCE' }), { ...CONTEXT, options: undefined })
    expect([event.options, event.message, event.okra_emulator.balance_changed]).toStrictEqual([{}, 'Successfully checked balance', null])
  })

  it('marks a failure as the emulator\'s own, with the bank\'s message or Okra\'s timeout text, and its start as its end when it never ended', () => {
    const bankError = eventFor(record({ state: 'failed', failure: { kind: 'bank_error', message: 'Bank said no' }, endedAt: null }), CONTEXT)
    expect(bankError).toMatchObject({
      callback_code: 'PRODUCT_FAILED',
      code: 'PRODUCT_FAILED',
      status: 'is_failed',
      message: 'Bank said no',
      ended_at: '2026-03-01T10:00:00.000Z',
      okra_emulator: { event: 'balance.failed', source: 'emulator', failure: { kind: 'bank_error', message: 'Bank said no' } },
    })
    const timeout = eventFor(record({ state: 'failed', failure: { kind: 'timeout' } }), CONTEXT)
    expect(timeout.message).toBe('Our data source has returned a timeout response. Please retry the request. ')
  })
})

describe('webhook delivery attempts', () => {
  it('backs off 30 s, then four times as long each time', () => {
    expect([1, 2, 3, 4, 5].map(retryDelayMs)).toStrictEqual([30_000, 120_000, 480_000, 1_920_000, 7_680_000])
  })

  it('numbers attempts and schedules the next on the emulator clock until the sixth fails', () => {
    const d = delivery()
    for (let n = 1; n < WEBHOOK_RETRY.maxAttempts; n++) {
      recordAttempt(d, failed, 1_000)
      expect([d.state, d.nextAttemptAt, d.attempts.length]).toStrictEqual(['pending', 1_000 + retryDelayMs(n), n])
    }
    recordAttempt(d, failed, 2_000)
    expect([d.state, d.nextAttemptAt]).toStrictEqual(['failed', null])
    expect(d.attempts.map((a) => a.attempt)).toStrictEqual([1, 2, 3, 4, 5, 6])
    expect(d.attempts[5]).toStrictEqual({ attempt: 6, ...failed })
  })

  it('stops at the first delivered attempt', () => {
    const d = delivery()
    recordAttempt(d, failed, 1_000)
    recordAttempt(d, { ...failed, outcome: 'delivered', responseCode: 200 }, 31_000)
    expect([d.state, d.nextAttemptAt, d.attempts.map((a) => [a.attempt, a.outcome])])
      .toStrictEqual(['delivered', null, [[1, 'failed'], [2, 'delivered']]])
  })
})

describe('WebhookLog state', () => {
  it('hands out its deliveries as state and takes them back, reporting the load', () => {
    let changes = 0
    const saved = [delivery()]
    const log = new WebhookLog(() => { changes += 1 }, 10)
    log.load(saved)
    expect([log.list(), log.state, changes]).toStrictEqual([saved, saved, 1])
    expect(log.nextDueAt()).toBe(0)
  })
})
