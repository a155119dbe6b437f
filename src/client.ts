import { readFile } from 'node:fs/promises'
import type { JournalFilter } from './core/journal.js'
import type { FixtureFile } from './core/fixture.js'
import type {
  AdvanceBody, AdvanceStopped, Answer, ClockView, Duration, Failure, FaultAction, FaultMatch, FaultRule, FaultRuleBody, JournalEntry, Manifest,
  Policy, RecordSummary, TenantView, WebhookDelivery, WebhookSettings,
} from './wire/index.js'

export type Health = Answer<'adminHealth'>
export type FaultInput = FaultRuleBody
export type Amounts = Answer<'adminSetBankBalance'>['bank']
export type DeliverySummary = WebhookDelivery
export type JournalPage = Answer<'adminListRequests'>
export type AdvanceReport = Answer<'adminAdvanceClock'>

/** How long a wait lasts at most, in real time: "5s" (the default), "250ms", or milliseconds; at most 60 s. */
export interface WaitOptions { timeout?: Duration }
/** The caps of an advance until a goal (defaults 100 steps and 1d of emulator time), and its wait on a running clock. */
export interface AdvanceUntilOptions extends WaitOptions { maxSteps?: number, maxTime?: Duration }
export interface WebhookFilter {
  /** Deliveries of this record's event. */
  record?: string
  /** The state waited for: `delivered` unless given. */
  state?: DeliverySummary['state']
}

/**
 * What a wait saw when it gave up: the advance so far, the record as it stood, the journal page
 * (with the count `wanted`), or the deliveries of the record (any state).
 */
export type WaitSeen = AdvanceStopped | { record: RecordSummary } | (JournalPage & { wanted: number }) | { wanted: number, deliveries: DeliverySummary[] }

/** A call to /__admin that the emulator refused; `status` and `body` are its answer. */
export class AdminError extends Error {
  readonly status: number
  readonly body: unknown
  /** The emulator's own error code, from the X-Okra-Emulator-Error header (the body is Okra's envelope alone); null when absent. */
  readonly code: string | null

  constructor (method: string, path: string, status: number, body: unknown, code: string | null = null) {
    const message = typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : String(body)
    super(`${method} /__admin${path} answered ${status}: ${message}`)
    this.name = 'AdminError'
    this.status = status
    this.body = body
    this.code = code
  }
}

/**
 * A wait, or an advance until a goal, that ended before its condition held (HTTP 408): its timeout
 * passed, a cap stopped the advance, or the emulator closed. `seen` is what the emulator saw then.
 */
export class WaitTimeoutError extends AdminError {
  readonly seen: WaitSeen

  constructor (method: string, path: string, body: { data: WaitSeen }, code: string | null) {
    super(method, path, 408, body, code)
    this.name = 'WaitTimeoutError'
    this.seen = body.data
  }
}

export interface AdminClientOptions {
  /** The tenant the calls act on. */
  token: string
  /** The emulator's --admin-token, when it has one. */
  adminToken?: string
}

/**
 * A typed client of the emulator's /__admin control API, acting on one tenant (one bearer token).
 * Each method answers the `data` of the emulator's envelope; a refusal throws AdminError.
 */
export class AdminClient {
  readonly url: string
  readonly token: string
  private readonly adminToken: string | undefined

  constructor (url: string, options: AdminClientOptions) {
    this.url = url.replace(/\/+$/, '')
    this.token = options.token
    this.adminToken = options.adminToken
  }

  /** The same emulator, acting on another tenant. */
  as (token: string): AdminClient {
    return new AdminClient(this.url, { token, ...(this.adminToken === undefined ? {} : { adminToken: this.adminToken }) })
  }

  health (): Promise<Health> { return this.call('GET', '/health') }

  reset (): Promise<TenantView> { return this.call('POST', '/reset') }
  snapshot (name: string): Promise<TenantView> { return this.call('POST', '/snapshots', { name }) }
  restore (name: string): Promise<TenantView> { return this.call('POST', `/snapshots/${encodeURIComponent(name)}/restore`) }
  async snapshots (): Promise<string[]> { return (await this.call<{ snapshots: string[] }>('GET', '/snapshots')).snapshots }

