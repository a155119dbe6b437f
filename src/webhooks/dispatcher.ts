import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Dispatcher } from 'undici'
import type { EmulatedRecord } from '../core/records.js'
import type { Tenant } from '../core/tenant.js'
import { createDelivery, WEBHOOK_RETRY, type DeliveryAttempt, type WebhookDelivery, type WebhookEvent } from '../core/webhooks.js'
import { signatureHeaders } from './signing.js'

export interface DispatcherOptions {
  /** Attempts under way at once, across every tenant and receiver; the others wait their turn. */
  concurrency?: number
  /** An attempt not answered by then has failed. */
  timeoutMs?: number
  /** A receiver's answer is read (and thrown away) up to this many bytes; past that it is cut off. */
  maxAnswerBytes?: number
  /** Hears what the emulator itself threw making a delivery (never a receiver's failure, which is an attempt). */
  logError?: (error: unknown, message: string) => void
  /** Wall-clock milliseconds, for the signature's timestamp (never the tenant's virtual clock). */
  wallNow?: () => number
}

const DISPATCHER_DEFAULTS: Readonly<Required<DispatcherOptions>> = Object.freeze({
  // A burst of settled records into a receiver that never answers once opened a socket each, until
  // the local ports ran out; a test's receiver never needs more than a few at a time.
  concurrency: 32,
  timeoutMs: WEBHOOK_RETRY.timeoutMs,
  maxAnswerBytes: 64 * 1024,
  logError: () => {},
  wallNow: Date.now,
})

// undici is about 110 modules: it loads with the first webhook, not with every start.
let undici: Promise<typeof import('undici')> | undefined

/**
 * Posts webhook events with undici, off the request path: an answer never waits for a receiver.
 * Attempts fall due on the tenant's clock; `runDue` makes the due ones and resolves when they are
 * done, which is how /__admin/clock/advance can answer only after the webhooks it caused.
 * Redirects are not followed (undici's `request` never does): a 3xx is a failed attempt, as any
 * answer but a 2xx.
 */
export class WebhookDispatcher {
  private readonly options: Readonly<Required<DispatcherOptions>>
  /** Every attempt started and not finished, waiting for its turn or under way. */
  private readonly inFlight = new Map<WebhookDelivery, Promise<void>>()
  private readonly waiting: Array<() => void> = []
  private sending = 0
  private closed = false
  private readonly stopping = new AbortController()
  private agent: Dispatcher | undefined

  constructor (options: DispatcherOptions = {}) {
    this.options = { ...DISPATCHER_DEFAULTS, ...options }
  }

  /** Called as a record settles: queues its event for the tenant's webhook URL, if it has one. */
  enqueue (tenant: Tenant, record: EmulatedRecord): void {
    const { url, token } = tenant.webhook
    if (url === null) return
    let event: WebhookEvent
    try {
      event = tenant.eventOf(record, url)
    } catch (error) {
      // Called while a record settles: a throw would undo nothing and break the settling, so the event is skipped and said.
      this.options.logError(error, `no webhook for record ${record._id}: its event could not be built`)
      return
    }
    const fault = tenant.faults.pickDelivery({ account: record.account, customer: tenant.customerOf(record.account) })
    tenant.webhooks.add(createDelivery({ id: tenant.newId(), url, token, event, dueAt: record.endedAt ?? tenant.clock.now(), replayOf: null, fault }))
  }

  /** Queues the same event again as a new delivery naming the original; a wake sends it. */
  replay (tenant: Tenant, delivery: WebhookDelivery): WebhookDelivery {
    const url = tenant.webhook.url ?? delivery.url
    const token = tenant.webhook.url === null ? delivery.token : tenant.webhook.token
    const { account } = delivery.event.okra_emulator
    const again = createDelivery({
      id: tenant.newId(),
      url,
      token,
      event: { ...delivery.event, callbackURL: url },
      dueAt: tenant.clock.now(),
      replayOf: delivery.id,
      fault: tenant.faults.pickDelivery({ account, customer: tenant.customerOf(account) }),
    })
    tenant.webhooks.add(again)
    return again
  }

  /** Makes every attempt due by the tenant's clock; resolves when they have all finished. */
  async runDue (tenant: Tenant): Promise<void> {
    const now = tenant.clock.now()
    const started: Array<Promise<void>> = []
    for (const delivery of tenant.webhooks.list()) {
      if (delivery.state !== 'pending' || delivery.nextAttemptAt === null || delivery.nextAttemptAt > now) continue
      const running = this.inFlight.get(delivery) ?? this.attempt(tenant, delivery)
      started.push(running)
    }
    await Promise.all(started)
  }

  /** Waits for every attempt started, queued ones included. */
  async idle (): Promise<void> {
    await Promise.all(this.inFlight.values())
  }

