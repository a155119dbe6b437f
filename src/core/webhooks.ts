import { parseDuration } from './duration.js'
import { BANK_TIMEOUT_MESSAGE } from './errors.js'
import type { DeliveryFaultAction, FaultRule } from './faults.js'
import { earliest, type EmulatedRecord } from './records.js'

/**
 * A webhook body as the emulator posts it: Okra's BALANCE callback captured in 2020 (okra-api.md §7),
 * field by field and in its order, then the emulator's own additions under `okra_emulator`, a key
 * Okra never sends.
 */
export interface WebhookEvent {
  method: EmulatedRecord['method']
  callback_type: 'BALANCE'
  callback_code: 'PRODUCT_IS_READY' | 'PRODUCT_FAILED'
  type: 'CALLBACK'
  code: 'PRODUCT_IS_READY' | 'PRODUCT_FAILED'
  /** The receiver's own URL: where this body is posted. */
  callbackURL: string
  env: string
  owner: string
  status: 'is_done' | 'is_failed'
  started_at: string
  ended_at: string
  message: string
  record: string
  /** Where the record is polled. */
  callback_url: string
  bankId: string
  customerId: string
  /** The options the customer's widget was opened with, echoed as Okra does. */
  options: Record<string, unknown>
  okra_emulator: EmulatorAdditions
}

interface EmulatorAdditions {
  event: 'balance.success' | 'balance.failed'
  /**
   * `okra-capture-2020` when the body follows Okra's captured webhook; `emulator` when Okra has
   * published no such event (a failure) and its Okra fields are the emulator's guess.
   */
  source: 'okra-capture-2020' | 'emulator'
  account: string
  balance_changed: boolean | null
  failure: EmulatedRecord['failure']
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
  /** Kept by every retry of this delivery: a receiver tells a retry from a new event by it. */
  id: string
  url: string
  token: string | null
  event: WebhookEvent
  state: 'pending' | 'delivered' | 'failed' | 'dropped'
  attempts: DeliveryAttempt[]
  /** Emulator time of the next attempt; null once settled, or while held back. */
  nextAttemptAt: number | null
  /** The delivery this one replays, or null. */
  replayOf: string | null
  /** The delivery fault rule that acted on it, and what it did. */
  fault: { rule: string, action: DeliveryFaultAction } | null
  /** Held back by a reorder rule until another delivery of the tenant is sent. */
  held: boolean
}

/** What a new delivery needs; the rest starts the same for every one. */
export interface NewDelivery {
  id: string
  url: string
  token: string | null
  event: WebhookEvent
  dueAt: number
  replayOf: string | null
  /** The delivery fault rule that fired on it (FaultBook.pickDelivery), or null. */
  fault: FaultRule<DeliveryFaultAction> | null
}

