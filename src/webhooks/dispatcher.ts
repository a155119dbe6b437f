import { performance } from 'node:perf_hooks'
import type { EmulatedRecord } from '../core/records.js'
import type { Tenant } from '../core/tenant.js'
import { WEBHOOK_RETRY, type WebhookDelivery } from '../core/webhooks.js'

// undici is about 110 modules: it loads with the first webhook, not with every start.
let undici: Promise<typeof import('undici')> | undefined
async function sendWith (url: string, options: Parameters<typeof import('undici').request>[1]) {
  undici ??= import('undici')
  return await (await undici).request(url, options)
}

/**
 * Posts webhook events with undici, off the request path: an answer never waits for a receiver.
 * Attempts fall due on the tenant's clock; `runDue` makes the due ones and resolves when they are
 * done, which is how /__admin/clock/advance can answer only after the webhooks it caused.
 */
export class WebhookDispatcher {
  private readonly inFlight = new Map<WebhookDelivery, Promise<void>>()

  /** Called as a record settles: queues its event for the tenant's webhook URL, if it has one. */
  enqueue (tenant: Tenant, record: EmulatedRecord): void {
    const { url, token } = tenant.webhook
    if (url === null) return
    tenant.webhooks.add({
      id: tenant.newId(),
      url,
      token,
      event: tenant.eventOf(record),
      state: 'pending',
      attempts: [],
      nextAttemptAt: record.endedAt ?? tenant.clock.now(),
    })
  }

  /** Queues the same event again as a new delivery, and sends it now. */
  replay (tenant: Tenant, delivery: WebhookDelivery): WebhookDelivery {
    const again: WebhookDelivery = {
      id: tenant.newId(),
      url: tenant.webhook.url ?? delivery.url,
      token: tenant.webhook.url === null ? delivery.token : tenant.webhook.token,
      event: delivery.event,
      state: 'pending',
      attempts: [],
      nextAttemptAt: tenant.clock.now(),
    }
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

  /** Waits for every attempt under way, for a graceful shutdown. */
  async idle (): Promise<void> {
    await Promise.all(this.inFlight.values())
  }

  private attempt (tenant: Tenant, delivery: WebhookDelivery): Promise<void> {
    const attemptAt = tenant.clock.now()
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'okra-emulator' }
    if (delivery.token !== null) headers.authorization = `Bearer ${delivery.token}`
    const began = performance.now()
    const done = sendWith(delivery.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(delivery.event),
      headersTimeout: WEBHOOK_RETRY.timeoutMs,
      bodyTimeout: WEBHOOK_RETRY.timeoutMs,
      signal: AbortSignal.timeout(WEBHOOK_RETRY.timeoutMs),
    }).then(async (response) => {
      await response.body.dump()
      const ok = response.statusCode >= 200 && response.statusCode < 300
      return { outcome: ok ? 'delivered' as const : 'failed' as const, responseCode: response.statusCode, error: ok ? null : `receiver answered ${response.statusCode}` }
    }, (error: Error) => ({ outcome: 'failed' as const, responseCode: null, error: error.message }))
      .then((result) => {
        tenant.webhooks.attempted(delivery, { ...result, at: new Date(attemptAt).toISOString(), latencyMs: Math.round(performance.now() - began) }, attemptAt)
      })
      .finally(() => { this.inFlight.delete(delivery) })
    this.inFlight.set(delivery, done)
    return done
  }
}
