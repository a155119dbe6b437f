import { describe, expect, it } from 'vitest'
import { DomainError } from '../../src/core/errors.js'
import { FaultBook, MAX_FAULT_LATENCY_MS, normalizeRoute, type FaultAction, type FaultSubject } from '../../src/core/faults.js'

const subject: FaultSubject = { route: 'balance/getByAccount', account: 'a1', customer: 'c1' }

/** mulberry32 as published (Tommy Ettinger), written apart from the code under test. */
function mulberry32 (seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A book that counts the changes it reports, as a tenant's save-on-change hook would see them. */
function counted (): { book: FaultBook, changes: () => number } {
  let n = 0
  return { book: new FaultBook(() => { n += 1 }), changes: () => n }
}

function thrown (fn: () => unknown): DomainError {
  try { fn() } catch (error) { if (error instanceof DomainError) return error }
  throw new Error('expected a DomainError')
}

describe('fault rules', () => {
  it('takes a latency of at most 60 s and refuses a longer one, naming action.ms', () => {
    const { book, changes } = counted()
    expect(book.add('slow', { action: { kind: 'latency', ms: MAX_FAULT_LATENCY_MS } }).action).toStrictEqual({ kind: 'latency', ms: 60_000 })
    const error = thrown(() => book.add('slower', { action: { kind: 'latency', ms: 60_001 } }))
    expect([error.code, error.message, error.data]).toStrictEqual([
      'OKRA_EMU_INVALID_FIELD', 'Invalid field "action.ms": must be at most 60000', { field: 'action.ms' },
    ])
    expect(book.list().map((r) => r.id)).toStrictEqual(['slow'])
    expect(changes()).toBe(1)
  })

  it('stores a copy of the rule as given, with its defaults', () => {
    const book = new FaultBook(() => {})
    const action: FaultAction = { kind: 'error', status: 503, body: { message: 'down' } }
    const match = { route: 'balance/getByAccount' }
    const rule = book.add('e', { match, action })
    action.status = 500
    match.route = 'callback'
    expect(book.list()).toStrictEqual([{
      id: 'e',
      match: { route: 'balance/getByAccount' },
      action: { kind: 'error', status: 503, body: { message: 'down' } },
      times: null,
      share: null,
      seed: 1,
      matched: 0,
      applied: 0,
      rng: 1,
    }])
    expect(rule).toBe(book.list()[0])
  })

  it('draws a share from mulberry32 seeded with the rule\'s seed, so a stored run repeats exactly', () => {
    for (const seed of [1, 7, 123_456_789]) {
      const book = new FaultBook(() => {})
      book.add('r', { action: { kind: 'timeout' }, share: 0.5, seed })
      const next = mulberry32(seed)
      const expected = Array.from({ length: 64 }, () => next() < 0.5)
      expect(Array.from({ length: 64 }, () => book.pick(subject) !== null)).toStrictEqual(expected)
    }
  })

  it('keeps a negative seed as its unsigned 32-bit generator state', () => {
    const book = new FaultBook(() => {})
    expect(book.add('r', { action: { kind: 'timeout' }, share: 0.5, seed: -1 })).toMatchObject({ seed: -1, rng: 4_294_967_295 })
  })

  it('hands its rules out and takes them back as state, counts included', () => {
    const book = new FaultBook(() => {})
    book.add('r', { action: { kind: 'close' }, times: 1 })
    book.pick(subject)
    const saved = structuredClone(book.state)
    expect(saved).toMatchObject([{ id: 'r', matched: 1, applied: 1 }])
    const other = new FaultBook(() => {})
    other.state = saved
    expect(other.pick(subject)).toBeNull()
    expect(other.list()).toBe(saved)
  })

  it('refuses to remove an unknown rule with its own code, changing nothing', () => {
    const { book, changes } = counted()
    expect(thrown(() => book.remove('nope')).code).toBe('OKRA_EMU_FAULT_NOT_FOUND')
    expect(changes()).toBe(0)
  })

  it('reports every change: add, remove, clear, new state, and each rule a request counts on', () => {
    const { book, changes } = counted()
    book.add('a', { action: { kind: 'timeout' } })
    book.add('b', { match: { customer: 'c1' }, action: { kind: 'close' } })
    book.add('c', { match: { customer: 'c9' }, action: { kind: 'close' } })
    expect(changes()).toBe(3)
    book.pick(subject)
    expect(changes()).toBe(5)
    book.remove('a')
    book.clear()
    book.state = []
    expect(changes()).toBe(8)
  })

  it('strips every leading slash from a route, and only leading ones', () => {
    expect(normalizeRoute('//balance/getByAccount')).toBe('balance/getByAccount')
    expect(normalizeRoute('balance/getByAccount')).toBe('balance/getByAccount')
    const book = new FaultBook(() => {})
    book.add('r', { match: { route: '///balance/getByAccount' }, action: { kind: 'timeout' } })
    expect(book.pick(subject)?.id).toBe('r')
  })
})
