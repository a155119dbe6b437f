import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { JsonDataset } from '../../src/dataset/json.js'
import type { ClockMode } from '../../src/core/clock.js'
import type { Tenant } from '../../src/core/tenant.js'
import { Tenants } from '../../src/core/tenants.js'
import type { FixtureFile } from '../../src/core/fixture.js'
import { Scheduler } from '../../src/webhooks/scheduler.js'

const START = Date.parse('2026-11-02T09:00:00.000Z')
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const account = fixture.balances[0]!.account
const url = (id: string) => `http://emulator/v2/callback?record=${id}`

// Fake timers drive real time (Date.now and setTimeout together): the running clock follows them, and no test waits.
beforeEach(() => { vi.useFakeTimers({ now: 0 }) })
afterEach(() => { vi.useRealTimers() })

/** A scheduler over one tenant whose clock follows the fake real time; `runDue` stands in for the webhook dispatcher. */
function schedulerOver (mode: ClockMode, runDue: (tenant: Tenant) => Promise<void> = async () => {}, file: FixtureFile = fixture) {
  const tenant = new Tenants(new JsonDataset(file), {
    clock: { mode, startMs: START }, policy: { kind: 'delay', ms: 3000 }, webhook: { url: null, token: null, secret: null },
  }, () => Date.now(), () => {}, new Uint8Array(5)).get('t')
  const saved: number[] = []
  const scheduler = new Scheduler({ runDue }, async (t) => { saved.push(t.clock.now()) })
  return { tenant, scheduler, saved }
}

describe('Scheduler', () => {
  it('wakes a running tenant exactly when its next record falls due, settles and saves it', async () => {
    const { tenant, scheduler, saved } = schedulerOver('running')
    const record = tenant.startRecord('CHECK_BALANCE', account, url)
    scheduler.plan(tenant)
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(2999)
    expect(record.state).toBe('running')
    await vi.advanceTimersByTimeAsync(1)
    expect([record.state, record.endedAt, saved]).toStrictEqual(['done', START + 3000, [START + 3000]])
    expect(vi.getTimerCount()).toBe(0)
    scheduler.close()
  })

  it('waits out a record due past the longest timer Node keeps (24.8 days) without waking meanwhile', async () => {
    const { tenant, scheduler, saved } = schedulerOver('running')
    const record = tenant.startRecord('CHECK_BALANCE', account, url)
    const thirtyDays = 30 * 86_400_000
    tenant.setRecordPolicy(record._id, { kind: 'delay', ms: thirtyDays })
    scheduler.plan(tenant)
    await vi.advanceTimersByTimeAsync(86_400_000)
    expect([record.state, saved.length]).toStrictEqual(['running', 0])
    await vi.advanceTimersByTimeAsync(thirtyDays - 86_400_000)
    expect([record.state, record.endedAt]).toStrictEqual(['done', START + thirtyDays])
    scheduler.close()
  })

  it('sets no timer for a frozen clock: only an advance moves it', () => {
    const { tenant, scheduler } = schedulerOver('frozen')
    tenant.startRecord('CHECK_BALANCE', account, url)
    scheduler.plan(tenant)
    expect(vi.getTimerCount()).toBe(0)
    scheduler.close()
  })

  it('moves its timer when the next due time changes, and close clears it for good', async () => {
    const { tenant, scheduler } = schedulerOver('running')
    const record = tenant.startRecord('CHECK_BALANCE', account, url)
    scheduler.plan(tenant)
    tenant.setRecordPolicy(record._id, { kind: 'delay', ms: 10_000 })
    scheduler.plan(tenant)
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(9999)
    expect(record.state).toBe('running')
    scheduler.close()
    expect(vi.getTimerCount()).toBe(0)
    scheduler.plan(tenant)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('plans again after webhook attempts, for the retries they scheduled', async () => {
    const calls: number[] = []
    const { tenant, scheduler } = schedulerOver('running', async (t) => {
      calls.push(t.clock.now())
      // The first attempt fails and asks for a retry 30 s on.
      if (calls.length === 1) t.webhooks.add({ id: 'w', url: 'http://127.0.0.1:9/', token: null, event: t.eventOf(t.records.values().next().value!, 'u'), state: 'pending', attempts: [], nextAttemptAt: t.clock.now() + 30_000, replayOf: null, fault: null, held: false })
    })
    tenant.startRecord('CHECK_BALANCE', account, url)
    scheduler.plan(tenant)
    await vi.advanceTimersByTimeAsync(3000)
    expect(calls).toStrictEqual([START + 3000])
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(30_000)
    expect(calls).toStrictEqual([START + 3000, START + 33_000])
    scheduler.close()
  })

  it('contains what a timer\'s wake throws: logged, never an unhandled rejection that ends the process', async () => {
    const logged: Array<[string, string]> = []
    const scheduler = new Scheduler({ runDue: async () => {} }, async () => {}, (error, message) => { logged.push([(error as Error).message, message]) })
    const breaking = {
      clock: { mode: 'running', now: () => Date.now() },
      nextDueAt: () => Date.now() + 10,
      settleDue: () => { throw new Error('settling broke') },
    } as unknown as Tenant
    scheduler.plan(breaking)
    await vi.advanceTimersByTimeAsync(10)
    expect(logged).toStrictEqual([['settling broke', 'a scheduled wake of a tenant failed; its next request or advance tries again']])
    await expect(scheduler.wake(breaking)).resolves.toBeUndefined()
    expect(logged).toHaveLength(2)
    scheduler.close()
  })

  it('fails a record whose settling throws as emulator_error, and keeps the tenant going', async () => {
    // JsonDataset alone skips the loader's limits: this stands for any data the loader might let through.
    const file = structuredClone(fixture)
    const accountEntry = file.accounts.find((a) => a._id === account)!
    accountEntry.emulator = { bank: [{ after: '36501d', posting: 5 }] }
    const { tenant, scheduler } = schedulerOver('running', async () => {}, file)
    const record = tenant.startRecord('CHECK_BALANCE', account, url)
    scheduler.plan(tenant)
    await vi.advanceTimersByTimeAsync(3000)
    expect([record.state, record.endedAt, record.result]).toStrictEqual(['failed', START + 3000, null])
    expect(record.failure).toStrictEqual({ kind: 'emulator_error', message: 'The emulator could not settle this record: Invalid field "after": must be at most 100 years (36500d)' })
    const next = tenant.startRecord('CHECK_BALANCE', fixture.balances[1]!.account, url)
    scheduler.plan(tenant)
    await vi.advanceTimersByTimeAsync(3000)
    expect(next.state).toBe('done')
    scheduler.close()
  })
})
