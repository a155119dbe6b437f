import { DomainError } from './errors.js'

export type RecordMethod = 'BALANCE' | 'CHECK_BALANCE'
export const RECORD_METHODS: readonly RecordMethod[] = ['BALANCE', 'CHECK_BALANCE']

/** When a running record completes. */
export type RecordPolicy =
  | { kind: 'delay', ms: number }
  | { kind: 'polls', polls: number }
  | { kind: 'immediate' }
  | { kind: 'manual' }

/** How a record ends when it does. */
export type RecordOutcome =
  | { kind: 'success' }
  | { kind: 'timeout' }
  | { kind: 'bank_error', message: string }

export type RecordState = 'running' | 'done' | 'failed'

/** What a completed record found; dates are ISO strings as Okra sends them. */
export interface RecordResult {
  balance_changed: boolean
  last_checked: string
  last_fetched: string
}

export interface EmulatedRecord {
  _id: string
  method: RecordMethod
  account: string
  balance: string
  /** Creation order, to settle records due at the same instant in the order they began. */
  seq: number
  createdAt: number
  callbackUrl: string
  policy: RecordPolicy
  outcome: RecordOutcome
  state: RecordState
  polls: number
  /** When a time-driven policy completes the record; null for polls and manual. */
  dueAt: number | null
  endedAt: number | null
  result: RecordResult | null
  failure: Exclude<RecordOutcome, { kind: 'success' }> | null
}

type RecordEvent = 'complete' | 'fail' | 'stall' | 'repolicy'

/** Every move a record can make; anything else is OKRA_EMU_INVALID_TRANSITION. */
const TRANSITIONS: ReadonlyArray<{ from: RecordState, event: RecordEvent, to: RecordState }> = [
  { from: 'running', event: 'complete', to: 'done' },
  { from: 'running', event: 'fail', to: 'failed' },
  { from: 'running', event: 'stall', to: 'running' },
  { from: 'running', event: 'repolicy', to: 'running' },
]

export function nextState (record: EmulatedRecord, event: RecordEvent): RecordState {
  const move = TRANSITIONS.find((t) => t.from === record.state && t.event === event)
  if (move === undefined) {
    throw new DomainError('OKRA_EMU_INVALID_TRANSITION', `Record ${record._id} is ${record.state}; it cannot ${event === 'repolicy' ? 'change policy' : event}`)
  }
  return move.to
}

/** When a record under `policy`, begun at `createdAt`, falls due by the clock alone. */
export function dueAtFor (policy: RecordPolicy, createdAt: number): number | null {
  switch (policy.kind) {
    case 'delay': return createdAt + policy.ms
    case 'immediate': return createdAt
    case 'polls':
    case 'manual': return null
  }
}

/** Okra's observable record progress inside a balance: running, then completed. */
export function processOf (state: RecordState): { running: boolean, completed: boolean } {
  return { running: state === 'running', completed: state === 'done' }
}
