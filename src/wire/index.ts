/**
 * The wire contract's types, by name. Every one comes from openapi.yaml through openapi.ts, which
 * `npm run gen:types` writes and `npm test` checks is current: a shape on the wire is declared once,
 * in the spec. This module imports nothing else, so any layer may use it.
 */
import type { components, operations } from './openapi.js'

type Schemas = components['schemas']
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never

/** The JSON body an operation takes. */
export type Body<Op extends keyof operations> = Json<NonNullable<operations[Op]['requestBody']>>
/** The query string an operation takes. */
export type Query<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>
/** The `data` of an operation's 200 answer. */
export type Answer<Op extends keyof operations> = Json<operations[Op]['responses'][200]> extends { data: infer D } ? D : never

/**
 * One variant of a schema whose `kind` decides which other fields it requires. openapi-typescript
 * does not translate the spec's if/then, so each variant names the fields its kind requires there;
 * the fields' types are the generated ones.
 */
type Variant<T extends { kind: string }, K extends T['kind'], Required extends keyof T = never> =
  { kind: K } & { [P in Required]-?: NonNullable<T[P]> }

/** A duration such as "3s", "2m", "250ms", or a number of milliseconds. */
export type Duration = Schemas['Duration']
/** When a record completes, as the control API and the fixtures write it: `{ kind: 'delay', after: '3s' }`. */
export type Policy =
  | Variant<Schemas['Policy'], 'delay', 'after'>
  | Variant<Schemas['Policy'], 'polls', 'polls'>
  | Variant<Schemas['Policy'], 'immediate'>
  | Variant<Schemas['Policy'], 'manual'>
/** A bank failure a record can be made to end with. */
export type Failure = Variant<Schemas['Failure'], 'timeout'> | Variant<Schemas['Failure'], 'bank_error', 'message'>

export type ClockView = Schemas['ClockView']
/** POST /__admin/clock/advance: one of `by`, `to` or `until`, and the caps of `until`. */
export type AdvanceBody = Schemas['AdvanceBody']
/** What an advance `until` a goal did before a cap or a timeout stopped it (its 408's data). */
export type AdvanceStopped = Schemas['AdvanceStopped']
export type TenantView = Schemas['TenantView']
/** How a failed record ended: a bank failure, or the emulator's own. */
export type RecordFailure = Failure | Schemas['EmulatorFailure']
export type RecordSummary = Omit<Schemas['RecordSummary'], 'policy' | 'failure'> & { policy: Policy, failure: RecordFailure | null }
export type FaultMatch = Schemas['FaultMatch']
export type FaultAction = Schemas['FaultAction']
export type FaultRuleBody = Schemas['FaultRuleBody']
export type FaultRule = Schemas['FaultRule']
export type JournalEntry = Schemas['JournalEntry']
/** A run manifest: what reproduces a tenant's state (GET/POST /__admin/manifest). */
export type Manifest = Schemas['Manifest']
export type WebhookSettings = Schemas['WebhookSettings']
export type WebhookDelivery = Schemas['WebhookDelivery']
export type Bank = Schemas['Bank']
export type Customer = Schemas['Customer']
export type Periodic = Schemas['Periodic']
