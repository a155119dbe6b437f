import { performance } from 'node:perf_hooks'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { ADVANCE_LIMITS, AdvanceRun, goalReached, parseGoal, type AdvanceStop } from '../core/advance.js'
import { parseDuration } from '../core/duration.js'
import { DomainError, invalidField } from '../core/errors.js'
import type { FaultRuleInput } from '../core/faults.js'
import type { JournalFilter } from '../core/journal.js'
import type { EmulatedRecord, RecordPolicy } from '../core/records.js'
import { policyFromFixture, type Tenant } from '../core/tenant.js'
import { maskSecret, secretProblem, type WebhookDelivery as CoreDelivery } from '../core/webhooks.js'
import { resolveScenario } from '../dataset/scenarios.js'
import type { OpenApiDocument } from '../openapi/load.js'
import { routeSchema } from '../openapi/schemas.js'
import type { AdvanceBody, Body, ClockView, Failure, Policy, Query, RecordSummary, TenantView, WebhookDelivery, WebhookSettings } from '../wire/index.js'
import { ok } from './envelope.js'
import { WAIT_LIMITS, Waits, type WaitResult } from './waits.js'

export function clockOf (tenant: Tenant): ClockView {
  return { now: new Date(tenant.clock.now()).toISOString(), mode: tenant.clock.mode }
}

/** A policy as the wire (and the fixtures) write it. */
function policyToWire (policy: RecordPolicy): Policy {
  return policy.kind === 'delay' ? { kind: 'delay', after: `${plainNumber(policy.ms)}ms` } : policy
}

/**
 * A number without an exponent, as the Duration pattern wants: `String(1e-7)` is "1e-7", and a
 * policy of `{"after": 1e-7}` was answered as "1e-7ms", which breaks the contract and cannot be sent back.
 */
function plainNumber (n: number): string {
  const text = String(n)
  return /e/i.test(text) ? n.toFixed(20).replace(/\.?0+$/, '') : text
}

