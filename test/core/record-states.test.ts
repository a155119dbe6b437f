import { describe, expect, it } from 'vitest'
import { DomainError } from '../../src/core/errors.js'
import { dueAtFor, nextState, processOf, RECORD_METHODS, type EmulatedRecord, type RecordState } from '../../src/core/records.js'

const record = (state: RecordState): EmulatedRecord => ({
  _id: '65a1b2c3d4e5f60718293a4b',
  method: 'BALANCE',
  account: 'acc',
  balance: 'bal',
  seq: 1,
  createdAt: 0,
  callbackUrl: 'http://127.0.0.1:9/hook',
  policy: { kind: 'manual' },
  outcome: { kind: 'success' },
  state,
  polls: 0,
  dueAt: null,
  endedAt: null,
  result: null,
  failure: null,
})

function thrown (fn: () => unknown): DomainError {
  try { fn() } catch (error) { if (error instanceof DomainError) return error }
  throw new Error('expected a DomainError')
}

describe('record states', () => {
  it('moves a running record on every event', () => {
    expect((['complete', 'fail', 'stall', 'repolicy'] as const).map((e) => nextState(record('running'), e)))
      .toStrictEqual(['done', 'failed', 'running', 'running'])
  })

  it('refuses every event on an ended record, saying which', () => {
    const error = thrown(() => nextState(record('done'), 'complete'))
    expect([error.code, error.message]).toStrictEqual(['OKRA_EMU_INVALID_TRANSITION', 'Record 65a1b2c3d4e5f60718293a4b is done; it cannot complete'])
    expect(thrown(() => nextState(record('failed'), 'repolicy')).message).toBe('Record 65a1b2c3d4e5f60718293a4b is failed; it cannot change policy')
    expect(thrown(() => nextState(record('done'), 'stall')).message).toBe('Record 65a1b2c3d4e5f60718293a4b is done; it cannot stall')
  })

  it('falls due by the clock only under delay and immediate', () => {
    expect(dueAtFor({ kind: 'delay', ms: 2_500 }, 1_000)).toBe(3_500)
    expect(dueAtFor({ kind: 'immediate' }, 1_000)).toBe(1_000)
    expect(dueAtFor({ kind: 'polls', polls: 3 }, 1_000)).toBeNull()
    expect(dueAtFor({ kind: 'manual' }, 1_000)).toBeNull()
  })

  it('shows running, then completed only when done', () => {
    expect(processOf('running')).toStrictEqual({ running: true, completed: false })
    expect(processOf('done')).toStrictEqual({ running: false, completed: true })
    expect(processOf('failed')).toStrictEqual({ running: false, completed: false })
  })

  it('knows both of Okra\'s balance record methods', () => {
    expect(RECORD_METHODS).toStrictEqual(['BALANCE', 'CHECK_BALANCE'])
  })
})
