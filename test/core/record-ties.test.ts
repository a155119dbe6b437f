import { describe, expect, it } from 'vitest'
import { RecordBook, type EmulatedRecord, type RecordState } from '../../src/core/records.js'

/** A record as a database holds it; `seq` is its creation order. */
const stored = (id: string, seq: number, state: RecordState, times: { dueAt?: number, endedAt?: number }): EmulatedRecord => ({
  _id: id,
  method: 'CHECK_BALANCE',
  account: `acc-${id}`,
  balance: 'bal',
  seq,
  createdAt: 0,
  callbackUrl: '',
  policy: { kind: 'delay', ms: times.dueAt ?? 0 },
  outcome: { kind: 'success' },
  state,
  polls: 0,
  dueAt: times.dueAt ?? null,
  endedAt: times.endedAt ?? null,
  result: null,
  failure: null,
})

// A loaded book holds records in the order the database listed them, which need not be creation order:
// only `seq` can then break a tie.
describe('records due or ended at the same instant', () => {
  it('settle in creation order whatever order they were loaded in', () => {
    const book = new RecordBook(() => {}, 10)
    book.load({ seq: 4, records: [stored('c', 3, 'running', { dueAt: 100 }), stored('a', 1, 'running', { dueAt: 100 }), stored('b', 2, 'running', { dueAt: 100 }), stored('early', 4, 'running', { dueAt: 50 })] })
    expect(book.due(100).map((r) => r._id)).toStrictEqual(['early', 'a', 'b', 'c'])
    expect(book.due(99).map((r) => r._id)).toStrictEqual(['early'])
  })

  it('are dropped past the bound in creation order whatever order they were loaded in', () => {
    const book = new RecordBook(() => {}, 3)
    book.load({ seq: 4, records: [stored('c', 3, 'done', { endedAt: 10 }), stored('late', 1, 'done', { endedAt: 20 }), stored('a', 2, 'done', { endedAt: 10 }), stored('run', 4, 'running', { dueAt: 1000 })] })
    const kept = (): string[] => [...book.values()].map((r) => r._id).sort()
    const finishOne = (id: string): void => {
      book.finish(book.start({ _id: id, method: 'CHECK_BALANCE', account: id, balance: 'bal', createdAt: 0, callbackUrl: '', policy: { kind: 'manual' }, outcome: { kind: 'success' } }), 30, { kind: 'success' }, null)
    }
    finishOne('x')
    expect(kept()).toStrictEqual(['c', 'late', 'run', 'x'])
    finishOne('y')
    expect(kept()).toStrictEqual(['late', 'run', 'x', 'y'])
    finishOne('z')
    expect(kept()).toStrictEqual(['run', 'x', 'y', 'z'])
  })
})

describe('a fresh record book', () => {
  it('drops its first finished record once past its bound', () => {
    const book = new RecordBook(() => {}, 1)
    for (const id of ['one', 'two']) book.finish(book.start({ _id: id, method: 'BALANCE', account: id, balance: 'bal', createdAt: 0, callbackUrl: '', policy: { kind: 'manual' }, outcome: { kind: 'success' } }), 5, { kind: 'success' }, null)
    expect([...book.values()].map((r) => r._id)).toStrictEqual(['two'])
  })
})
