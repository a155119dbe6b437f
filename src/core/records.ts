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
  /** The emulator failed settling the record (a bug, or data it could not read); the message says what. */
  | { kind: 'emulator_error', message: string }

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

/**
 * A tenant's records. The running ones are kept apart, with each account's running refresh (a
 * second refresh meanwhile returns it: Okra's debounce); of the finished ones only the newest
 * `finishedLimit` stay, and a running record is never dropped.
 */
export class RecordBook {
  private readonly byId = new Map<string, EmulatedRecord>()
  private readonly running = new Set<EmulatedRecord>()
  private readonly refreshing = new Map<string, EmulatedRecord>()
  /** Ids of finished records, oldest first. */
  private finished: string[] = []
  private seq = 0

  constructor (private readonly changed: () => void, private readonly finishedLimit: number) {}

  get (id: string): EmulatedRecord | undefined { return this.byId.get(id) }
  get size (): number { return this.byId.size }
  get runningCount (): number { return this.running.size }
  values (): IterableIterator<EmulatedRecord> { return this.byId.values() }
  runningRefreshOf (accountId: string): EmulatedRecord | undefined { return this.refreshing.get(accountId) }

  /** The record, or OKRA_EMU_RECORD_NOT_FOUND. */
  of (id: string): EmulatedRecord {
    const record = this.byId.get(id)
    if (record === undefined) throw new DomainError('OKRA_EMU_RECORD_NOT_FOUND', `No record found with id "${id}"`)
    return record
  }

  /** A new running record, due as its policy says. */
  start (fields: Pick<EmulatedRecord, '_id' | 'method' | 'account' | 'balance' | 'createdAt' | 'callbackUrl' | 'policy' | 'outcome'>): EmulatedRecord {
    const due = dueAtFor(fields.policy, fields.createdAt)
    const record: EmulatedRecord = { ...fields, seq: ++this.seq, state: 'running', polls: 0, dueAt: due, endedAt: null, result: null, failure: null }
    this.add(record)
    this.changed()
    return record
  }

  private add (record: EmulatedRecord): void {
    this.byId.set(record._id, record)
    if (record.state !== 'running') return
    this.running.add(record)
    if (record.method === 'BALANCE') this.refreshing.set(record.account, record)
  }

  poll (record: EmulatedRecord): void {
    record.polls += 1
    this.changed()
  }

  /** A new policy, counted from when the record began. */
  repolicy (record: EmulatedRecord, policy: RecordPolicy): void {
    nextState(record, policy.kind === 'manual' ? 'stall' : 'repolicy')
    record.policy = policy
    record.dueAt = dueAtFor(policy, record.createdAt)
    this.changed()
  }

  /** Ends a running record at `atMs` with `outcome`; `result` is what a successful one found. */
  finish (record: EmulatedRecord, atMs: number, outcome: RecordOutcome, result: RecordResult | null): void {
    record.state = nextState(record, outcome.kind === 'success' ? 'complete' : 'fail')
    Object.assign<EmulatedRecord, Partial<EmulatedRecord>>(record, { outcome, failure: outcome.kind === 'success' ? null : outcome, result, endedAt: atMs })
    this.running.delete(record)
    if (this.refreshing.get(record.account) === record) this.refreshing.delete(record.account)
    this.finished.push(record._id)
    if (this.finished.length > this.finishedLimit) this.byId.delete(this.finished.shift() as string)
    this.changed()
  }

  /** The running records due by `now`, in due order (then creation order). */
  due (now: number): EmulatedRecord[] {
    return [...this.running].filter((r) => r.dueAt !== null && r.dueAt <= now)
      .sort((a, b) => (a.dueAt as number) - (b.dueAt as number) || a.seq - b.seq)
  }

  nextDueAt (): number | null { return earliest([...this.running].map((r) => r.dueAt)) }
  get state (): { seq: number, records: EmulatedRecord[] } { return { seq: this.seq, records: [...this.byId.values()] } }

  load (state: { seq: number, records: EmulatedRecord[] }): void {
    this.seq = state.seq
    this.byId.clear()
    this.running.clear()
    this.refreshing.clear()
    for (const record of state.records) this.add(record)
    this.finished = state.records.filter((r) => r.state !== 'running')
      .sort((a, b) => (a.endedAt as number) - (b.endedAt as number) || a.seq - b.seq).map((r) => r._id)
    this.changed()
  }
}

/** The earliest of some instants, null when there is none. */
export function earliest (times: Array<number | null>): number | null {
  const known = times.filter((t) => t !== null)
  return known.length === 0 ? null : Math.min(...known)
}
