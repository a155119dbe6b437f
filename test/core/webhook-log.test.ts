import { describe, expect, it } from 'vitest'
import { WEBHOOK_RETRY, WebhookLog, type WebhookDelivery, type WebhookEvent } from '../../src/core/webhooks.js'

const delivery = (id: string, state: WebhookDelivery['state'] = 'pending'): WebhookDelivery => ({
  id, url: 'http://127.0.0.1:9/', token: null, event: { okra_emulator: {} } as unknown as WebhookEvent, state, attempts: [], nextAttemptAt: state === 'pending' ? 0 : null, replayOf: null, fault: null, held: false,
})
const failed = { outcome: 'failed', at: '', responseCode: 500, latencyMs: 1, error: 'receiver answered 500' } as const

describe('WebhookLog', () => {
  it('past its bound lets the oldest settled delivery go, never a pending one', () => {
    let changes = 0
    const log = new WebhookLog(() => { changes += 1 }, 3)
    for (const d of [delivery('p1'), delivery('s1', 'delivered'), delivery('p2'), delivery('s2', 'failed')]) log.add(d)
    expect(log.list().map((d) => d.id)).toStrictEqual(['p1', 'p2', 's2'])
    log.add(delivery('p3'))
    expect(log.list().map((d) => d.id)).toStrictEqual(['p1', 'p2', 'p3'])
    // All pending: the log grows past its bound rather than lose one.
    log.add(delivery('p4'))
    expect(log.list().map((d) => d.id)).toStrictEqual(['p1', 'p2', 'p3', 'p4'])
    expect(changes).toBe(6)
  })

  it('records attempts, schedules retries on the emulator clock and gives up after the last', () => {
    let changes = 0
    const log = new WebhookLog(() => { changes += 1 }, 10)
    const d = delivery('d')
    log.add(d)
    log.attempted(d, failed, 1000)
    expect([d.state, d.nextAttemptAt, log.nextDueAt()]).toStrictEqual(['pending', 1000 + WEBHOOK_RETRY.firstDelayMs, 1000 + WEBHOOK_RETRY.firstDelayMs])
    for (let i = 2; i <= WEBHOOK_RETRY.maxAttempts; i++) log.attempted(d, failed, 2000)
    expect([d.state, d.nextAttemptAt, d.attempts.length, log.nextDueAt()]).toStrictEqual(['failed', null, WEBHOOK_RETRY.maxAttempts, null])
    expect(changes).toBe(1 + WEBHOOK_RETRY.maxAttempts)
  })
})

describe('WebhookLog loading an older database', () => {
  it('reads deliveries saved before replays, faults and holds were kept as plain ones', () => {
    const log = new WebhookLog(() => {}, 10)
    const { replayOf, fault, held, ...old } = delivery('old')
    log.load([old as WebhookDelivery])
    expect(log.list()).toStrictEqual([{ ...old, replayOf: null, fault: null, held: false }])
    expect([replayOf, fault, held]).toStrictEqual([null, null, false])
  })
})

describe('WebhookLog upgrading an older body', () => {
  it('rewrites it to Okra\'s captured order with the emulator\'s fields under okra_emulator', () => {
    const log = new WebhookLog(() => {}, 10)
    const older = {
      event: 'balance.failed',
      method: 'BALANCE',
      callback_type: 'BALANCE',
      callback_code: 'PRODUCT_FAILED',
      type: 'CALLBACK',
      code: 'PRODUCT_FAILED',
      status: 'is_failed',
      env: 'sandbox',
      owner: 'o',
      record: 'r',
      callback_url: 'c',
      customerId: 'cus',
      bankId: 'b',
      accountId: 'acc',
      started_at: 's',
      ended_at: 'e',
      message: 'Our data source has returned a timeout response. Please retry the request. ',
    }
    log.load([{ ...delivery('old'), event: older as unknown as WebhookEvent }])
    const event = log.list()[0]!.event
    expect(Object.keys(event)).toStrictEqual([
      'method', 'callback_type', 'callback_code', 'type', 'code', 'callbackURL', 'env', 'owner', 'status', 'started_at',
      'ended_at', 'message', 'record', 'callback_url', 'bankId', 'customerId', 'options', 'okra_emulator',
    ])
    expect([event.callbackURL, event.options, event.okra_emulator]).toStrictEqual([
      'http://127.0.0.1:9/', {}, { event: 'balance.failed', source: 'emulator', account: 'acc', balance_changed: null, failure: { kind: 'timeout' } },
    ])
  })
})
