import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DomainError } from '../../src/core/errors.js'
import { FaultBook } from '../../src/core/faults.js'
import type { FixtureFile } from '../../src/core/fixture.js'
import { TENANT_LIMITS } from '../../src/core/tenant.js'
import { Tenants } from '../../src/core/tenants.js'
import { createDelivery, WebhookLog, type WebhookEvent } from '../../src/core/webhooks.js'
import { JsonDataset } from '../../src/dataset/json.js'

const base = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const subject = { account: 'acc-1', customer: 'cus-1' }
const fields = { url: 'http://127.0.0.1:9/', token: null, event: {} as WebhookEvent, dueAt: 1000, replayOf: null }

describe('delivery fault rules', () => {
  it('draw a share from their seed exactly as request rules do, and count the same', () => {
    const deliveries = new FaultBook(() => {})
    const requests = new FaultBook(() => {})
    deliveries.add('d', { action: { kind: 'drop' }, share: 0.5, seed: 42 })
    requests.add('r', { action: { kind: 'timeout' }, share: 0.5, seed: 42 })
    const dropped = Array.from({ length: 20 }, () => deliveries.pickDelivery(subject) !== null)
    const faulted = Array.from({ length: 20 }, () => requests.pick({ route: 'callback', ...subject }) !== null)
    expect(dropped).toStrictEqual(faulted)
    expect(dropped.filter(Boolean).length).toBe(deliveries.list()[0]!.applied)
    expect([deliveries.list()[0]!.matched, new Set(dropped).size]).toStrictEqual([20, 2])
  })

  it('match a delivery on account and customer, and never a request', () => {
    const book = new FaultBook(() => {})
    book.add('d', { match: { customer: 'cus-2' }, action: { kind: 'duplicate' } })
    expect(book.pickDelivery(subject)).toBeNull()
    expect(book.pickDelivery({ account: 'acc-9', customer: 'cus-2' })?.id).toBe('d')
    expect(book.pick({ route: 'callback', account: 'acc-9', customer: 'cus-2' })).toBeNull()
    expect(book.list()[0]).toMatchObject({ matched: 1, applied: 1 })
  })

  it('shape a new delivery: dropped, held with no due time, or postponed by emulator time', () => {
    const rule = (action: object) => ({ id: 'f', match: {}, action, times: null, share: null, seed: 1, matched: 1, applied: 1, rng: 1 }) as never
    const shape = (action: object | null) => {
      const d = createDelivery({ id: 'x', ...fields, fault: action === null ? null : rule(action) })
      return [d.state, d.nextAttemptAt, d.held]
    }
    expect(shape(null)).toStrictEqual(['pending', 1000, false])
    expect(shape({ kind: 'drop' })).toStrictEqual(['dropped', null, false])
    expect(shape({ kind: 'reorder' })).toStrictEqual(['pending', null, true])
    expect(shape({ kind: 'delay', after: '2m' })).toStrictEqual(['pending', 121_000, false])
    expect(shape({ kind: 'delay', ms: 500 })).toStrictEqual(['pending', 1000, false])
    expect(shape({ kind: 'duplicate' })).toStrictEqual(['pending', 1000, false])
  })

  it('release every held delivery but the one sent, due at the instant given', () => {
    const log = new WebhookLog(() => {}, 10)
    const held = createDelivery({ id: 'h', ...fields, fault: { id: 'f', action: { kind: 'reorder' } } as never })
    const sent = createDelivery({ id: 's', ...fields, fault: null })
    log.add(held)
    log.add(sent)
    expect(log.releaseHeld(sent, 5000)).toStrictEqual([held])
    expect([held.held, held.nextAttemptAt, log.releaseHeld(sent, 6000)]).toStrictEqual([false, 5000, []])
  })

  it('count toward the one cap of fault rules', () => {
    const tenant = new Tenants(new JsonDataset(base), {
      clock: { mode: 'frozen', startMs: 0 }, policy: { kind: 'immediate' }, webhook: { url: null, token: null, secret: null },
    }, () => 0, () => {}, new Uint8Array(5)).get('t')
    for (let n = 0; n < TENANT_LIMITS.faultRules - 1; n++) tenant.addFault({ action: { kind: 'timeout' } })
    tenant.addFault({ action: { kind: 'reorder' } })
    let refused: unknown
    try { tenant.addFault({ action: { kind: 'drop' } }) } catch (error) { refused = error }
    expect([(refused as DomainError).code, tenant.faults.list().length]).toStrictEqual(['OKRA_EMU_LIMIT_REACHED', TENANT_LIMITS.faultRules])
  })
})