  /**
   * For a shutdown: queued attempts are not made, those under way get `graceMs` to finish and are
   * then abandoned. Neither is recorded, so with --db the delivery is still pending after a restart.
   */
  async close (graceMs: number): Promise<void> {
    this.closed = true
    const abandon = setTimeout(() => { this.stopping.abort() }, graceMs)
    await this.idle()
    clearTimeout(abandon)
    await this.agent?.destroy()
  }

  private attempt (tenant: Tenant, delivery: WebhookDelivery): Promise<void> {
    let sent = false
    const done = this.delayOf(delivery)
      .then(() => this.turn())
      .then(async () => {
        try {
          if (!this.closed) sent = await this.send(tenant, delivery)
        } catch (error) {
          // Nobody waits on a delivery: a throw here would reject a timer's wake, so the delivery ends failed instead.
          tenant.webhooks.abandon(delivery)
          this.options.logError(error, `webhook delivery ${delivery.id} failed inside the emulator; marked failed`)
        } finally {
          this.release()
        }
      })
      // A reorder rule's held deliveries go once this one has gone, after it (its turn given back first).
      .then(async () => {
        if (!sent) return
        const released = tenant.webhooks.releaseHeld(delivery, tenant.clock.now())
        await Promise.all(released.map((held) => this.inFlight.get(held) ?? this.attempt(tenant, held)))
      })
      .finally(() => { this.inFlight.delete(delivery) })
    this.inFlight.set(delivery, done)
    return done
  }

  /** A delay rule given in real milliseconds holds the first attempt back that long (shutdown cuts it short). */
  private async delayOf (delivery: WebhookDelivery): Promise<void> {
    const action = delivery.fault?.action
    if (action?.kind !== 'delay' || action.ms === undefined || delivery.attempts.length > 0) return
    await sleep(action.ms, undefined, { signal: this.stopping.signal }).catch(() => {})
  }

  private async turn (): Promise<void> {
    if (this.sending < this.options.concurrency) {
      this.sending += 1
      return
    }
    await new Promise<void>((resolve) => { this.waiting.push(resolve) })
  }

  /** Hands the finished attempt's turn to the next one waiting. */
  private release (): void {
    const next = this.waiting.shift()
    if (next === undefined) this.sending -= 1
    else next()
  }

  /** Makes one attempt (and a duplicate rule's copy); false when a shutdown cut it off, unrecorded. */
  private async send (tenant: Tenant, delivery: WebhookDelivery): Promise<boolean> {
    const attemptAt = tenant.clock.now()
    // The same bytes on every attempt: a receiver verifying the signature reads these exactly.
    const body = JSON.stringify(delivery.event)
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'okra-emulator', 'x-okra-emulator-delivery': delivery.id }
    if (delivery.token !== null) headers.authorization = `Bearer ${delivery.token}`
    const { secret } = tenant.webhook
    if (secret !== null) Object.assign(headers, signatureHeaders(secret, delivery.id, Math.floor(this.options.wallNow() / 1000), body))
    const at = new Date(attemptAt).toISOString()
    const result = await this.post(delivery.url, headers, body)
    if (result === null) return false
    tenant.webhooks.attempted(delivery, { ...result, at }, attemptAt)
    if (delivery.state === 'delivered' && delivery.fault?.action.kind === 'duplicate') {
      const copy = await this.post(delivery.url, headers, body)
      if (copy !== null) tenant.webhooks.copied(delivery, { ...copy, at })
    }
    return true
  }

  /** One POST; null when a shutdown cut it off. */
  private async post (url: string, headers: Record<string, string>, body: string): Promise<Omit<DeliveryAttempt, 'attempt' | 'at'> | null> {
    const { request, Agent } = await (undici ??= import('undici'))
    // Its own agent: the process's global one may belong to the test suite that started the emulator.
    this.agent ??= new Agent()
    const { timeoutMs } = this.options
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), this.stopping.signal])
    const began = performance.now()
    const latencyMs = () => Math.round(performance.now() - began)
    try {
      const response = await request(url, { dispatcher: this.agent, method: 'POST', headers, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal })
      // Read to a cap, so a receiver streaming without end costs neither memory nor the attempt's whole time.
      await response.body.dump({ limit: this.options.maxAnswerBytes, signal })
      const ok = response.statusCode >= 200 && response.statusCode < 300
      return { outcome: ok ? 'delivered' : 'failed', responseCode: response.statusCode, error: ok ? null : `receiver answered ${response.statusCode}`, latencyMs: latencyMs() }
    } catch (error) {
      if (this.stopping.signal.aborted) return null
      return { outcome: 'failed', responseCode: null, error: (error as Error).message, latencyMs: latencyMs() }
    }
  }
}
