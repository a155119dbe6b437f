import { describe, expect, it } from 'vitest'
import { DomainError } from '../../src/core/errors.js'
import { RecordBook, type EmulatedRecord, type RecordMethod, type RecordPolicy } from '../../src/core/records.js'

const fields = (id: string, policy: RecordPolicy, method: RecordMethod = 'BALANCE', createdAt = 1_000) => ({
  _id: id, method, account: 'acc', balance: 'bal', createdAt, callbackUrl: '', policy, outcome: { kind: 'success' as const },
})

function thrown (fn: () => unknown): DomainError {
  try { fn() } catch (error) { if (error instanceof DomainError) return error }
  throw new Error('expected a DomainError')
}

describe('RecordBook', () => {
  it('numbers records in the order they start and names an unknown id', () => {
    const book = new RecordBook(() => {}, 10)
    expect([book.start(fields('r1', { kind: 'manual' })).seq, book.start(fields('r2', { kind: 'manual' })).seq]).toStrictEqual([1, 2])
    expect([...book.values()].map((r) => r._id)).toStrictEqual(['r1', 'r2'])
    const error = thrown(() => book.of('nope'))
    expect([error.code, error.message]).toStrictEqual(['OKRA_EMU_RECORD_NOT_FOUND', 'No record found with id "nope"'])
  })

  it('repolicies a running record from when it began, and says stall or change policy for an ended one', () => {
    const book = new RecordBook(() => {}, 10)
    const record = book.start(fields('r1', { kind: 'manual' }))
    book.repolicy(record, { kind: 'delay', ms: 500 })
    expect(record.dueAt).toBe(1_500)
    book.repolicy(record, { kind: 'manual' })
    expect(record.dueAt).toBeNull()
    book.finish(record, 2_000, { kind: 'success' }, null)
    expect(thrown(() => book.repolicy(record, { kind: 'manual' })).message).toBe('Record r1 is done; it cannot stall')
    expect(thrown(() => book.repolicy(record, { kind: 'immediate' })).message).toBe('Record r1 is done; it cannot change policy')
  })

  it('keeps a failure\'s outcome, and none for a success', () => {
    const book = new RecordBook(() => {}, 10)
    const failed = book.start(fields('f', { kind: 'manual' }))
    book.finish(failed, 5, { kind: 'bank_error', message: 'no' }, null)
    const done = book.start(fields('d', { kind: 'manual' }))
    book.finish(done, 6, { kind: 'success' }, null)
    expect([failed.state, failed.failure, failed.endedAt, done.state, done.failure]).toStrictEqual(['failed', { kind: 'bank_error', message: 'no' }, 5, 'done', null])
  })

  it('keeps an account\'s running refresh when a check on the same account ends', () => {
    const book = new RecordBook(() => {}, 10)
    const refresh = book.start(fields('r', { kind: 'manual' }))
    const check = book.start(fields('c', { kind: 'manual' }, 'CHECK_BALANCE'))
    book.finish(check, 5, { kind: 'success' }, null)
    expect(book.runningRefreshOf('acc')).toBe(refresh)
    book.finish(refresh, 6, { kind: 'success' }, null)
    expect(book.runningRefreshOf('acc')).toBeUndefined()
  })

  it('hands out due records by due time, then start order, and the earliest due time left', () => {
    const book = new RecordBook(() => {}, 10)
    book.start(fields('late', { kind: 'delay', ms: 900 }))
    book.start(fields('b', { kind: 'delay', ms: 200 }))
    book.start(fields('a', { kind: 'immediate' }, 'BALANCE', 1_200))
    book.start(fields('never', { kind: 'polls', polls: 2 }))
    expect(book.nextDueAt()).toBe(1_200)
    expect(book.due(1_200).map((r) => r._id)).toStrictEqual(['b', 'a'])
    for (const r of book.due(1_200)) book.finish(r, 1_200, { kind: 'success' }, null)
    expect(book.nextDueAt()).toBe(1_900)
  })

  it('after a load, drops the finished record that ended first once past its bound', () => {
    const ended = (id: string, seq: number, endedAt: number): EmulatedRecord => ({
      ...fields(id, { kind: 'manual' }), seq, state: 'done', polls: 0, dueAt: null, endedAt, result: null, failure: null,
    })
    const book = new RecordBook(() => {}, 2)
    book.load({ seq: 3, records: [ended('second', 1, 20), ended('first', 2, 10)] })
    book.finish(book.start(fields('third', { kind: 'manual' })), 30, { kind: 'success' }, null)
    expect([...book.values()].map((r) => r._id).sort()).toStrictEqual(['second', 'third'])
    expect(book.get('third')?.seq).toBe(4)
  })
})
