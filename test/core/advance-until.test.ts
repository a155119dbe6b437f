import { describe, expect, it } from 'vitest'
import { ADVANCE_LIMITS, AdvanceRun, parseGoal, type AdvanceLimits } from '../../src/core/advance.js'
import { DomainError } from '../../src/core/errors.js'
import type { Tenant } from '../../src/core/tenant.js'
import { Tenants } from '../../src/core/tenants.js'
import { JsonDataset } from '../../src/dataset/json.js'
import { tinyFixture } from './tiny-fixture.js'

const START = Date.parse('2026-11-02T09:00:00.000Z')
const url = (id: string): string => `http://emulator/cb?record=${id}`
const iso = (ms: number): string => new Date(START + ms).toISOString()

/**
 * A frozen tenant whose settled records queue a delivery due when they end, as the dispatcher does,
 * and `deliver()`, which makes the due attempts with the outcomes scripted (then delivered): the
 * adapter's part of the loop, without the network.
 */
function setup (outcomes: Array<'delivered' | 'failed'> = []) {
  const tenants = new Tenants(new JsonDataset(tinyFixture([
    { id: 'b1', customer: 'c1', created: '2026-01-01T00:00:00.000Z', ledger: 100 },
    { id: 'b2', customer: 'c1', created: '2026-01-02T00:00:00.000Z', ledger: 200 },
  ])), {
    clock: { mode: 'frozen', startMs: START },
    policy: { kind: 'delay', ms: 3000 },
    webhook: { url: 'http://hooks.invalid/', token: null, secret: null },
  }, () => 0, (owner, record) => {
    owner.webhooks.add({ id: `d-${record._id}`, url: 'http://hooks.invalid/', token: null, event: owner.eventOf(record, 'http://hooks.invalid/'), state: 'pending', attempts: [], nextAttemptAt: record.endedAt, replayOf: null, fault: null, held: false })
  }, new Uint8Array([1, 2, 3, 4, 5]))
  const t = tenants.get('t')
  const deliver = (): void => {
    const now = t.clock.now()
    for (const d of t.webhooks.list()) {
      if (d.state !== 'pending' || (d.nextAttemptAt as number) > now) continue
      const outcome = outcomes.shift() ?? 'delivered'
      t.webhooks.attempted(d, { outcome, at: new Date(now).toISOString(), responseCode: outcome === 'delivered' ? 200 : 500, latencyMs: 0, error: null }, now)
    }
  }
  /** The adapter's loop: step, deliver, until the run stops; answers why it stopped. */
  const advance = (run: AdvanceRun): string => {
    for (;;) {
      const step = run.step()
      if (step !== 'stepped') return step
      deliver()
    }
  }
  return { tenant: t, deliver, advance }
}

function run (tenant: Tenant, until: string, limits?: AdvanceLimits): AdvanceRun {
  return new AdvanceRun(tenant, parseGoal(tenant, until), limits)
}

