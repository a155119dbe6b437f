import { performance } from 'node:perf_hooks'
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import type { FaultRule } from '../../src/core/faults.js'
import type { Tenant, TenantState } from '../../src/core/tenant.js'
import { FAULT_HEADER } from '../../src/http/traffic.js'
import { EXTRA_ROUTES, Generators, renderBody, routesFromSpec, type FuzzCase, type RouteSpec, type Step } from './arbitraries.js'
import { FuzzTarget, type Fingerprint, type Observation } from './target.js'
import { Transport, type Answer } from './transport.js'

/** A request that took longer than this never answered, as far as the fuzz is concerned. */
const ANSWER_TIMEOUT_MS = 10_000

/** What no answer may contain: internals that belong in the log. */
const LEAKS: Array<[string, RegExp]> = [
  ['a path under /work/', /\/work\//],
  ['node_modules', /node_modules/],
  ['a stack frame', /\n\s+at\s|\bat\s+(?:async\s+)?[\w$.<>[\]]+\s+\((?:file:|node:|\/)/],
  ['a source position', /\.[cm]?[jt]s:\d+/],
  ['an internal error message', /Cannot read properties of|is not a function|Maximum call stack|is not defined\b|Invalid time value/],
]

const ERROR_KEYS = new Set(['status', 'message', 'data'])

const prototypeKeys = (proto: object): string => Object.getOwnPropertyNames(proto).sort().join(',')
const PRISTINE = { object: prototypeKeys(Object.prototype), array: prototypeKeys(Array.prototype), fn: prototypeKeys(Function.prototype) }

/** Names what polluted a prototype, or null while none is. */
export function pollution (): string | null {
  if (({} as Record<string, unknown>).polluted !== undefined) return '({}).polluted is set'
  if (prototypeKeys(Object.prototype) !== PRISTINE.object) return `Object.prototype gained keys: ${prototypeKeys(Object.prototype)}`
  if (prototypeKeys(Array.prototype) !== PRISTINE.array) return 'Array.prototype changed'
  if (prototypeKeys(Function.prototype) !== PRISTINE.fn) return 'Function.prototype changed'
  return null
}

class FuzzFailure extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'FuzzFailure'
  }
}

/** Counts of what a run did, for the report. */
class Tally {
  cases = 0
  steps = 0
  readonly statuses = new Map<string, number>()

  count (answer: Answer): void {
    this.steps += 1
    const key = answer.status === null ? 'none' : `${answer.status}`
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1)
  }

  summary (): string {
    return [...this.statuses].sort(([a], [b]) => a.localeCompare(b)).map(([status, n]) => `${status}: ${n}`).join(', ')
  }
}

/** The token the server will act for: the first Authorization header, as Node keeps only the first. */
export function tokenOf (step: Step): string | null {
  const sent = step.headers.filter(([name]) => name.toLowerCase() === 'authorization').map(([, value]) => value)
  for (const bytes of step.raw?.headerLines ?? []) {
    const line = Buffer.from(bytes).toString('latin1')
    if (/^authorization:/i.test(line)) sent.push(line.slice(line.indexOf(':') + 1).trim())
  }
  const first = sent[0]
  if (first === undefined) return null
  const token = first.replace(/^Bearer\s+/i, '').trim()
  return token === '' || /^bearer$/i.test(token) ? null : token
}

/** Every header line of a step, raw ones included, as text. */
function headerLines (step: Step): string[] {
  return [...step.headers.map(([name, value]) => `${name}: ${value}`), ...(step.raw?.headerLines ?? []).map((bytes) => Buffer.from(bytes).toString('latin1'))]
}

/** Fault counters move on every matching request, rejected or not (documented); everything else must not. */
function withoutFaultCounters (state: TenantState): TenantState {
  return { ...state, faults: state.faults.map((f) => ({ ...f, matched: 0, applied: 0, rng: 0 })) }
}

function excerpt (text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text
}

function describeStep (step: Step, body: Buffer | undefined): string {
  return `${step.method} ${excerpt(step.path, 200)}${step.query === '' ? '' : `?${excerpt(step.query, 100)}`} ` +
    `[${step.route}; body ${step.body.kind}${body === undefined ? '' : ` ${body.length} B`}${step.raw === undefined ? '' : `; raw ${JSON.stringify(step.raw).slice(0, 120)}`}]`
}

