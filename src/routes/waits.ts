import type { FastifyReply, FastifyRequest } from 'fastify'
import { DomainError } from '../core/errors.js'
import type { Tenant } from '../core/tenant.js'

/**
 * Waits held at once, per tenant and in all, and their real-time timeouts. Each wait holds a
 * connection open, and a connection answering is never closed to make room (--max-connections,
 * 1,024 by default), so waits stay well below it.
 */
export const WAIT_LIMITS = { perTenant: 32, total: 256, defaultTimeoutMs: 5_000, maxTimeoutMs: 60_000 } as const

/** The tenant's changes each request only waited through: another request's, or a timer's. */
const waitedThrough = new WeakMap<FastifyRequest, number>()

/** How many of its tenant's changes `request` only waited through, which are not its own (the run manifest's calls, --db's 503). */
export function changesWaitedThrough (request: FastifyRequest): number {
  return waitedThrough.get(request) ?? 0
}

/** How a wait ended: its condition held (with what the check answered), or why not. */
export type WaitResult<T> = { met: true, value: T } | { met: false, end: 'timeout' | 'closing' | 'gone' }

/**
 * The long polls under way. Each wakes on its tenant's changes (ChangeSignal), never on a timer of
 * its own but its timeout; each ends when its client goes, and all end at once when the server
 * closes, so a shutdown never waits on them.
 */
export class Waits {
  private readonly held = new Map<Tenant, Set<AbortController>>()
  private total = 0
  private closing = false

  /**
   * Answers as soon as `check` answers anything but undefined: at once if it does now, else after a
   * change of the tenant, or not at all by `timeoutMs`.
   */
  async until<T> (tenant: Tenant, reply: FastifyReply, timeoutMs: number, check: () => T | undefined): Promise<WaitResult<T>> {
    const now = check()
    if (now !== undefined) return { met: true, value: now }
    const before = tenant.revision
    try {
      return await this.waitFor(tenant, reply, timeoutMs, check)
    } finally {
      waitedThrough.set(reply.request, changesWaitedThrough(reply.request) + tenant.revision - before)
    }
  }

  private async waitFor<T> (tenant: Tenant, reply: FastifyReply, timeoutMs: number, check: () => T | undefined): Promise<WaitResult<T>> {
    return await this.hold(tenant, reply, async (signal) => await new Promise<WaitResult<T>>((resolve, reject) => {
      const stop = (): void => {
        clearTimeout(timer)
        unsubscribe()
        signal.removeEventListener('abort', aborted)
      }
      const unsubscribe = tenant.signal.subscribe(() => {
        let value: T | undefined
        try {
          value = check()
        } catch (error) {
          // A listener runs where nobody would catch its throw: the wait's answer carries it instead.
          stop()
          reject(error)
          return
        }
        if (value === undefined) return
        stop()
        resolve({ met: true, value })
      })
      const timer = setTimeout(() => {
        stop()
        resolve({ met: false, end: 'timeout' })
      }, timeoutMs)
      const aborted = (): void => {
        stop()
        resolve({ met: false, end: signal.reason as 'closing' | 'gone' })
      }
      if (signal.aborted) aborted()
      else signal.addEventListener('abort', aborted)
    }))
  }

  /**
   * Runs `body` as one wait: counted against WAIT_LIMITS, its signal aborted with 'gone' when the
   * client closes its connection and with 'closing' when the server closes.
   */
  async hold<T> (tenant: Tenant, reply: FastifyReply, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const mine = this.held.get(tenant) ?? new Set()
    if (mine.size >= WAIT_LIMITS.perTenant) {
      throw new DomainError('OKRA_EMU_LIMIT_REACHED', `A tenant holds at most ${WAIT_LIMITS.perTenant} waits at once (WAIT_LIMITS.perTenant)`, { limit: 'waits', max: WAIT_LIMITS.perTenant })
    }
    if (this.total >= WAIT_LIMITS.total) {
      throw new DomainError('OKRA_EMU_TOO_MANY_WAITS', `The emulator holds at most ${WAIT_LIMITS.total} waits at once (WAIT_LIMITS.total); try again when one has answered`, { limit: 'waits', max: WAIT_LIMITS.total })
    }
    const controller = new AbortController()
    if (this.closing) controller.abort('closing')
    const gone = (): void => { controller.abort('gone') }
    reply.raw.once('close', gone)
    mine.add(controller)
    this.held.set(tenant, mine)
    this.total += 1
    try {
      return await body(controller.signal)
    } finally {
      reply.raw.off('close', gone)
      mine.delete(controller)
      if (mine.size === 0) this.held.delete(tenant)
      this.total -= 1
    }
  }

  /** Ends every wait now, and any begun later at once: the server is closing. */
  close (): void {
    this.closing = true
    for (const waits of this.held.values()) for (const controller of waits) controller.abort('closing')
  }
}
