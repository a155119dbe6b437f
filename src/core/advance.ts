import { DomainError } from './errors.js'
import type { EmulatedRecord } from './records.js'
import type { Tenant } from './tenant.js'
import type { WebhookDelivery } from './webhooks.js'

/** What an advance runs to: nothing left that time would move, or one record finished. */
export type AdvanceGoal = { kind: 'idle' } | { kind: 'record', id: string }

export interface AdvanceLimits {
  /** Jumps to a next due instant, at most. */
  steps: number
  /** Emulator milliseconds the clock may move in all, from where it stood when the advance began. */
  ms: number
}

/**
 * Caps of an advance until a goal: the defaults, and the most a request may ask. A failing webhook
 * is retried for 170.5 emulator minutes (WEBHOOK_RETRY), so a day covers a whole retry schedule.
 */
export const ADVANCE_LIMITS = {
  default: { steps: 100, ms: 86_400_000 },
  max: { steps: 1_000, ms: 365 * 86_400_000 },
} as const

/** Why an advance stopped short of its goal: a cap, or nothing left due while its record still runs. */
export type AdvanceStop = 'max_steps' | 'max_time' | 'nothing_due'

/** Parses `idle` or `record:<id>`; the record must be this tenant's. */
export function parseGoal (tenant: Tenant, until: string): AdvanceGoal {
  if (until === 'idle') return { kind: 'idle' }
  if (until.startsWith('record:') && until.length > 'record:'.length) {
    const id = until.slice('record:'.length)
    tenant.records.of(id)
    return { kind: 'record', id }
  }
  throw new DomainError('OKRA_EMU_INVALID_FIELD', 'Invalid field "until": must be "idle" or "record:<id>"', { field: 'until' })
}

/**
 * Whether the goal holds. Idle: nothing is due by time any more, no running record with a due time
 * and no delivery pending (a pending delivery always has its next attempt's time). A record that
 * only polls or an admin call can end (polls, manual) does not keep a tenant from idle.
 */
export function goalReached (tenant: Tenant, goal: AdvanceGoal): boolean {
  if (goal.kind === 'idle') return tenant.nextDueAt() === null
  const record = tenant.records.get(goal.id)
  // Only finished records are ever dropped from the book.
  return record === undefined || record.state !== 'running'
}

/**
 * One advance of a tenant towards a goal, and what happened on the way. On a frozen clock `step()`
 * moves to the next due instant and settles it; the caller then runs the deliveries due (they need
 * I/O, so they are not the core's) and steps again. On a running clock nobody steps: the caller
 * waits for the goal, and the report says what happened meanwhile.
 */
export class AdvanceRun {
  readonly startMs: number
  steps = 0
  private readonly finishedBefore = new Set<string>()
  private readonly attemptsBefore = new Map<string, number>()

  constructor (private readonly tenant: Tenant, readonly goal: AdvanceGoal, private readonly limits: AdvanceLimits = ADVANCE_LIMITS.default) {
    this.startMs = tenant.clock.now()
    for (const record of tenant.records.values()) if (record.state !== 'running') this.finishedBefore.add(record._id)
    for (const delivery of tenant.webhooks.list()) this.attemptsBefore.set(delivery.id, delivery.attempts.length)
  }

  reached (): boolean { return goalReached(this.tenant, this.goal) }

  /**
   * Settles the next due instant: the clock moves there (it stays when something is due already).
   * Answers 'stepped', 'reached' when the goal holds (no step taken), or why it cannot step, in
   * which case nothing changed.
   */
  step (): 'stepped' | 'reached' | AdvanceStop {
    if (this.reached()) return 'reached'
    const next = this.tenant.nextDueAt()
    if (next === null || (this.goal.kind === 'record' && this.tenant.records.get(this.goal.id)?.dueAt === null)) return 'nothing_due'
    if (this.steps >= this.limits.steps) return 'max_steps'
    if (next - this.startMs > this.limits.ms) return 'max_time'
    this.tenant.advance(Math.max(0, next - this.tenant.clock.now()))
    this.steps += 1
    return 'stepped'
  }

  /** Records that finished since the run began, in the order they ended (of those the tenant still keeps). */
  completed (): EmulatedRecord[] {
    return [...this.tenant.records.values()]
      .filter((r) => r.state !== 'running' && !this.finishedBefore.has(r._id))
      .sort((a, b) => (a.endedAt as number) - (b.endedAt as number) || a.seq - b.seq)
  }

  /** Deliveries with an attempt made since the run began, oldest first. */
  deliveries (): WebhookDelivery[] {
    return this.tenant.webhooks.list().filter((d) => d.attempts.length > (this.attemptsBefore.get(d.id) ?? 0))
  }

  /** Running records that only a poll or an admin call ends: the clock alone will never finish them. */
  waiting (): EmulatedRecord[] {
    return [...this.tenant.records.values()].filter((r) => r.state === 'running' && r.dueAt === null)
  }
}