/** The text of the request, to tell an echo of what the client sent from a leak. */
function requestText (step: Step, body: Buffer | undefined): string {
  return [step.method, step.path, step.query, ...step.headers.flat(), body?.toString('utf8') ?? '', JSON.stringify(step.raw ?? {})].join('\n')
}

/** A step's request and answer, as the checks below see them. */
export interface Exchange {
  step: Step
  answer: Answer
  /** The token the request acted for, or null when it named none. */
  token: string | null
  /** That token's tenant after the request. */
  tenant: Tenant | undefined
  /** The fault rule that answered, as it stood before the request: named by its header, or by the journal when it closed the socket. */
  rule: FaultRule | undefined
}

/** A request of the case so far, kept to tell an echo of what the client sent from a leak. */
export interface Sent {
  step: Step
  body: Buffer | undefined
}

/** What the emulator looked like just before a step. */
interface Before {
  fingerprints: Map<Tenant, Fingerprint>
  /** The acting tenant's full state, when it existed. */
  acting: Observation | null
  rules: FaultRule[]
}

/** The client gave up on its own request: a Content-Length it never filled, a chunk it never finished. */
const halfClosed = (step: Step): boolean => step.raw?.shortBy !== undefined || step.raw?.chunked === 'no-end'

/** 2. An answer, always: unless a `close` rule dropped the connection, or the client half-closed its socket mid-request. */
export function checkAnswered ({ step, answer, rule }: Exchange): string[] {
  if (answer.status !== null || rule?.action.kind === 'close') return []
  // Node drops the connection of a client that half-closed before its answer was ready; it must still not hang.
  if (halfClosed(step) && !/no answer within/.test(answer.error)) return []
  return [`no answer: ${answer.error}`]
}

/** 1. No 5xx, except a fault rule's own status and Okra's time-out for a record whose bank timed out. */
export function checkStatus ({ step, answer, rule, tenant }: Exchange, envelope: Envelope | undefined): string[] {
  if (answer.status === null || answer.status < 500) return []
  const status = answer.status
  if (rule?.action.kind === 'error' && rule.action.status === status) return []
  if (rule?.action.kind === 'timeout' && status === 503) return []
  const record = tenant?.records.get(new URLSearchParams(step.query).get('record') ?? '')
  const timedOut = status === 503 && step.route === 'GET /callback' && answer.headers['x-okra-emulator-error'] === 'OKRA_EMU_BANK_TIMEOUT' && record?.failure?.kind === 'timeout'
  return timedOut ? [] : [`answered ${status}`]
}

export type Envelope = { status?: unknown, message?: unknown, data?: unknown }

/**
 * 3. Every error in Okra's envelope, as JSON. A rule's custom body goes out as given. Node itself
 * answers, with no body and before any handler, an HTTP/1.1 request without Host (400) and an Expect
 * it does not know (417), exactly as Okra's own Node server does.
 */
export function checkEnvelope ({ step, answer, rule }: Exchange, parsed: unknown): string[] {
  if (answer.status === null || answer.status < 400 || step.method === 'HEAD') return []
  const { status, text } = answer
  const byNode = (step.raw?.noHost === true && status === 400 && text === '') ||
    (status === 417 && text === '' && headerLines(step).some((h) => /^expect:/i.test(h) && !/100-continue/i.test(h)))
  if (byNode) return []
  if (rule?.action.kind === 'error' && rule.action.body !== undefined) {
    return isDeepStrictEqual(parsed, rule.action.body) ? [] : [`a fault rule's body was not sent as given: ${excerpt(text)}`]
  }
  const problems: string[] = []
  if (!/^application\/json/.test(String(answer.headers['content-type']))) problems.push(`error answer has content-type ${String(answer.headers['content-type'])}`)
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [...problems, `error answer is not a JSON object: ${JSON.stringify(excerpt(text))}`]
  const envelope = parsed as Envelope
  if (envelope.status !== 'error') problems.push(`error answer has status ${JSON.stringify(envelope.status)}`)
  if (typeof envelope.message !== 'string' || envelope.message === '') problems.push('error answer has no message')
  if (envelope.data !== undefined && (typeof envelope.data !== 'object' || envelope.data === null || Array.isArray(envelope.data))) problems.push('error data is not an object')
  const extra = Object.keys(envelope).filter((k) => !ERROR_KEYS.has(k))
  if (extra.length > 0) problems.push(`error answer has keys ${extra.join(', ')}`)
  return problems
}

