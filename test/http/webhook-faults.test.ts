import { performance } from 'node:perf_hooks'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FixtureFile } from '../../src/core/fixture.js'
import { Receiver } from '../support/receiver.js'
import { startTestServer, type TestServer } from '../support/server.js'

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const [first, second] = fixture.balances.map((b) => b.account)

let receiver: Receiver
let server: TestServer
beforeAll(async () => {
  receiver = await Receiver.start()
  server = await startTestServer({ webhook: { url: receiver.url } })
})
afterAll(async () => {
  await server.close()
  await receiver.close()
})

let tenants = 0
function fresh () {
  const token = `delivery-faults-${++tenants}`
  receiver.received.length = 0
  return {
    token,
    refresh: async (account = first) => (await server.post('/v2/balance/refresh', { account_id: account }, { token })).body.data.record as string,
    advance: (by: string) => server.post('/__admin/clock/advance', { by }, { token }),
    deliveries: async () => (await server.get('/__admin/webhooks', { token })).body.data.deliveries,
    faults: async () => (await server.get('/__admin/faults', { token })).body.data.faults,
    addFault: (rule: unknown) => server.post('/__admin/faults', rule, { token }),
  }
}

describe('webhook delivery fault rules', () => {
  it('duplicate: sends a delivery twice with the same id and bytes, once per rule firing', async () => {
    const t = fresh()
    const rule = (await t.addFault({ action: { kind: 'duplicate' }, times: 1 })).body.data
    await t.refresh()
    await t.advance('3s')
    await t.refresh()
    await t.advance('3s')
    const deliveries = await t.deliveries()
    expect(receiver.ids).toStrictEqual([deliveries[0].id, deliveries[0].id, deliveries[1].id])
    expect(receiver.received[1]!.text).toBe(receiver.received[0]!.text)
    expect(deliveries.map((d: { state: string, fault: unknown, attempts: unknown[] }) => [d.state, d.fault, d.attempts.length])).toStrictEqual([
      ['delivered', { rule: rule.id, action: { kind: 'duplicate' } }, 2],
      ['delivered', null, 1],
    ])
    expect((await t.faults()).map((f: { matched: number, applied: number }) => [f.matched, f.applied])).toStrictEqual([[1, 1]])
  })

  it('reorder: holds a delivery back until the next one is sent, then sends it after', async () => {
    const t = fresh()
    const rule = (await t.addFault({ action: { kind: 'reorder' }, times: 1 })).body.data
    const held = await t.refresh(first)
    await t.advance('3s')
    expect(receiver.received).toStrictEqual([])
    expect((await t.deliveries()).map((d: { state: string, held: boolean, next_attempt_at: null }) => [d.state, d.held, d.next_attempt_at])).toStrictEqual([['pending', true, null]])
    const next = await t.refresh(second)
    await t.advance('3s')
    expect(receiver.received.map((r) => r.body.record)).toStrictEqual([next, held])
    const deliveries = await t.deliveries()
    expect(deliveries.map((d: { event: { record: string }, state: string, held: boolean }) => [d.event.record, d.state, d.held])).toStrictEqual([
      [held, 'delivered', false], [next, 'delivered', false],
    ])
    expect(deliveries[0].fault).toStrictEqual({ rule: rule.id, action: { kind: 'reorder' } })
    expect(receiver.ids).toStrictEqual([deliveries[1].id, deliveries[0].id])
  })

  it('drop: never sends a matching delivery and marks it dropped; others go', async () => {
    const t = fresh()
    const rule = (await t.addFault({ match: { account: first }, action: { kind: 'drop' } })).body.data
    await t.refresh(first)
    const kept = await t.refresh(second)
    await t.advance('1d')
    expect(receiver.received.map((r) => r.body.record)).toStrictEqual([kept])
    expect((await t.deliveries()).map((d: { state: string, attempts: unknown[], next_attempt_at: null, fault: { rule: string } | null }) =>
      [d.state, d.attempts.length, d.next_attempt_at, d.fault?.rule ?? null])).toStrictEqual([['dropped', 0, null, rule.id], ['delivered', 1, null, null]])
    expect((await t.faults()).map((f: { matched: number, applied: number }) => [f.matched, f.applied])).toStrictEqual([[1, 1]])
  })

  it('delay after: sends the first attempt that much later in emulator time', async () => {
    const t = fresh()
    await t.addFault({ action: { kind: 'delay', after: '5m' } })
    await t.refresh()
    await t.advance('3s')
    const [pending] = await t.deliveries()
    expect([pending.state, pending.next_attempt_at]).toStrictEqual(['pending', '2026-11-02T09:05:03.000Z'])
    await t.advance('4m59s')
    expect(receiver.received).toStrictEqual([])
    await t.advance('1s')
    expect(receiver.received).toHaveLength(1)
    expect((await t.deliveries())[0].attempts[0].at).toBe('2026-11-02T09:05:03.000Z')
  })

  it('delay ms: holds the first attempt back that many real milliseconds, the emulator clock unmoved', async () => {
    const t = fresh()
    await t.addFault({ action: { kind: 'delay', ms: 150 } })
    await t.refresh()
    const began = performance.now()
    await t.advance('3s')
    expect(performance.now() - began).toBeGreaterThanOrEqual(150)
    expect(receiver.received).toHaveLength(1)
    expect((await t.deliveries())[0].attempts[0].at).toBe('2026-11-02T09:00:03.000Z')
  })

  it('never acts on Okra requests, and request rules never act on deliveries', async () => {
    const t = fresh()
    await t.refresh()
    await t.addFault({ action: { kind: 'timeout' } })
    await t.advance('3s')
    expect(receiver.received).toHaveLength(1)
    await t.addFault({ action: { kind: 'drop' } })
    const refresh = await server.post('/v2/balance/refresh', { account_id: second }, { token: t.token })
    expect(refresh.status).toBe(503)
    expect((await t.faults()).map((f: { action: { kind: string }, matched: number, applied: number }) => [f.action.kind, f.matched, f.applied])).toStrictEqual([
      ['timeout', 1, 1], ['drop', 0, 0],
    ])
  })

  it('refuses a bad delivery rule whole, naming the field, and adds nothing', async () => {
    const t = fresh()
    await t.addFault({ action: { kind: 'drop' } })
    const cases: Array<[unknown, string]> = [
      [{ action: { kind: 'delay' } }, 'Invalid field "action": a delay needs one of "after" (emulator time) or "ms" (real milliseconds)'],
      [{ action: { kind: 'delay', after: '1m', ms: 5 } }, 'Invalid field "action": a delay needs one of "after" (emulator time) or "ms" (real milliseconds)'],
      [{ action: { kind: 'delay', ms: 60_001 } }, 'Invalid field "action.ms": must be whole milliseconds from 0 to 60000'],
      [{ action: { kind: 'delay', after: 'soon' } }, 'Invalid field "action.after": must be a duration such as "3s", "2m", "1h30m" or a number of milliseconds'],
      [{ action: { kind: 'delay', after: '36501d' } }, 'Invalid field "action.after": must be at most 100 years (36500d)'],
      [{ match: { route: 'balance/refresh' }, action: { kind: 'reorder' } }, 'Invalid field "match.route": a webhook delivery rule matches on account and customer only'],
      [{ action: { kind: 'latency', ms: 5, after: '1s' } }, 'Invalid field "action.after": only a delay takes "after"'],
      [{ action: { kind: 'shuffle' } }, 'Invalid field "action.kind": must be error, latency, rate_limit, timeout, close, duplicate, reorder, drop or delay'],
    ]
    for (const [rule, message] of cases) {
      const refused = await t.addFault(rule)
      expect([refused.status, refused.body.message]).toStrictEqual([400, message])
    }
    expect((await t.faults()).map((f: { action: unknown }) => f.action)).toStrictEqual([{ kind: 'drop' }])
  })
})