  /**
   * Starts this tenant over on a scenario: a ready-made one by name (`{ name: 'slow-banks' }`), a
   * fixture document, or the path of a fixture file, which the client reads and sends.
   */
  async scenario (scenario: { name: string } | FixtureFile | string): Promise<TenantView> {
    const body = typeof scenario === 'string' ? JSON.parse(await readFile(scenario, 'utf8')) as unknown : scenario
    return await this.call('POST', '/scenario', body)
  }

  clock (): Promise<ClockView> { return this.call('GET', '/clock') }
  /** Moves the clock forward by a duration ("2m", "500ms") or milliseconds; answers after what fell due has settled. */
  advance (by: Duration): Promise<Answer<'adminAdvanceClock'>> { return this.call('POST', '/clock/advance', { by }) }
  /**
   * Runs the tenant until idle: on a frozen clock it moves from one due event to the next (records,
   * webhook attempts and retries), awaiting each, until nothing is due; on a running clock it waits
   * for the same in real time. Answers what happened; a cap or the timeout throws WaitTimeoutError.
   */
  advanceUntilIdle (options: AdvanceUntilOptions = {}): Promise<AdvanceReport> { return this.advanceUntil('idle', options) }
  /** The same as advanceUntilIdle: reads better where the clock runs. */
  settle (options: AdvanceUntilOptions = {}): Promise<AdvanceReport> { return this.advanceUntil('idle', options) }
  /** As advanceUntilIdle, but only until this record has finished (and its webhook's first attempt is made). */
  advanceUntilRecord (recordId: string, options: AdvanceUntilOptions = {}): Promise<AdvanceReport> { return this.advanceUntil(`record:${recordId}`, options) }
  private advanceUntil (until: string, { maxSteps, maxTime, timeout }: AdvanceUntilOptions): Promise<AdvanceReport> {
    const body: AdvanceBody = { until }
    if (maxSteps !== undefined) body.max_steps = maxSteps
    if (maxTime !== undefined) body.max_time = maxTime
    if (timeout !== undefined) body.timeout = timeout
    return this.call('POST', '/clock/advance', body)
  }

  freeze (): Promise<ClockView> { return this.call('POST', '/clock/freeze') }
  resume (): Promise<ClockView> { return this.call('POST', '/clock/resume') }

  async records (): Promise<RecordSummary[]> { return (await this.call<{ records: RecordSummary[] }>('GET', '/records')).records }
  record (recordId: string): Promise<RecordSummary> { return this.call('GET', `/records/${encodeURIComponent(recordId)}`) }
  /** Answers the record once it has finished, done or failed; moves no clock. Throws WaitTimeoutError at the timeout. */
  waitForRecord (recordId: string, { timeout }: WaitOptions = {}): Promise<RecordSummary> {
    return this.call('GET', `/records/${encodeURIComponent(recordId)}${search({ wait: 'completed', timeout })}`)
  }

  complete (recordId: string): Promise<RecordSummary> { return this.call('POST', `/records/${encodeURIComponent(recordId)}/complete`) }
  fail (recordId: string, failure: Failure): Promise<RecordSummary> { return this.call('POST', `/records/${encodeURIComponent(recordId)}/fail`, { failure }) }
  stall (recordId: string): Promise<RecordSummary> { return this.call('POST', `/records/${encodeURIComponent(recordId)}/stall`) }
  setRecordPolicy (recordId: string, policy: Policy): Promise<RecordSummary> {
    return this.call('POST', `/records/${encodeURIComponent(recordId)}/policy`, { policy })
  }

  async policy (): Promise<Policy> { return (await this.call<{ policy: Policy }>('GET', '/policy')).policy }
  async setPolicy (policy: Policy): Promise<Policy> {
    return (await this.call<{ policy: Policy }>('PUT', '/policy', { policy })).policy
  }

  /** Sets the bank's live balance of an account; the next refresh fetches it. */
  async setBalance (accountId: string, amounts: Amounts): Promise<Amounts> {
    return (await this.call<{ bank: Amounts }>('POST', `/accounts/${encodeURIComponent(accountId)}/balance`, amounts)).bank
  }

