import { describe, expect, it } from 'vitest'
import type { EmulatedRecord } from '../../src/core/records.js'
import { eventFor, recordAttempt, retryDelayMs, WEBHOOK_RETRY, WebhookLog, type WebhookDelivery } from '../../src/core/webhooks.js'

const CONTEXT = { env: 'sandbox', owner: 'owner-1', customerId: 'cus-1', bankId: 'bank-1' }

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
  id: 'd1', url: 'http://127.0.0.1:9/hook', token: null, event: eventFor(record({}), CONTEXT), state: 'pending', attempts: [], nextAttemptAt: 0,
})

const failed = { at: '2026-03-01T10:00:00.000Z', outcome: 'failed' as const, responseCode: 500, latencyMs: 3, error: null }

describe('webhook events', () => {
  it('reports a refresh that found a change as Okra\'s success callback', () => {
    const result = { balance_changed: true, last_checked: '2026-03-01T10:00:03.000Z', last_fetched: '2026-03-01T10:00:03.000Z' }
    expect(eventFor(record({ result }), CONTEXT)).toStrictEqual({
      event: 'balance.success',
      method: 'BALANCE',
      callback_type: 'BALANCE',
      callback_code: 'PRODUCT_IS_READY',
      type: 'CALLBACK',
      code: 'PRODUCT_IS_READY',
      status: 'is_done',
      env: 'sandbox',
      owner: 'owner-1',
      record: 'rec-1',
      callback_url: 'http://127.0.0.1:9/hook',
      customerId: 'cus-1',
      bankId: 'bank-1',
      accountId: 'acc-1',
      started_at: '2026-03-01T10:00:00.000Z',
      ended_at: '2026-03-01T10:00:03.000Z',
      message: 'Succesfully fetched updated balance!',
      balance_changed: true,
    })
  })

  it('words a finished check differently from a refresh, and leaves balance_changed out without a result', () => {
    const event = eventFor(record({ method: 'CHECK_BALANCE' }), CONTEXT)
    expect(event.message).toBe('Successfully checked balance')
    expect('balance_changed' in event).toBe(false)
  })

  it('reports a failure with the bank\'s message, or Okra\'s timeout text, and its start as its end when it never ended', () => {
    const bankError = eventFor(record({ state: 'failed', failure: { kind: 'bank_error', message: 'Bank said no' }, endedAt: null }), CONTEXT)
    expect(bankError).toMatchObject({
      event: 'balance.failed', callback_code: 'PRODUCT_FAILED', code: 'PRODUCT_FAILED', status: 'is_failed', message: 'Bank said no', ended_at: '2026-03-01T10:00:00.000Z',
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
