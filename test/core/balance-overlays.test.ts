import { describe, expect, it } from 'vitest'
import { BalanceOverlays } from '../../src/core/overlays.js'

const WITH = { _id: 'with', ledger_balance: 10, available_balance: 9, last_updated: '2026-01-01T00:00:00.000Z' }
const WITHOUT = { _id: 'without', ledger_balance: 20, last_updated: '2026-01-02T00:00:00.000Z' }
const entry = (amount: number) => ({ _id: `e${amount}`, amount, owner: 'o', last_updated: 'at' })

function overlays (limits = { records: 2, history: 2 }): { overlays: BalanceOverlays, changes: () => number } {
  let changes = 0
  return { overlays: new BalanceOverlays(() => { changes += 1 }, limits), changes: () => changes }
}

describe('BalanceOverlays', () => {
  it('makes an overlay from the fixture once, fetched when last updated, with no available balance where the bank has none', () => {
    const { overlays: o, changes } = overlays()
    expect(o.get('with')).toBeUndefined()
    const made = o.of(WITH)
    expect(made).toStrictEqual({ ledger_balance: 10, available_balance: 9, last_updated: WITH.last_updated, last_fetched: WITH.last_updated, periodic: { available_balance: [], ledger_balance: [] }, records: [] })
    expect(changes()).toBe(1)
    expect(o.of(WITH)).toBe(made)
    expect(changes()).toBe(1)
    expect(o.of(WITHOUT)).toStrictEqual({ ledger_balance: 20, last_updated: WITHOUT.last_updated, last_fetched: WITHOUT.last_updated, periodic: { available_balance: [], ledger_balance: [] }, records: [] })
    expect(o.state.map(([id]) => id)).toStrictEqual(['with', 'without'])
    expect(o.view.get('with')).toBe(made)
  })

  it('keeps a balance\'s newest record ids only', () => {
    const { overlays: o, changes } = overlays()
    for (const id of ['r1', 'r2', 'r3']) o.addRecord(WITH, id)
    expect(o.get('with')?.records).toStrictEqual(['r2', 'r3'])
    expect(changes()).toBe(4)
  })

  it('stores what the bank answered, dated, with its newest history entries only', () => {
    const { overlays: o, changes } = overlays()
    o.storeFetched(WITH, { ledger_balance: 1, available_balance: 2 }, 't1', entry)
    o.storeFetched(WITH, { ledger_balance: 3, available_balance: 4 }, 't2', entry)
    o.storeFetched(WITH, { ledger_balance: 5 }, 't3', entry)
    expect(o.get('with')).toStrictEqual({
      ledger_balance: 5,
      available_balance: 4,
      last_updated: 't3',
      last_fetched: 't3',
      periodic: { available_balance: [entry(2), entry(4)], ledger_balance: [entry(3), entry(5)] },
      records: [],
    })
    expect(changes()).toBe(4)
  })

  it('loads a saved state in place of its own', () => {
    const { overlays: o, changes } = overlays()
    o.of(WITH)
    const saved = { ledger_balance: 7, last_updated: 'x', last_fetched: 'y', periodic: { available_balance: [], ledger_balance: [] }, records: ['r'] }
    o.load([['without', saved]])
    expect(o.state).toStrictEqual([['without', saved]])
    expect(o.get('with')).toBeUndefined()
    expect(changes()).toBe(2)
  })
})