function recordSummary (record: EmulatedRecord): RecordSummary {
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

/** What a tenant-wide change (reset, snapshot, restore, scenario) answers. */
export function tenantView (tenant: Tenant): TenantView {
  return {
    clock: clockOf(tenant),
    scenario: tenant.scenario.label,
    fixtures: tenant.dataset.stats,
    snapshots: [...tenant.snapshots.keys()],
    records: tenant.records.size,
    faults: tenant.faults.list().length,
  }
}

/** A scenario sent inline may be much larger than an Okra request. */
const SCENARIO_BODY_LIMIT = 64 * 1024 * 1024

/** What the control API asks of the work done off the request path; app.ts hands it the scheduler and the webhook dispatcher. */
export interface Background {
  /** Settles what is due and sends the webhooks due; resolves once they are done. */
  wake (tenant: Tenant): Promise<void>
  /** Sets the tenant's timer for what falls due next, after a change that settles nothing now. */
  plan (tenant: Tenant): void
  /** Queues a delivery's event again, as a new delivery; a wake sends it. */
  replay (tenant: Tenant, delivery: CoreDelivery): CoreDelivery
}

/**
 * The control API. Every call acts on the tenant named by its bearer token. Calls that move time
 * or end records answer only after the records they settled and the webhooks those caused.
 */
export function adminRoutes (app: FastifyInstance, doc: OpenApiDocument, background: Background): void {
  const schema = (operationId: string) => ({ schema: routeSchema(doc, operationId) })
  const waits = new Waits()
  // Before the server stops accepting: a wait answers at once, so the close never waits on one.
  app.addHook('preClose', (done) => {
    waits.close()
    done()
  })

  /**
   * On a frozen clock, steps from one due instant to the next, sending the webhooks due at each
   * before the next step, until the goal holds or a cap stops it; on a running clock, waits for the
   * goal in real time. Moves made stay when a cap stops it: what they settled was delivered already.
   */
  async function advanceUntil (tenant: Tenant, reply: FastifyReply, until: string, body: AdvanceBody) {
    // Every refusal before the first change.
    const goal = parseGoal(tenant, until)
    const limits = {
      steps: body.max_steps ?? ADVANCE_LIMITS.default.steps,
      ms: body.max_time === undefined ? ADVANCE_LIMITS.default.ms : parseDuration(body.max_time, 'max_time'),
    }
    if (limits.ms > ADVANCE_LIMITS.max.ms) throw invalidField('max_time', 'must be at most 365d')
    const timeoutMs = waitTimeout(body.timeout)
    const run = new AdvanceRun(tenant, goal, limits)
    let stop: AdvanceStop | 'timeout' | 'closing' | 'gone' | null = null
    if (run.reached()) {
      // Holds already: answered at once, without taking a place among the waits.
    } else if (tenant.clock.mode === 'running') {
      background.plan(tenant)
      const result = await waits.until(tenant, reply, timeoutMs, () => run.reached() || undefined)
      stop = result.met ? null : result.end
    } else {
      stop = await waits.hold(tenant, reply, async (signal) => {
        for (;;) {
          if (signal.aborted) return signal.reason as 'closing' | 'gone'
          const step = run.step()
          if (step === 'reached') return null
          if (step !== 'stepped') return step
          await background.wake(tenant)
        }
      })
    }
    const report = {
      ...clockOf(tenant),
      settled: run.completed().map(recordSummary),
      deliveries: run.deliveries().map(deliverySummary),
      steps: run.steps,
      waiting: run.waiting().map((r) => r._id),
    }
    if (stop === null) return ok('Clock advanced', report)
    if (stop === 'gone' || stop === 'closing' || stop === 'timeout') {
      return unmet(reply, { met: false, end: stop }, `Not ${goal.kind === 'idle' ? 'idle' : `past record ${goal.id}`} after ${timeoutMs} ms of real time; a running clock is not moved`, { reason: stop, max: timeoutMs, ...report })
    }
    const max = stop === 'max_steps' ? limits.steps : stop === 'max_time' ? limits.ms : undefined
    const why = {
      max_steps: `the clock took ${limits.steps} steps (max_steps) and something is still due`,
      max_time: `the next due event is more than ${limits.ms} ms past where the clock stood (max_time)`,
      // Only a record goal can find nothing due: idle holds then.
      nothing_due: `record ${until.slice('record:'.length)} is running and nothing is due: only a poll or an admin call ends it`,
    }[stop]
    throw new DomainError('OKRA_EMU_ADVANCE_LIMIT', `Stopped: ${why}; the clock stays at ${report.now}`, { reason: stop, ...(max === undefined ? {} : { max }), ...report })
  }

  app.post('/reset', schema('adminReset'), async (request) => {
    request.tenant.reset()
    background.plan(request.tenant)
    return ok('Tenant reset', tenantView(request.tenant))
  })
  app.get('/snapshots', schema('adminListSnapshots'), async (request) => ok('Snapshots listed', { snapshots: [...request.tenant.snapshots.keys()] }))
  app.post('/snapshots', schema('adminTakeSnapshot'), async (request) => {
    const { name } = request.body as Body<'adminTakeSnapshot'>
    request.tenant.snapshot(name)
    return ok('Snapshot taken', tenantView(request.tenant))
  })
  app.post<{ Params: { name: string } }>('/snapshots/:name/restore', schema('adminRestoreSnapshot'), async (request) => {
    request.tenant.restore(request.params.name)
    await background.wake(request.tenant)
    return ok('Snapshot restored', tenantView(request.tenant))
  })
  app.post('/scenario', { ...schema('adminLoadScenario'), bodyLimit: SCENARIO_BODY_LIMIT }, async (request) => {
    const { file, label, dataset } = await resolveScenario(request.body)
    const data = app.tenants.scenarioData(file, label, dataset)
    request.tenant.loadScenario(data)
    background.plan(request.tenant)
    return ok('Scenario loaded', tenantView(request.tenant))
  })

  app.get('/clock', schema('adminGetClock'), async (request) => ok('Clock read', clockOf(request.tenant)))

  app.post('/clock/advance', schema('adminAdvanceClock'), async (request, reply) => {
    const body = request.body as AdvanceBody
    const { tenant } = request
    const given = (['by', 'to', 'until'] as const).filter((field) => body[field] !== undefined)
    if (given.length > 1) throw invalidField(given[1] as string, 'give one of "by", "to" or "until"')
    const capped = (['max_steps', 'max_time', 'timeout'] as const).find((field) => body[field] !== undefined)
    if (body.until !== undefined) return await advanceUntil(tenant, reply, body.until, body)
    if (capped !== undefined) throw invalidField(capped, 'goes only with "until"')
    const settled = tenant.advance(body.to === undefined ? parseDuration(body.by, 'by') : msUntil(tenant, body.to))
    await background.wake(tenant)
    return ok('Clock advanced', { ...clockOf(tenant), settled: settled.map(recordSummary) })
  })
  app.post('/clock/freeze', schema('adminFreezeClock'), async (request) => {
    request.tenant.clock.freeze()
    background.plan(request.tenant)
    return ok('Clock frozen', clockOf(request.tenant))
  })
  app.post('/clock/resume', schema('adminResumeClock'), async (request) => {
    request.tenant.clock.resume()
    await background.wake(request.tenant)
    return ok('Clock running', clockOf(request.tenant))
  })

  app.get('/records', schema('adminListRecords'), async (request) => {
    request.tenant.settleDue()
    return ok('Records listed', { records: [...request.tenant.records.values()].map(recordSummary) })
  })
  app.get<{ Params: Params }>('/records/:id', schema('adminGetRecord'), async (request, reply) => {
    const { tenant } = request
    const query = request.query as Query<'adminGetRecord'>
    const timeoutMs = waitTimeout(query.timeout)
    const goal = { kind: 'record', id: request.params.id } as const
    const record = tenant.records.of(goal.id)
    tenant.settleDue()
    background.plan(tenant)
    if (query.wait === undefined) return ok('Record read', recordSummary(record))
    const result = await waits.until(tenant, reply, timeoutMs, () => goalReached(tenant, goal) || undefined)
    const now = recordSummary(tenant.records.get(goal.id) ?? record)
    if (result.met) return ok('Record finished', now)
    return unmet(reply, result, `Record ${goal.id} was still running after ${timeoutMs} ms`, { record: now })
  })
  app.post<{ Params: Params }>('/records/:id/complete', schema('adminCompleteRecord'), async (request) => {
    const record = request.tenant.completeNow(request.params.id)
    await background.wake(request.tenant)
    return ok('Record completed', recordSummary(record))
  })
  app.post<{ Params: Params }>('/records/:id/fail', schema('adminFailRecord'), async (request) => {
    const { failure } = request.body as { failure: Failure }
    const record = request.tenant.completeNow(request.params.id, failure)
    await background.wake(request.tenant)
    return ok('Record failed', recordSummary(record))
  })
  app.post<{ Params: Params }>('/records/:id/stall', schema('adminStallRecord'), async (request) => {
    const record = request.tenant.setRecordPolicy(request.params.id, { kind: 'manual' })
    return ok('Record stalled', recordSummary(record))
  })
  app.post<{ Params: Params }>('/records/:id/policy', schema('adminSetRecordPolicy'), async (request) => {
    const { policy } = request.body as { policy: Policy }
    const record = request.tenant.setRecordPolicy(request.params.id, policyFromFixture(policy))
    await background.wake(request.tenant)
    return ok('Record policy set', recordSummary(record))
  })
  app.get('/policy', schema('adminGetPolicy'), async (request) => ok('Default policy read', { policy: policyToWire(request.tenant.policy) }))
  app.put('/policy', schema('adminSetPolicy'), async (request) => {
    const { policy } = request.body as { policy: Policy }
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

  app.get('/faults', schema('adminListFaults'), async (request) => ok('Fault rules listed', { faults: request.tenant.faults.list() }))
  app.post('/faults', schema('adminAddFault'), async (request) => {
    const { tenant } = request
    const rule = tenant.addFault(request.body as FaultRuleInput)
    return ok('Fault rule added', rule)
  })
  app.delete('/faults', schema('adminClearFaults'), async (request) => {
    const removed = request.tenant.faults.list().length
    request.tenant.faults.clear()
    return ok('Fault rules removed', { removed })
  })
  app.delete<{ Params: Params }>('/faults/:id', schema('adminRemoveFault'), async (request) => {
    const rule = request.tenant.faults.remove(request.params.id)
    return ok('Fault rule removed', rule)
  })

  app.get('/requests', schema('adminListRequests'), async (request, reply) => {
    const query = request.query as Query<'adminListRequests'>
    const filter: JournalFilter = {}
    if (query.method !== undefined) filter.method = query.method
    if (query.route !== undefined) filter.route = query.route
    if (query.status !== undefined) filter.status = Number(query.status)
    if (query.account !== undefined) filter.account = query.account
    if (query.customer !== undefined) filter.customer = query.customer
    if (query.fault !== undefined) filter.fault = query.fault === 'true'
    if (query.limit !== undefined) filter.limit = Number(query.limit)
    const { journal } = request.tenant
    if (query.wait === undefined) return ok('Requests listed', journal.query(filter))
    const wanted = Number(query.count ?? 1)
    const timeoutMs = waitTimeout(query.timeout)
    // Counting needs no entry listed: limit 0 lists none.
    const result = await waits.until(request.tenant, reply, timeoutMs, () => journal.query({ ...filter, limit: 0 }).count >= wanted || undefined)
    const page = journal.query(filter)
    if (result.met) return ok('Requests listed', page)
    return unmet(reply, result, `${page.count} of the ${wanted} requests waited for had arrived after ${timeoutMs} ms`, { wanted, ...page })
  })
  app.delete('/requests', schema('adminClearRequests'), async (request) => {
    const removed = request.tenant.journal.size
    request.tenant.journal.clear()
    return ok('Requests cleared', { removed })
  })

  app.get('/webhooks', schema('adminListWebhooks'), async (request, reply) => {
    const { tenant } = request
    const query = request.query as Query<'adminListWebhooks'>
    const matching = (state: string | undefined) => tenant.webhooks.list()
      .filter((d) => (query.record === undefined || d.event.record === query.record) && (state === undefined || d.state === state))
    if (query.wait === undefined) return ok('Webhook deliveries listed', { settings: settingsView(tenant), deliveries: matching(query.state).map(deliverySummary) })
    const wanted = Number(query.count ?? 1)
    const timeoutMs = waitTimeout(query.timeout)
    // Waiting is for a delivery that has succeeded, unless the state asked is another.
    const state = query.state ?? 'delivered'
    const result = await waits.until(tenant, reply, timeoutMs, () => matching(state).length >= wanted || undefined)
    if (result.met) return ok('Webhook deliveries listed', { settings: settingsView(tenant), deliveries: matching(state).map(deliverySummary) })
    return unmet(reply, result, `Fewer than ${wanted} deliveries ${state} after ${timeoutMs} ms`, { wanted, deliveries: matching(undefined).map(deliverySummary) })
  })
  app.put('/webhooks/settings', schema('adminSetWebhookSettings'), async (request) => {
    const { tenant } = request
    const { url, token, secret } = request.body as Body<'adminSetWebhookSettings'>
    const problem = typeof secret === 'string' ? secretProblem(secret) : null
    if (problem !== null) throw new DomainError('OKRA_EMU_INVALID_FIELD', `Invalid field "secret": ${problem}`, { field: 'secret' })
    // An omitted secret is the emulator's own (--webhook-secret), so a test setting only its URL keeps the signing.
    tenant.webhook = { url, token: token ?? null, secret: secret === undefined ? tenant.defaultWebhookSecret : secret }
    // The run manifest keeps the text of every call that changed the tenant: the secret goes in masked.
    if (typeof secret === 'string') request.bodyText = JSON.stringify({ ...(request.body as object), secret: maskSecret(secret) })
    return ok('Webhook settings saved', settingsView(tenant))
  })
  app.post<{ Params: Params }>('/webhooks/:id/replay', schema('adminReplayWebhook'), async (request) => {
    const { tenant } = request
    const original = tenant.webhooks.list().find((d) => d.id === request.params.id)
    if (original === undefined) throw new DomainError('OKRA_EMU_WEBHOOK_NOT_FOUND', `No webhook delivery with id "${request.params.id}"`)
    tenant.checkRoomForDelivery()
    const again = background.replay(tenant, original)
    await background.wake(tenant)
    return ok('Webhook replayed', deliverySummary(again))
  })
}

/** Readiness: needs no tenant, so a script can wait on it before it has a token. */
export function healthRoute (app: FastifyInstance, doc: OpenApiDocument, persistence: string | null): void {
  const startedAt = performance.now()
  app.get('/health', { schema: routeSchema(doc, 'adminHealth') }, async () => ok('Ready', {
    ready: true,
    uptime_ms: Math.round(performance.now() - startedAt),
    tenants: app.tenants.size,
    fixtures: app.dataset.stats,
    persistence,
  }))
}

function deliverySummary (delivery: CoreDelivery): WebhookDelivery {
  return {
    id: delivery.id,
    replay_of: delivery.replayOf,
    url: delivery.url,
    state: delivery.state,
    held: delivery.held,
    fault: delivery.fault,
    event: delivery.event,
    attempts: delivery.attempts,
    next_attempt_at: delivery.nextAttemptAt === null ? null : new Date(delivery.nextAttemptAt).toISOString(),
  }
}

/** The settings as listed: the secret never in clear (maskSecret). */
function settingsView (tenant: Tenant): WebhookSettings {
  const { url, token, secret } = tenant.webhook
  return { url, token, secret: maskSecret(secret) }
}

/** A wait's timeout in real milliseconds: WAIT_LIMITS' default when not given, at most its maximum. */
function waitTimeout (value: string | number | undefined): number {
  if (value === undefined) return WAIT_LIMITS.defaultTimeoutMs
  const ms = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : parseDuration(value, 'timeout')
  if (ms > WAIT_LIMITS.maxTimeoutMs) throw invalidField('timeout', `must be at most ${WAIT_LIMITS.maxTimeoutMs / 1000}s`)
  return ms
}

/** Milliseconds from the tenant's now to an instant, which must not be in its past. */
function msUntil (tenant: Tenant, to: string): number {
  const ms = Date.parse(to) - tenant.clock.now()
  if (ms < 0) throw new DomainError('OKRA_EMU_CLOCK_BACKWARDS', `The clock only moves forward: "to" is before ${new Date(tenant.clock.now()).toISOString()}`)
  return ms
}

/**
 * The answer of a wait whose condition did not hold: a 408 carrying what it saw, or nothing when
 * the client has gone (there is nobody to answer).
 */
function unmet (reply: FastifyReply, result: Extract<WaitResult<unknown>, { met: false }>, message: string, seen: Record<string, unknown>): undefined {
  if (result.end === 'gone') {
    reply.hijack()
    return undefined
  }
  throw new DomainError('OKRA_EMU_WAIT_TIMEOUT', result.end === 'closing' ? 'The emulator is closing; the wait ended before its condition held' : message, seen)
}
