import type { FastifyInstance } from 'fastify'
import { parseDuration } from '../core/duration.js'
import { DomainError } from '../core/errors.js'
import type { EmulatedRecord, RecordOutcome, RecordPolicy } from '../core/records.js'
import { policyFromFixture, type Tenant } from '../core/tenant.js'
import type { WebhookDelivery } from '../core/webhooks.js'
import type { RecordPolicyFixture } from '../fixtures/types.js'
import type { OpenApiDocument } from '../openapi/load.js'
import { routeSchema } from '../openapi/schemas.js'
import type { Scheduler } from '../scheduler.js'
import type { WebhookDispatcher } from '../webhooks/dispatcher.js'
import { ok } from './envelope.js'

function clockOf (tenant: Tenant) {
  return { now: new Date(tenant.clock.now()).toISOString(), mode: tenant.clock.mode }
}

/** A policy as the wire (and the fixtures) write it. */
export function policyToWire (policy: RecordPolicy): RecordPolicyFixture {
  return policy.kind === 'delay' ? { kind: 'delay', after: `${policy.ms}ms` } : policy
}

function recordSummary (record: EmulatedRecord) {
  return {
    id: record._id,
    method: record.method,
    account: record.account,
    state: record.state,
    policy: policyToWire(record.policy),
    polls: record.polls,
    created_at: new Date(record.createdAt).toISOString(),
    due_at: record.dueAt === null ? null : new Date(record.dueAt).toISOString(),
    ended_at: record.endedAt === null ? null : new Date(record.endedAt).toISOString(),
    failure: record.failure,
    callback_url: record.callbackUrl,
  }
}

interface Params { id: string }

/**
 * The control API. Every call acts on the tenant named by its bearer token. Calls that move time
 * or end records answer only after the records they settled and the webhooks those caused.
 */
export function adminRoutes (app: FastifyInstance, doc: OpenApiDocument, scheduler: Scheduler, dispatcher: WebhookDispatcher): void {
  const schema = (operationId: string) => ({ schema: routeSchema(doc, operationId) })

  app.get('/clock', schema('adminGetClock'), async (request) => ok('Clock read', clockOf(request.tenant)))

  app.post('/clock/advance', schema('adminAdvanceClock'), async (request) => {
    const { by } = request.body as { by: string | number }
    const settled = request.tenant.advance(parseDuration(by, 'by'))
    await scheduler.wake(request.tenant)
    return ok('Clock advanced', { ...clockOf(request.tenant), settled: settled.map(recordSummary) })
  })
  app.post('/clock/freeze', schema('adminFreezeClock'), async (request) => {
    request.tenant.clock.freeze()
    scheduler.plan(request.tenant)
    return ok('Clock frozen', clockOf(request.tenant))
  })
  app.post('/clock/resume', schema('adminResumeClock'), async (request) => {
    request.tenant.clock.resume()
    await scheduler.wake(request.tenant)
    return ok('Clock running', clockOf(request.tenant))
  })

  app.get('/records', schema('adminListRecords'), async (request) => {
    request.tenant.settleDue()
    return ok('Records listed', { records: [...request.tenant.records.values()].map(recordSummary) })
  })
  app.post<{ Params: Params }>('/records/:id/complete', schema('adminCompleteRecord'), async (request) => {
    const record = request.tenant.completeNow(request.params.id)
    await scheduler.wake(request.tenant)
    return ok('Record completed', recordSummary(record))
  })
  app.post<{ Params: Params }>('/records/:id/fail', schema('adminFailRecord'), async (request) => {
    const { failure } = request.body as { failure: Exclude<RecordOutcome, { kind: 'success' }> }
    const record = request.tenant.completeNow(request.params.id, failure)
    await scheduler.wake(request.tenant)
    return ok('Record failed', recordSummary(record))
  })
  app.post<{ Params: Params }>('/records/:id/policy', schema('adminSetRecordPolicy'), async (request) => {
    const { policy } = request.body as { policy: RecordPolicyFixture }
    const record = request.tenant.setRecordPolicy(request.params.id, policyFromFixture(policy))
    await scheduler.wake(request.tenant)
    return ok('Record policy set', recordSummary(record))
  })
  app.get('/policy', schema('adminGetPolicy'), async (request) => ok('Default policy read', { policy: policyToWire(request.tenant.policy) }))
  app.put('/policy', schema('adminSetPolicy'), async (request) => {
    const { policy } = request.body as { policy: RecordPolicyFixture }
    request.tenant.policy = policyFromFixture(policy)
    return ok('Default policy set', { policy: policyToWire(request.tenant.policy) })
  })

  app.post<{ Params: Params }>('/accounts/:id/balance', schema('adminSetBankBalance'), async (request) => {
    const body = request.body as { posting?: number, ledger_balance?: number, available_balance?: number }
    const change = body.posting !== undefined
      ? { posting: body.posting }
      : { ledger_balance: body.ledger_balance as number, ...(body.available_balance === undefined ? {} : { available_balance: body.available_balance }) }
    const bank = request.tenant.changeBankBalance(request.params.id, change)
    return ok('Bank balance changed', { account: request.params.id, bank })
  })

  app.get('/webhooks', schema('adminListWebhooks'), async (request) => {
    const { tenant } = request
    return ok('Webhook deliveries listed', { settings: tenant.webhook, deliveries: tenant.webhooks.map(deliverySummary) })
  })
  app.put('/webhooks/settings', schema('adminSetWebhookSettings'), async (request) => {
    const { url, token } = request.body as { url: string | null, token?: string | null }
    request.tenant.webhook = { url, token: token ?? null }
    return ok('Webhook settings saved', request.tenant.webhook)
  })
  app.post<{ Params: Params }>('/webhooks/:id/replay', schema('adminReplayWebhook'), async (request) => {
    const { tenant } = request
    const original = tenant.webhooks.find((d) => d.id === request.params.id)
    if (original === undefined) throw new DomainError('OKRA_EMU_WEBHOOK_NOT_FOUND', `No webhook delivery with id "${request.params.id}"`)
    const again = dispatcher.replay(tenant, original)
    await scheduler.wake(tenant)
    return ok('Webhook replayed', deliverySummary(again))
  })
}

function deliverySummary (delivery: WebhookDelivery) {
  return {
    id: delivery.id,
    url: delivery.url,
    state: delivery.state,
    event: delivery.event,
    attempts: delivery.attempts,
    next_attempt_at: delivery.nextAttemptAt === null ? null : new Date(delivery.nextAttemptAt).toISOString(),
  }
}
