import type { Tenant } from '../core/tenant.js'
import type { WebhookDispatcher } from './dispatcher.js'

/**
 * Node fires a timer longer than this after 1 ms instead, so a record due in 25 days would wake its
 * tenant in a busy loop. A wake that finds nothing due just plans again, from nearer.
 */
const LONGEST_TIMER_MS = 2 ** 31 - 1

/**
 * Wakes a tenant when its running clock reaches the next due record or webhook retry, so results
 * and webhooks arrive on time with nobody polling. A frozen clock needs no timer: only an advance
 * moves it, and the advance settles what it passes.
 */
export class Scheduler {
  private readonly timers = new Map<Tenant, { at: number, timer: NodeJS.Timeout }>()
  private readonly dispatcher: Pick<WebhookDispatcher, 'runDue'>
  private readonly persist: (tenant: Tenant) => Promise<void>
  private readonly logError: (error: unknown, message: string) => void
  private closed = false

  /**
   * `persist` saves what a wake changed, for the changes no request is waiting on. `logError` hears
   * what a wake threw: nobody waits on a timer, so a throw there would otherwise end the process.
   */
  constructor (
    dispatcher: Pick<WebhookDispatcher, 'runDue'>,
    persist: (tenant: Tenant) => Promise<void> = async () => {},
    logError: (error: unknown, message: string) => void = () => {}
  ) {
    this.dispatcher = dispatcher
    this.persist = persist
    this.logError = logError
  }

  /** Settles what is due now, starts due webhooks, and sets the timer for what comes next; never rejects. */
  async wake (tenant: Tenant): Promise<void> {
    try {
      tenant.settleDue()
      const deliveries = this.dispatcher.runDue(tenant)
      this.plan(tenant)
      // A failed attempt schedules a retry: plan again once the attempts are done.
      await deliveries.finally(() => { this.plan(tenant) })
      await this.persist(tenant)
    } catch (error) {
      this.logError(error, 'a scheduled wake of a tenant failed; its next request or advance tries again')
    }
  }

  plan (tenant: Tenant): void {
    if (this.closed) return
    const next = tenant.clock.mode === 'running' ? tenant.nextDueAt() : null
    const current = this.timers.get(tenant)
    if (current !== undefined && current.at === next) return
    if (current !== undefined) clearTimeout(current.timer)
    if (next === null) {
      this.timers.delete(tenant)
      return
    }
    const timer = setTimeout(() => {
      this.timers.delete(tenant)
      // wake never rejects: what it throws is logged there.
      this.wake(tenant).catch(() => {})
    }, Math.min(LONGEST_TIMER_MS, Math.max(0, next - tenant.clock.now())))
    timer.unref()
    this.timers.set(tenant, { at: next, timer })
  }

  close (): void {
    this.closed = true
    for (const { timer } of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
  }
}