  /** Posts a credit (or a debit, when negative) to the bank's live balance of an account. */
  async addPosting (accountId: string, posting: number): Promise<Amounts> {
    return (await this.call<{ bank: Amounts }>('POST', `/accounts/${encodeURIComponent(accountId)}/balance`, { posting })).bank
  }

  addFault (rule: FaultInput): Promise<FaultRule> { return this.call('POST', '/faults', rule) }
  async faults (): Promise<FaultRule[]> { return (await this.call<{ faults: FaultRule[] }>('GET', '/faults')).faults }
  removeFault (id: string): Promise<FaultRule> { return this.call('DELETE', `/faults/${encodeURIComponent(id)}`) }
  async clearFaults (): Promise<number> { return (await this.call<{ removed: number }>('DELETE', '/faults')).removed }

  /** The journal of this tenant's Okra requests, filtered; `count` is for assertions. */
  requests (filter: JournalFilter = {}): Promise<JournalPage> {
    return this.call('GET', `/requests${search({ ...filter })}`)
  }

  /** Answers the journal page once at least `count` (1) requests match the filter; throws WaitTimeoutError at the timeout. */
  waitForRequest (filter: JournalFilter = {}, { timeout, count }: WaitOptions & { count?: number } = {}): Promise<JournalPage> {
    return this.call('GET', `/requests${search({ ...filter, wait: 1, count, timeout })}`)
  }

  async clearRequests (): Promise<number> { return (await this.call<{ removed: number }>('DELETE', '/requests')).removed }

  webhooks (filter: WebhookFilter = {}): Promise<Answer<'adminListWebhooks'>> { return this.call('GET', `/webhooks${search({ ...filter })}`) }
  /**
   * Answers the deliveries once at least `count` (1) of them match and are in `state` (delivered
   * unless given); throws WaitTimeoutError at the timeout.
   */
  waitForWebhook (filter: WebhookFilter = {}, { timeout, count }: WaitOptions & { count?: number } = {}): Promise<Answer<'adminListWebhooks'>> {
    return this.call('GET', `/webhooks${search({ ...filter, wait: 1, count, timeout })}`)
  }

  /** `secret` (Standard Webhooks, `whsec_…`) signs deliveries; null stops signing, omitted keeps the emulator's --webhook-secret. */
  setWebhook (url: string | null, token?: string | null, secret?: string | null): Promise<WebhookSettings> {
    return this.call('PUT', '/webhooks/settings', { url, token: token ?? null, ...(secret === undefined ? {} : { secret }) })
  }

  replayWebhook (deliveryId: string): Promise<DeliverySummary> { return this.call('POST', `/webhooks/${encodeURIComponent(deliveryId)}/replay`) }

  /** What reproduces this tenant's state: fixtures digest, options, state and the calls that changed it (README, "Run manifest"). */
  manifest (): Promise<Manifest> { return this.call('GET', '/manifest') }
  /** Rebuilds a manifest's state in this tenant, checked whole first; a manifest over other fixtures is refused (409). */
  loadManifest (manifest: Manifest): Promise<TenantView> { return this.call('POST', '/manifest', manifest) }

  private async call<T> (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` }
    if (this.adminToken !== undefined) headers['x-admin-token'] = this.adminToken
    if (body !== undefined) headers['content-type'] = 'application/json'
    const { request } = await import('undici')
    const response = await request(`${this.url}/__admin${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await response.body.text()
    let parsed: unknown = text
    try { parsed = JSON.parse(text) } catch {}
    if (response.statusCode !== 200) {
      const header = response.headers['x-okra-emulator-error']
      const code = typeof header === 'string' ? header : null
      if (response.statusCode === 408 && typeof parsed === 'object' && parsed !== null && 'data' in parsed) {
        throw new WaitTimeoutError(method, path, parsed as { data: WaitSeen }, code)
      }
      throw new AdminError(method, path, response.statusCode, parsed, code)
    }
    return (parsed as { data: T }).data
  }
}

/** A query string of the fields given, or nothing. */
function search (fields: Record<string, string | number | boolean | undefined>): string {
  const query = new URLSearchParams()
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) query.set(key, String(value))
  const text = query.toString()
  return text === '' ? '' : `?${text}`
}

export type { ClockView, Failure, FaultAction, FaultMatch, FaultRule, JournalEntry, JournalFilter, Manifest, RecordSummary, TenantView }