/** 6. No internals in any answer (the static docs aside), unless the case itself sent them. */
export function checkLeaks ({ step, answer }: Exchange, sent: Sent[]): string[] {
  if (answer.status === null) return []
  if (answer.status < 300 && (step.path.startsWith('/docs') || step.path.startsWith('/openapi.json'))) return []
  const seen = `${answer.text}\n${JSON.stringify(answer.headers)}`
  return LEAKS.flatMap(([what, pattern]) => {
    const at = seen.search(pattern)
    if (at === -1 || sent.some((request) => pattern.test(requestText(request.step, request.body)))) return []
    return [`the answer shows ${what}: ${JSON.stringify(seen.slice(Math.max(0, at - 80), at + 120))}`]
  })
}

/**
 * 4. A rejected request changes nothing; an accepted one changes its own tenant at most. Fault
 * counters are the documented exception (a rule counts every request it matches). When only the
 * body's framing breaks after a whole head, Node has already handed the request to any route that
 * reads no body (a GET) by the time it answers 400 for the garbled rest: that request did run.
 */
function checkState (target: FuzzTarget, { step, answer, token }: Exchange, before: Before): string[] {
  const rejected = isRejected(step, answer)
  const problems: string[] = []
  for (const tenant of target.tenants()) {
    const fingerprint = before.fingerprints.get(tenant)
    if (tenant.token === token && before.acting !== null) {
      if (!rejected) continue
      const after = target.observe(tenant)
      const same = isDeepStrictEqual({ ...after, state: withoutFaultCounters(after.state) }, { ...before.acting, state: withoutFaultCounters(before.acting.state) })
      if (!same) problems.push(`a rejected request changed its tenant: ${diff(before.acting, after)}`)
    } else if (fingerprint !== undefined) {
      if (!target.sameFingerprint(fingerprint, target.fingerprintOf(tenant))) problems.push(`the tenant of ${JSON.stringify(excerpt(tenant.token, 40))} changed, but the request was for ${JSON.stringify(token)}`)
    } else if (tenant.revision !== 0 && (tenant.token !== token || rejected)) {
      problems.push(`the request left a new tenant ${JSON.stringify(excerpt(tenant.token, 40))} with changes`)
    }
  }
  return problems
}

/** Whether the answer says the request did nothing, so that its tenant must be as it was. */
const isRejected = (step: Step, answer: Answer): boolean =>
  (answer.status === null || answer.status >= 400) && !halfClosed(step) && step.raw?.chunked !== 'bad-size'

/** Sends one step and checks every property on its answer: the problems found, and whether it may have changed its tenant. */
async function checkStep (target: FuzzTarget, transport: Transport, step: Step, sent: Sent[], tally: Tally, trace: FuzzSession['trace']): Promise<{ problems: string[], changed: boolean }> {
  const token = tokenOf(step)
  const acting = token === null ? undefined : target.tenants().find((t) => t.token === token)
  const before: Before = {
    fingerprints: new Map(target.tenants().map((t) => [t, target.fingerprintOf(t)])),
    acting: acting === undefined ? null : target.observe(acting),
    rules: acting === undefined ? [] : structuredClone([...acting.faults.list()]),
  }
  const violations = target.server.contract.violations.length
  const logged = target.serverErrors.length

  const body = renderBody(step.body)
  sent.push({ step, body })
  const sentAt = performance.now()
  const answer = await transport.send(step, body)
  tally.count(answer)
  trace?.(describeStep(step, body), answer.status === null ? `no answer (${answer.error})` : `${answer.status} ${excerpt(answer.text, 160)}`, performance.now() - sentAt)

  const tenant = token === null ? undefined : target.tenants().find((t) => t.token === token)
  const faultId = answer.status === null
    ? [...(tenant?.journal.all() ?? [])].reverse().find((e) => e.status === 0)?.fault ?? null
    : answer.headers[FAULT_HEADER]
  const exchange: Exchange = { step, answer, token, tenant, rule: before.rules.find((r) => r.id === faultId) }
  let parsed: unknown
  try { parsed = answer.status === null || answer.text === '' ? undefined : JSON.parse(answer.text) } catch {}

  const problems = [
    ...checkAnswered(exchange),
    ...checkStatus(exchange, parsed as Envelope | undefined),
    ...checkEnvelope(exchange, parsed),
    ...checkLeaks(exchange, sent),
    ...checkState(target, exchange, before),
  ]
  // The contract checker saw the answer on its way out; a rule's own body is that answer's contract.
  const broken = target.server.contract.violations.splice(violations)
  if (!(exchange.rule?.action.kind === 'error' && exchange.rule.action.body !== undefined)) problems.push(...broken.map((v) => `contract: ${v}`))
  const polluted = pollution()
  if (polluted !== null) problems.push(`prototype pollution: ${polluted}`)
  if (!target.server.app.server.listening) problems.push('the server stopped listening')
  problems.push(...target.serverErrors.slice(logged).map((line) => `the server logged an error: ${excerpt(line, 600)}`))

  const changed = !isRejected(step, answer)
  if (problems.length === 0) return { problems, changed }
  const shown = answer.status === null ? `no answer (${answer.error})` : `${answer.status} ${excerpt(answer.text)}`
  return { problems: [`${describeStep(step, body)} → ${shown}`, ...problems.map((p) => `  - ${p}`)], changed }
}

