import { describe, expect, it } from 'vitest'
import { BalanceOverlays, historyOf, recordIdsOf, Ring, unpackable, type BalanceOverlay } from '../../src/core/overlays.js'

const WITH = { _id: 'with', ledger_balance: 10, available_balance: 9, last_updated: '2026-01-01T00:00:00.000Z' }
const WITHOUT = { _id: 'without', ledger_balance: 20, last_updated: '2026-01-02T00:00:00.000Z' }
const EMPTY = { available_balance: [], ledger_balance: [] }
const T1 = Date.parse('2026-03-01T10:00:00.000Z')
// The largest ids there are, and ids with leading zeros in each half, must come back digit for digit.
const R1 = 'ffffffffffffffffffffffff'
const R2 = '000000000001000000000002'
const R3 = '65e0fb087fcd5c0200000003'

function overlays (limits = { records: 2, history: 2 }): { overlays: BalanceOverlays, changes: () => number } {
  let changes = 0
  return { overlays: new BalanceOverlays(() => { changes += 1 }, limits), changes: () => changes }
}

/** Hands out the given ids in turn, as a tenant's id generator would. */
function idsFrom (...ids: string[]): () => string {
  return () => ids.shift() as string
}

describe('BalanceOverlays', () => {
  it('makes an overlay from the fixture once, fetched when last updated, with no available balance where the bank has none', () => {
    const { overlays: o, changes } = overlays()
    expect(o.get('with')).toBeUndefined()
    const made = o.of(WITH)
    expect(o.state('owner')).toStrictEqual([['with', { ledger_balance: 10, available_balance: 9, last_updated: WITH.last_updated, last_fetched: WITH.last_updated, periodic: EMPTY, records: [] }]])
    expect(changes()).toBe(1)
    expect(o.of(WITH)).toBe(made)
    expect(changes()).toBe(1)
    o.of(WITHOUT)
    expect(['available_balance' in made, 'available_balance' in o.get('without')!]).toStrictEqual([true, false])
    expect(o.state('owner')[1]).toStrictEqual(['without', { ledger_balance: 20, last_updated: WITHOUT.last_updated, last_fetched: WITHOUT.last_updated, periodic: EMPTY, records: [] }])
    expect([...o.view.keys()]).toStrictEqual(['with', 'without'])
    expect(o.view.get('with')).toBe(made)
  })

  it('keeps a balance\'s newest record ids only, each exactly as it was given', () => {
    const { overlays: o, changes } = overlays()
    for (const id of [R3, R1, R2]) o.addRecord(WITH, id)
    expect(recordIdsOf(o.get('with')!)).toStrictEqual([R1, R2])
    expect(changes()).toBe(4)
  })

  it('stores what the bank answered, dated, with its newest history entries only, each with its own id', () => {
    const { overlays: o, changes } = overlays()
    o.storeFetched(WITH, { ledger_balance: 1, available_balance: 2 }, T1, idsFrom('000000000000000000000a01', '000000000000000000000a02'))
    o.storeFetched(WITH, { ledger_balance: 3.25, available_balance: -4.5 }, T1 + 1, idsFrom(R1, R2))
    o.storeFetched(WITH, { ledger_balance: 5 }, T1 + 2, idsFrom(R3))
    const at = (ms: number): string => new Date(ms).toISOString()
    const [[, stored]] = o.state('the-owner') as [[string, BalanceOverlay]]
    expect(stored).toStrictEqual({
      ledger_balance: 5,
      available_balance: -4.5,
      last_updated: at(T1 + 2),
      last_fetched: at(T1 + 2),
      periodic: {
        available_balance: [
          { _id: '000000000000000000000a02', amount: 2, owner: 'the-owner', last_updated: at(T1) },
          { _id: R2, amount: -4.5, owner: 'the-owner', last_updated: at(T1 + 1) },
        ],
        ledger_balance: [
          { _id: R1, amount: 3.25, owner: 'the-owner', last_updated: at(T1 + 1) },
          { _id: R3, amount: 5, owner: 'the-owner', last_updated: at(T1 + 2) },
        ],
      },
      records: [],
    })
    expect(historyOf(o.get('with')!, 'the-owner')).toStrictEqual(stored.periodic)
    expect(changes()).toBe(4)
  })

  it('loads a saved state in place of its own, and gives it back as it was', () => {
    const { overlays: o, changes } = overlays()
    o.of(WITH)
    const saved: BalanceOverlay = {
      ledger_balance: 7,
      last_updated: 'x',
      last_fetched: 'y',
      periodic: { available_balance: [], ledger_balance: [{ _id: R3, amount: 0.01, owner: 'o', last_updated: '1970-01-01T00:00:00.000Z' }] },
      records: [R2],
    }
    o.load([['without', saved]])
    expect(o.state('o')).toStrictEqual([['without', saved]])
    expect('available_balance' in o.get('without')!).toBe(false)
    expect(o.get('with')).toBeUndefined()
    expect(changes()).toBe(2)
  })

  it('refuses, changing nothing, a state it could not give back exactly', () => {
    const { overlays: o } = overlays()
    o.of(WITH)
    const entry = { _id: R1, amount: 1, owner: 'o', last_updated: '2026-01-01T00:00:00.000Z' }
    const base: BalanceOverlay = { ledger_balance: 1, last_updated: 'x', last_fetched: 'y', periodic: { available_balance: [], ledger_balance: [entry] }, records: [R2] }
    expect(unpackable(base)).toBeUndefined()
    const bad: Array<[BalanceOverlay, string]> = [
      [{ ...base, records: [R2, 'r-2'] }, 'records: each must be 24 lowercase hex digits'],
      [{ ...base, records: [R3.toUpperCase()] }, 'records: each must be 24 lowercase hex digits'],
      [{ ...base, periodic: { available_balance: [{ ...entry, _id: 'e1' }], ledger_balance: [] } }, 'periodic.available_balance[0]._id: must be 24 lowercase hex digits'],
      [{ ...base, periodic: { available_balance: [], ledger_balance: [entry, { ...entry, last_updated: '2026-01-01T00:00:00Z' }] } }, 'periodic.ledger_balance[1].last_updated: must be an ISO instant such as 2026-01-01T00:00:00.000Z'],
      [{ ...base, periodic: { available_balance: [], ledger_balance: [{ ...entry, last_updated: 'soon' }] } }, 'periodic.ledger_balance[0].last_updated: must be an ISO instant such as 2026-01-01T00:00:00.000Z'],
    ]
    for (const [overlay, problem] of bad) {
      const [field, text] = problem.split(': ') as [string, string]
      expect(unpackable(overlay)).toStrictEqual({ field, problem: text })
      expect(() => o.load([['without', overlay]])).toThrow(`An overlay that cannot be packed: ${problem}`)
    }
    expect([...o.view.keys()]).toStrictEqual(['with'])
  })
})

describe('Ring', () => {
  it('keeps its newest entries, oldest first, at every turn of the ring', () => {
    const ring = new Ring(3, 2)
    const read = (): number[][] => ring.map((slots, at) => [slots[at] as number, slots[at + 1] as number])
    expect([ring.size, read()]).toStrictEqual([0, []])
    const seen: number[][][] = []
    for (let n = 1; n <= 7; n++) {
      ring.push(n, -n)
      seen.push(read())
    }
    expect(seen).toStrictEqual([
      [[1, -1]],
      [[1, -1], [2, -2]],
      [[1, -1], [2, -2], [3, -3]],
      [[2, -2], [3, -3], [4, -4]],
      [[3, -3], [4, -4], [5, -5]],
      [[4, -4], [5, -5], [6, -6]],
      [[5, -5], [6, -6], [7, -7]],
    ])
    expect(ring.size).toBe(3)
  })
})
