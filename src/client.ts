import { readFile } from 'node:fs/promises'
import type { JournalFilter } from './core/journal.js'
import type { FixtureFile } from './core/fixture.js'
import type {
  Answer, ClockView, Duration, Failure, FaultAction, FaultMatch, FaultRule, FaultRuleBody, JournalEntry, Policy, RecordSummary,
  TenantView, WebhookDelivery, WebhookSettings,
} from './wire/index.js'

export type Health = Answer<'adminHealth'>
export type FaultInput = FaultRuleBody
export type Amounts = Answer<'adminSetBankBalance'>['bank']
export type DeliverySummary = WebhookDelivery
export type JournalPage = Answer<'adminListRequests'>

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
  freeze (): Promise<ClockView> { return this.call('POST', '/clock/freeze') }
  resume (): Promise<ClockView> { return this.call('POST', '/clock/resume') }

  async records (): Promise<RecordSummary[]> { return (await this.call<{ records: RecordSummary[] }>('GET', '/records')).records }
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
    const query = new URLSearchParams()
    for (const [key, value] of Object.entries(filter)) if (value !== undefined) query.set(key, String(value))
    const search = query.toString() === '' ? '' : `?${query.toString()}`
    return this.call('GET', `/requests${search}`)
  }

  async clearRequests (): Promise<number> { return (await this.call<{ removed: number }>('DELETE', '/requests')).removed }

  webhooks (): Promise<Answer<'adminListWebhooks'>> { return this.call('GET', '/webhooks') }
  /** `secret` (Standard Webhooks, `whsec_…`) signs deliveries; null stops signing, omitted keeps the emulator's --webhook-secret. */
  setWebhook (url: string | null, token?: string | null, secret?: string | null): Promise<WebhookSettings> {
    return this.call('PUT', '/webhooks/settings', { url, token: token ?? null, ...(secret === undefined ? {} : { secret }) })
  }

  replayWebhook (deliveryId: string): Promise<DeliverySummary> { return this.call('POST', `/webhooks/${encodeURIComponent(deliveryId)}/replay`) }

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
      const code = response.headers['x-okra-emulator-error']
      throw new AdminError(method, path, response.statusCode, parsed, typeof code === 'string' ? code : null)
    }
    return (parsed as { data: T }).data
  }
}

export type { ClockView, Failure, FaultAction, FaultMatch, FaultRule, JournalEntry, JournalFilter, RecordSummary, TenantView }
