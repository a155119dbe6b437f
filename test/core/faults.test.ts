import { describe, expect, it } from 'vitest'
import { FaultBook, type FaultSubject } from '../../src/core/faults.js'

const lookup = (overrides: Partial<FaultSubject> = {}): FaultSubject => ({ route: 'balance/getByCustomer', account: 'a1', customer: 'c1', ...overrides })

describe('FaultBook', () => {
  it('matches by route, account and customer, every given field at once', () => {
    const book = new FaultBook(() => {})
    book.add('r1', { match: { route: '/balance/getByAccount', account: 'a2' }, action: { kind: 'timeout' } })
    expect(book.pick(lookup({ route: 'balance/getByAccount', account: 'a1' }))).toBeNull()
    expect(book.pick(lookup({ route: 'balance/getByCustomer', account: 'a2' }))).toBeNull()
    expect(book.pick(lookup({ route: 'balance/getByAccount', account: 'a2' }))?.id).toBe('r1')
    book.add('r2', { match: { customer: 'c9' }, action: { kind: 'close' } })
    expect(book.pick(lookup({ route: 'callback', account: 'x', customer: 'c9' }))?.id).toBe('r2')
    expect(book.pick(lookup({ customer: 'c8' }))).toBeNull()
  })

  it('fires on the next N matches only, then lets requests through', () => {
    const book = new FaultBook(() => {})
    book.add('r', { action: { kind: 'rate_limit' }, times: 2 })
    const fired = Array.from({ length: 4 }, () => book.pick(lookup())?.id ?? null)
    expect(fired).toStrictEqual(['r', 'r', null, null])
    expect(book.list()[0]).toMatchObject({ matched: 2, applied: 2, times: 2 })
  })

  it('fires on a seeded share of matches, the same ones on every run', () => {
    const run = (seed: number): boolean[] => {
      const book = new FaultBook(() => {})
      book.add('r', { action: { kind: 'error', status: 500 }, share: 0.3, seed })
      return Array.from({ length: 1000 }, () => book.pick(lookup()) !== null)
    }
    const first = run(7)
    expect(run(7)).toStrictEqual(first)
    expect(run(8)).not.toStrictEqual(first)
    const fired = first.filter(Boolean).length
    // A share of 0.3 over 1,000 requests: well within four standard deviations (about 58).
    expect(fired).toBeGreaterThan(240)
    expect(fired).toBeLessThan(360)
  })

  it('lets the first rule that fires win while every matching rule counts the request', () => {
    const book = new FaultBook(() => {})
    book.add('latency', { action: { kind: 'latency', ms: 5 } })
    book.add('error', { action: { kind: 'error', status: 502 } })
    expect(book.pick(lookup())?.id).toBe('latency')
    expect(book.list().map((r) => [r.id, r.matched, r.applied])).toStrictEqual([['latency', 1, 1], ['error', 1, 0]])
  })

  it('removes one rule or all, and refuses an unknown id', () => {
    const book = new FaultBook(() => {})
    book.add('a', { action: { kind: 'timeout' } })
    book.add('b', { action: { kind: 'timeout' } })
    expect(book.remove('a').id).toBe('a')
    expect(book.list().map((r) => r.id)).toStrictEqual(['b'])
    expect(() => book.remove('zzz')).toThrow('No fault rule with id "zzz"')
    book.clear()
    expect(book.list()).toStrictEqual([])
  })
})