/** A new delivery, with its fault rule (if one fired) applied: dropped, held back or postponed. */
export function createDelivery (fields: NewDelivery): WebhookDelivery {
  const { dueAt, fault, ...rest } = fields
  const action = fault?.action
  const delivery: WebhookDelivery = { ...rest, state: 'pending', attempts: [], nextAttemptAt: dueAt, fault: fault === null ? null : { rule: fault.id, action: fault.action }, held: false }
  if (action?.kind === 'drop') {
    delivery.state = 'dropped'
    delivery.nextAttemptAt = null
  } else if (action?.kind === 'reorder') {
    delivery.held = true
    delivery.nextAttemptAt = null
  } else if (action?.kind === 'delay' && action.after !== undefined) {
    delivery.nextAttemptAt = dueAt + parseDuration(action.after, 'action.after')
  }
  return delivery
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

/** What a body says beyond the record: the tenant's data, and where it is posted. */
export interface EventContext {
  env: string
  owner: string
  customerId: string
  bankId: string
  /** The receiver's URL, which Okra echoes as `callbackURL`. */
  url: string
  /** The customer's widget options; `{}` when the customer has none. */
  options?: Record<string, unknown>
}

export function eventFor (record: EmulatedRecord, context: EventContext): WebhookEvent {
  const done = record.state === 'done'
  const code = done ? 'PRODUCT_IS_READY' : 'PRODUCT_FAILED'
  // In the order of Okra's capture, so the bytes read as Okra's do.
  return {
    method: record.method,
    callback_type: 'BALANCE',
    callback_code: code,
    type: 'CALLBACK',
    code,
    callbackURL: context.url,
    env: context.env,
    owner: context.owner,
    status: done ? 'is_done' : 'is_failed',
    started_at: new Date(record.createdAt).toISOString(),
    ended_at: new Date(record.endedAt ?? record.createdAt).toISOString(),
    message: failureMessage(record) ?? (record.method === 'BALANCE' ? REFRESH_DONE_MESSAGE : CHECK_DONE_MESSAGE),
    record: record._id,
    callback_url: record.callbackUrl,
    bankId: context.bankId,
    customerId: context.customerId,
    options: context.options ?? {},
    okra_emulator: {
      event: done ? 'balance.success' : 'balance.failed',
      source: done ? 'okra-capture-2020' : 'emulator',
      account: record.account,
      balance_changed: record.result?.balance_changed ?? null,
      failure: record.failure,
    },
  }
}

function failureMessage (record: EmulatedRecord): string | null {
  if (record.failure === null) return null
  return record.failure.kind === 'timeout' ? BANK_TIMEOUT_MESSAGE : record.failure.message
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

  /** Records a duplicate rule's copy of a delivered attempt: listed, but the delivery stays as it was. */
  copied (delivery: WebhookDelivery, attempt: Omit<DeliveryAttempt, 'attempt'>): void {
    delivery.attempts.push({ attempt: delivery.attempts.length + 1, ...attempt })
    this.changed()
  }

  /** Another delivery was just sent: every one held back falls due now, oldest first. */
  releaseHeld (sent: WebhookDelivery, atMs: number): WebhookDelivery[] {
    const released: WebhookDelivery[] = []
    for (const delivery of this.entries) {
      if (delivery === sent || !delivery.held || delivery.state !== 'pending') continue
      delivery.held = false
      delivery.nextAttemptAt = atMs
      released.push(delivery)
    }
    if (released.length > 0) this.changed()
    return released
  }

  /** Gives up on a delivery the emulator itself could not attempt: failed, never retried. */
  abandon (delivery: WebhookDelivery): void {
    delivery.state = 'failed'
    delivery.nextAttemptAt = null
    this.changed()
  }

  load (state: WebhookDelivery[]): void {
    // A database written before replays, faults and holds were kept lacks those fields.
    this.entries = state.map((d) => ({ ...d, event: upgradeEvent(d.event, d.url), replayOf: d.replayOf ?? null, fault: d.fault ?? null, held: d.held ?? false }))
    this.changed()
  }
}

/** Standard Webhooks' secret: `whsec_` then the key in base64, 24 to 64 bytes as the specification asks. */
const SECRET = /^whsec_((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/

/** Why `secret` is not a usable signing secret, or null when it is. */
export function secretProblem (secret: string): string | null {
  const base64 = SECRET.exec(secret)?.[1]
  if (base64 === undefined) return 'must be "whsec_" followed by the key in base64'
  const bytes = base64.length / 4 * 3 - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0)
  return bytes >= 24 && bytes <= 64 ? null : `must hold a key of 24 to 64 bytes, not ${bytes}`
}

/** How a secret is listed back: never in clear, only its last four characters, to tell two apart. */
export function maskSecret (secret: string | null): string | null {
  return secret === null ? null : `whsec_…${secret.slice(-4)}`
}

/** The body as an older emulator wrote it (its additions beside Okra's fields), rewritten as now. */
interface OlderEvent {
  event: EmulatorAdditions['event']
  accountId: string
  balance_changed?: boolean
}

/** Rewrites an older body read from --db to today's shape and order, so its retries and replays send it as now. */
function upgradeEvent (event: WebhookEvent, url: string): WebhookEvent {
  if ('okra_emulator' in event) return event
  const old = event as unknown as OlderEvent & WebhookEvent
  const done = old.event === 'balance.success'
  const failure: EmulatorAdditions['failure'] = done ? null : old.message === BANK_TIMEOUT_MESSAGE ? { kind: 'timeout' } : { kind: 'bank_error', message: old.message }
  return {
    method: old.method,
    callback_type: old.callback_type,
    callback_code: old.callback_code,
    type: old.type,
    code: old.code,
    callbackURL: url,
    env: old.env,
    owner: old.owner,
    status: old.status,
    started_at: old.started_at,
    ended_at: old.ended_at,
    message: old.message,
    record: old.record,
    callback_url: old.callback_url,
    bankId: old.bankId,
    customerId: old.customerId,
    options: {},
    okra_emulator: { event: old.event, source: done ? 'okra-capture-2020' : 'emulator', account: old.accountId, balance_changed: old.balance_changed ?? null, failure },
  }
}