function diff (before: Observation, after: Observation): string {
  const parts: string[] = []
  for (const key of Object.keys(after.state) as Array<keyof TenantState>) {
    if (!isDeepStrictEqual(before.state[key], after.state[key])) parts.push(`state.${key}: ${excerpt(JSON.stringify(before.state[key]), 150)} → ${excerpt(JSON.stringify(after.state[key]), 150)}`)
  }
  if (!isDeepStrictEqual(before.snapshots, after.snapshots)) parts.push(`snapshots ${before.snapshots.join(',')} → ${after.snapshots.join(',')}`)
  if (before.scenario !== after.scenario) parts.push(`scenario ${before.scenario} → ${after.scenario}`)
  return parts.join('; ')
}

/** The fuzz's fixture: a seeded emulator, a client, and the reference answer of a normal request. */
export class FuzzSession {
  readonly target: FuzzTarget
  readonly transport: Transport
  readonly routes: RouteSpec[]
  readonly tally = new Tally()
  /** Called with each step and its answer, for `--trace`. */
  trace: ((step: string, answer: string, ms: number) => void) | null = null
  private readonly reference: { status: number, body: unknown }
  private readonly generators: Generators

  private constructor (target: FuzzTarget, transport: Transport, reference: { status: number, body: unknown }) {
    this.target = target
    this.transport = transport
    this.reference = reference
    this.routes = [...routesFromSpec(), ...EXTRA_ROUTES]
    this.generators = new Generators(this.routes, target.known)
  }

  static async open (): Promise<FuzzSession> {
    const target = await FuzzTarget.start()
    const transport = new Transport(target.server.url, ANSWER_TIMEOUT_MS)
    const reference = await target.normalLookup()
    if (reference.status !== 200) throw new Error(`the normal request answered ${reference.status}`)
    return new FuzzSession(target, transport, reference)
  }

  route (name: string): RouteSpec {
    const route = this.routes.find((r) => r.name === name)
    if (route === undefined) throw new Error(`no route ${name}`)
    return route
  }

  arbitrary (route?: RouteSpec): fc.Arbitrary<FuzzCase> {
    return this.generators.case(route)
  }

  /** Runs a case; throws a FuzzFailure listing every broken property. Each case starts from the seeded state. */
  runCase = async (fuzzCase: FuzzCase): Promise<void> => {
    this.tally.cases += 1
    const problems: string[] = []
    const sent: Sent[] = []
    // Tokens whose tenant a step may have changed: put back after the case even if no fingerprint moved.
    const changed: Array<string | null> = []
    try {
      for (const step of fuzzCase.steps) {
        const checked = await checkStep(this.target, this.transport, step, sent, this.tally, this.trace)
        problems.push(...checked.problems)
        if (checked.changed) changed.push(tokenOf(step))
        await this.target.settleWebhooks((token) => this.transport.sendRaw({
          route: 'settle',
          method: 'POST',
          path: '/__admin/clock/advance',
          query: '',
          body: { kind: 'json', spec: { v: { by: 0 } } },
          headers: [['authorization', `Bearer ${token}`], ['content-type', 'application/json']],
        }))
        if (problems.length > 0) break
      }
    } finally {
      this.target.restore(changed)
    }
    if (problems.length > 0) throw new FuzzFailure(problems.join('\n'))
  }

  /** 5. The server still answers a normal request exactly as it did at the start. */
  async checkNormalRequest (): Promise<void> {
    const now = await this.target.normalLookup()
    if (!isDeepStrictEqual(now, this.reference)) throw new FuzzFailure(`a normal getByCustomer now answers ${now.status} ${excerpt(JSON.stringify(now.body))}`)
  }

  async close (): Promise<void> {
    await this.transport.close()
    await this.target.close()
  }
}