describe('advancing until idle', () => {
  it('takes no step when nothing is due', () => {
    const { tenant, advance } = setup()
    const idle = run(tenant, 'idle')
    expect(advance(idle)).toBe('reached')
    expect(idle.steps).toBe(0)
    expect(tenant.clock.now()).toBe(START)
    expect(idle.completed()).toStrictEqual([])
  })

  it('jumps to each due instant in turn, the records and then their webhook retries', () => {
    const { tenant } = setup()
    const first = tenant.startRecord('BALANCE', 'acc-b1', url)
    tenant.advance(1000)
    const second = tenant.startRecord('CHECK_BALANCE', 'acc-b2', url)
    const idle = run(tenant, 'idle')
    const seen: number[] = []
    for (let step = idle.step(); step === 'stepped'; step = idle.step()) {
      const now = tenant.clock.now()
      seen.push(now - START)
      // The first record's receiver fails twice; the second's answers at once.
      for (const d of tenant.webhooks.list()) {
        if (d.state !== 'pending' || (d.nextAttemptAt as number) > now) continue
        const outcome = d.id === `d-${first._id}` && d.attempts.length < 2 ? 'failed' : 'delivered'
        tenant.webhooks.attempted(d, { outcome, at: new Date(now).toISOString(), responseCode: 200, latencyMs: 0, error: null }, now)
      }
    }
    // 3 s: the first record; 4 s: the second; then the first's retries, 30 s and 2 min after each failure.
    expect(seen).toStrictEqual([3000, 4000, 33_000, 153_000])
    expect(idle.steps).toBe(4)
    expect(idle.reached()).toBe(true)
    expect(idle.completed().map((r) => r._id)).toStrictEqual([first._id, second._id])
    expect(idle.deliveries().map((d) => [d.id, d.state, d.attempts.map((a) => a.at)])).toStrictEqual([
      [`d-${first._id}`, 'delivered', [iso(3000), iso(33_000), iso(153_000)]],
      [`d-${second._id}`, 'delivered', [iso(4000)]],
    ])
  })

  it('stops at max_steps with the clock where the last step left it', () => {
    const { tenant, advance } = setup(['failed', 'failed'])
    tenant.startRecord('BALANCE', 'acc-b1', url)
    const capped = run(tenant, 'idle', { steps: 2, ms: ADVANCE_LIMITS.default.ms })
    expect(advance(capped)).toBe('max_steps')
    expect(capped.steps).toBe(2)
    expect(tenant.clock.now()).toBe(START + 33_000)
    expect(tenant.nextDueAt()).toBe(START + 153_000)
  })

  it('stops at max_time before a step that would move the clock past it, counted from where it stood', () => {
    const { tenant, advance } = setup(['failed', 'failed'])
    tenant.startRecord('BALANCE', 'acc-b1', url)
    const capped = run(tenant, 'idle', { steps: 100, ms: 152_999 })
    expect(advance(capped)).toBe('max_time')
    expect(capped.steps).toBe(2)
    expect(tenant.clock.now()).toBe(START + 33_000)
    // Exactly at the cap is within it.
    expect(advance(run(tenant, 'idle', { steps: 100, ms: 120_000 }))).toBe('reached')
    expect(tenant.clock.now()).toBe(START + 153_000)
  })

  it('takes a step without moving the clock for what is due already', () => {
    const { tenant, advance } = setup()
    tenant.startRecord('BALANCE', 'acc-b1', url)
    tenant.advance(3000)
    // Settled by the move, its delivery is due now and not yet made.
    const idle = run(tenant, 'idle')
    expect(advance(idle)).toBe('reached')
    expect(idle.steps).toBe(1)
    expect(tenant.clock.now()).toBe(START + 3000)
    expect(idle.completed()).toStrictEqual([])
    expect(idle.deliveries().map((d) => d.state)).toStrictEqual(['delivered'])
  })

  it('counts a record only a poll or an admin call ends as waiting, not as keeping the tenant busy', () => {
    const { tenant, advance } = setup()
    tenant.policy = { kind: 'manual' }
    const manual = tenant.startRecord('BALANCE', 'acc-b1', url)
    const idle = run(tenant, 'idle')
    expect(advance(idle)).toBe('reached')
    expect(idle.waiting().map((r) => r._id)).toStrictEqual([manual._id])
  })
})

describe('advancing until a record has finished', () => {
  it('stops at the step that finished it, leaving later events due', () => {
    const { tenant, advance } = setup()
    const first = tenant.startRecord('BALANCE', 'acc-b1', url)
    tenant.policy = { kind: 'delay', ms: 10_000 }
    const second = tenant.startRecord('BALANCE', 'acc-b2', url)
    const untilFirst = run(tenant, `record:${first._id}`)
    expect(advance(untilFirst)).toBe('reached')
    expect(tenant.clock.now()).toBe(START + 3000)
    expect(untilFirst.completed().map((r) => r._id)).toStrictEqual([first._id])
    expect(untilFirst.deliveries().map((d) => d.id)).toStrictEqual([`d-${first._id}`])
    const untilSecond = run(tenant, `record:${second._id}`)
    expect(advance(untilSecond)).toBe('reached')
    expect(untilSecond.steps).toBe(1)
    expect(tenant.clock.now()).toBe(START + 10_000)
  })

  it('answers nothing_due, moving nothing, for a record time alone never ends', () => {
    const { tenant, advance } = setup()
    tenant.startRecord('BALANCE', 'acc-b1', url)
    tenant.policy = { kind: 'polls', polls: 2 }
    const polled = tenant.startRecord('BALANCE', 'acc-b2', url)
    const until = run(tenant, `record:${polled._id}`)
    expect(advance(until)).toBe('nothing_due')
    expect(until.steps).toBe(0)
    expect(tenant.clock.now()).toBe(START)
  })

  it('holds at once for a finished record, and refuses an unknown one or another goal', () => {
    const { tenant, advance } = setup()
    const record = tenant.startRecord('BALANCE', 'acc-b1', url)
    tenant.completeNow(record._id)
    expect(advance(run(tenant, `record:${record._id}`))).toBe('reached')
    expect(() => parseGoal(tenant, 'record:nope')).toThrow(DomainError)
    expect(() => parseGoal(tenant, 'record:')).toThrow('Invalid field "until"')
    expect(() => parseGoal(tenant, 'later')).toThrow('Invalid field "until"')
  })
})
