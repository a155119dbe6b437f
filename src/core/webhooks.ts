import { earliest, type EmulatedRecord } from './records.js'

/** A webhook as the emulator posts it, modelled on Okra's captured BALANCE callback (okra-api.md §7). */
export interface WebhookEvent {
  event: 'balance.success' | 'balance.failed'
  method: EmulatedRecord['method']
  callback_type: 'BALANCE'
  callback_code: 'PRODUCT_IS_READY' | 'PRODUCT_FAILED'
  type: 'CALLBACK'
  code: 'PRODUCT_IS_READY' | 'PRODUCT_FAILED'
  status: 'is_done' | 'is_failed'
  env: string
  owner: string
  record: string
  callback_url: string
  customerId: string
  bankId: string
  accountId: string
  started_at: string
  ended_at: string
  message: string
  balance_changed?: boolean
}

export interface DeliveryAttempt {
  attempt: number
  /** Emulator time the attempt was made. */
  at: string
  outcome: 'delivered' | 'failed'
  responseCode: number | null
  /** Real milliseconds the receiver took (or until the attempt gave up). */
  latencyMs: number
  error: string | null
}

export interface WebhookDelivery {
  id: string
  url: string
  token: string | null
  event: WebhookEvent
  state: 'pending' | 'delivered' | 'failed'
  attempts: DeliveryAttempt[]
  /** Emulator time of the next attempt; null once delivered or out of attempts. */
  nextAttemptAt: number | null
}

/** Retries back off on the emulator clock: 30 s, then ×4 each time, at most 6 attempts in all. */
export const WEBHOOK_RETRY = { firstDelayMs: 30_000, factor: 4, maxAttempts: 6, timeoutMs: 10_000 } as const

export function retryDelayMs (attemptsMade: number): number {
  return WEBHOOK_RETRY.firstDelayMs * WEBHOOK_RETRY.factor ** (attemptsMade - 1)
}

/** Records the outcome of an attempt and schedules the next one, if any. */
export function recordAttempt (delivery: WebhookDelivery, attempt: Omit<DeliveryAttempt, 'attempt'>, atMs: number): void {
  delivery.attempts.push({ attempt: delivery.attempts.length + 1, ...attempt })
  if (attempt.outcome === 'delivered') {
    delivery.state = 'delivered'
    delivery.nextAttemptAt = null
  } else if (delivery.attempts.length >= WEBHOOK_RETRY.maxAttempts) {
    delivery.state = 'failed'
    delivery.nextAttemptAt = null
  } else {
    delivery.nextAttemptAt = atMs + retryDelayMs(delivery.attempts.length)
  }
}

/** Okra's own spelling, from its captured BALANCE webhook (okra-api.md §7). */
export const REFRESH_DONE_MESSAGE = 'Succesfully fetched updated balance!'
export const CHECK_DONE_MESSAGE = 'Successfully checked balance'

export function eventFor (record: EmulatedRecord, context: { env: string, owner: string, customerId: string, bankId: string }): WebhookEvent {
  const done = record.state === 'done'
  const code = done ? 'PRODUCT_IS_READY' : 'PRODUCT_FAILED'
  const event: WebhookEvent = {
    event: done ? 'balance.success' : 'balance.failed',
    method: record.method,
    callback_type: 'BALANCE',
    callback_code: code,
    type: 'CALLBACK',
    code,
    status: done ? 'is_done' : 'is_failed',
    env: context.env,
    owner: context.owner,
    record: record._id,
    callback_url: record.callbackUrl,
    customerId: context.customerId,
    bankId: context.bankId,
    accountId: record.account,
    started_at: new Date(record.createdAt).toISOString(),
    ended_at: new Date(record.endedAt ?? record.createdAt).toISOString(),
    message: failureMessage(record) ?? (record.method === 'BALANCE' ? REFRESH_DONE_MESSAGE : CHECK_DONE_MESSAGE),
  }
  if (record.result !== null) event.balance_changed = record.result.balance_changed
  return event
}

function failureMessage (record: EmulatedRecord): string | null {
  if (record.failure === null) return null
  return record.failure.kind === 'timeout' ? 'Our data source has returned a timeout response. Please retry the request. ' : record.failure.message
}

/** A tenant's webhook deliveries, oldest first; past `limit` the oldest settled one goes, a pending one never. */
export class WebhookLog {
  private entries: WebhookDelivery[] = []

  constructor (private readonly changed: () => void, private readonly limit: number) {}

  list (): readonly WebhookDelivery[] { return this.entries }
  nextDueAt (): number | null { return earliest(this.entries.map((d) => d.nextAttemptAt)) }
  get state (): WebhookDelivery[] { return this.entries }
  get pendingCount (): number {
    let pending = 0
    for (const delivery of this.entries) if (delivery.state === 'pending') pending++
    return pending
  }

  add (delivery: WebhookDelivery): void {
    this.entries.push(delivery)
    const oldestSettled = this.entries.length > this.limit ? this.entries.findIndex((d) => d.state !== 'pending') : -1
    if (oldestSettled !== -1) this.entries.splice(oldestSettled, 1)
    this.changed()
  }

  /** Records an attempt's outcome on a delivery and schedules its retry, if any. */
  attempted (delivery: WebhookDelivery, attempt: Omit<DeliveryAttempt, 'attempt'>, atMs: number): void {
    recordAttempt(delivery, attempt, atMs)
    this.changed()
  }

  /** Gives up on a delivery the emulator itself could not attempt: failed, never retried. */
  abandon (delivery: WebhookDelivery): void {
    delivery.state = 'failed'
    delivery.nextAttemptAt = null
    this.changed()
  }

  load (state: WebhookDelivery[]): void {
    this.entries = state
    this.changed()
  }
}
