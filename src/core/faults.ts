import { parseDuration } from './duration.js'
import { DomainError } from './errors.js'

/** Which Okra requests a rule applies to; every field given must match, an empty match is every request. */
interface FaultMatch {
  /** The route below the prefix, e.g. `balance/getByCustomer` or `callback`. */
  route?: string
  account?: string
  customer?: string
}

/** What a matching request gets instead of (or before) its normal answer. */
export type RequestFaultAction =
  | { kind: 'error', status: number, body?: Record<string, unknown> }
  | { kind: 'latency', ms: number }
  | { kind: 'rate_limit' }
  | { kind: 'timeout' }
  | { kind: 'close' }

/**
 * What happens to a matching webhook delivery: sent twice (same id), held back until the tenant's
 * next delivery is sent, never sent, or sent late: `after` a duration of emulator time, or `ms`
 * real milliseconds later (one of the two).
 */
export type DeliveryFaultAction =
  | { kind: 'duplicate' }
  | { kind: 'reorder' }
  | { kind: 'drop' }
  | { kind: 'delay', after?: string | number, ms?: number }

export type FaultAction = RequestFaultAction | DeliveryFaultAction

const DELIVERY_KINDS: ReadonlySet<FaultAction['kind']> = new Set(['duplicate', 'reorder', 'drop', 'delay'])

function isDeliveryAction (action: FaultAction): action is DeliveryFaultAction {
  return DELIVERY_KINDS.has(action.kind)
}

export interface FaultRuleInput {
  match?: FaultMatch
  action: FaultAction
  /** Apply to the next N matches only; every match when omitted. */
  times?: number
  /** Apply to this share (0..1) of matches, drawn from `seed` so a run repeats exactly. */
  share?: number
  seed?: number
}

/** A rule as stored: plain data, so snapshots and the database hold it as it is. */
export interface FaultRule<Action extends FaultAction = FaultAction> {
  id: string
  match: FaultMatch
  action: Action
  times: number | null
  share: number | null
  seed: number
  /** Matching requests seen, whether or not the rule fired. */
  matched: number
  /** Requests the rule fired on. */
  applied: number
  /** The seeded generator's position: the next draw depends only on the seed and the draws so far. */
  rng: number
}

/** What a request is about, as far as rules care. */
export interface FaultSubject {
  route: string
  account: string | undefined
  customer: string | undefined
}

/** What a webhook delivery is about: the record's account and customer. */
export type DeliverySubject = Omit<FaultSubject, 'route'>

export const MAX_FAULT_LATENCY_MS = 60_000

/**
 * A tenant's fault rules. The first rule (in the order added) that matches and decides to fire
 * wins; each matching rule counts the request and draws from its own seed, so adding a rule never
 * changes which requests another rule picks.
 */
export class FaultBook {
  private rules: FaultRule[] = []

  constructor (private readonly changed: () => void) {}

  /** `id` may be a factory, called only once the rule is accepted: a refused rule uses up no id. */
  add (id: string | (() => string), input: FaultRuleInput): FaultRule {
    checkFaultRule(input)
    const seed = input.seed ?? 1
    const rule: FaultRule = {
      id: typeof id === 'string' ? id : id(),
      match: { ...input.match },
      action: { ...input.action },
      times: input.times ?? null,
      share: input.share ?? null,
      seed,
      matched: 0,
      applied: 0,
      rng: seed >>> 0,
    }
    this.rules.push(rule)
    this.changed()
    return rule
  }

  list (): readonly FaultRule[] {
    return this.rules
  }

  remove (id: string): FaultRule {
    const index = this.rules.findIndex((r) => r.id === id)
    const rule = this.rules[index]
    if (rule === undefined) throw new DomainError('OKRA_EMU_FAULT_NOT_FOUND', `No fault rule with id "${id}"`)
    this.rules.splice(index, 1)
    this.changed()
    return rule
  }

  clear (): void {
    this.rules = []
    this.changed()
  }

  /** The rule that fires on this request, if any; counts the request on every rule it matches. */
  pick (subject: FaultSubject): FaultRule<RequestFaultAction> | null {
    return this.fire(subject, false) as FaultRule<RequestFaultAction> | null
  }

  /** The delivery rule that fires on a new webhook delivery, if any; counted as requests are. */
  pickDelivery (subject: DeliverySubject): FaultRule<DeliveryFaultAction> | null {
    return this.fire({ route: '', ...subject }, true) as FaultRule<DeliveryFaultAction> | null
  }

  private fire (subject: FaultSubject, delivery: boolean): FaultRule | null {
    let fired: FaultRule | null = null
    for (const rule of this.rules) {
      if (isDeliveryAction(rule.action) !== delivery || !matches(rule.match, subject, delivery)) continue
      if (rule.times !== null && rule.applied >= rule.times) continue
      rule.matched += 1
      this.changed()
      const chosen = rule.share === null || draw(rule) < rule.share
      if (chosen && fired === null) {
        rule.applied += 1
        fired = rule
      }
    }
    return fired
  }

  get state (): FaultRule[] {
    return this.rules
  }

  set state (rules: FaultRule[]) {
    this.rules = rules
    this.changed()
  }
}

/** A refusal naming the field, in its message and its data. */
function invalidField (field: string, problem: string): DomainError {
  return new DomainError('OKRA_EMU_INVALID_FIELD', `Invalid field "${field}": ${problem}`, { field })
}

/**
 * Checks what the schema cannot, before anything changes; a refusal names the field, under `path`
 * (a rule inside a run manifest's state). A rule that passed once never throws where it is applied.
 */
export function checkFaultRule (input: Pick<FaultRuleInput, 'action' | 'match'>, path = ''): void {
  const { action } = input
  if (action.kind === 'latency' && action.ms > MAX_FAULT_LATENCY_MS) throw invalidField(`${path}action.ms`, `must be at most ${MAX_FAULT_LATENCY_MS}`)
  if ('after' in action && action.kind !== 'delay') throw invalidField(`${path}action.after`, 'only a delay takes "after"')
  if (!isDeliveryAction(action)) return
  if (input.match?.route !== undefined) throw invalidField(`${path}match.route`, 'a webhook delivery rule matches on account and customer only')
  if (action.kind !== 'delay') return
  if ((action.after === undefined) === (action.ms === undefined)) throw invalidField(`${path}action`, 'a delay needs one of "after" (emulator time) or "ms" (real milliseconds)')
  if (action.ms !== undefined && !(Number.isInteger(action.ms) && action.ms >= 0 && action.ms <= MAX_FAULT_LATENCY_MS)) {
    throw invalidField(`${path}action.ms`, `must be whole milliseconds from 0 to ${MAX_FAULT_LATENCY_MS}`)
  }
  if (action.after !== undefined) parseDuration(action.after, `${path}action.after`)
}

function matches (match: FaultMatch, subject: FaultSubject, delivery: boolean): boolean {
  if (!delivery && match.route !== undefined && normalizeRoute(match.route) !== subject.route) return false
  if (match.account !== undefined && match.account !== subject.account) return false
  if (match.customer !== undefined && match.customer !== subject.customer) return false
  return true
}

/** `/balance/getByCustomer` and `balance/getByCustomer` name the same route. */
export function normalizeRoute (route: string): string {
  return route.replace(/^\/+/, '')
}

/** mulberry32: small, fast and good enough to pick a share of requests; its state is one number. */
function draw (rule: FaultRule): number {
  rule.rng = (rule.rng + 0x6d2b79f5) >>> 0
  let t = rule.rng
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
