import { describe, expect, it } from 'vitest'
import { BalanceReader, parseDayRange, type BalanceView } from '../../src/core/balances.js'
import { BalanceOverlays, type BalanceOverlay } from '../../src/core/overlays.js'
import { JsonDataset } from '../../src/dataset/json.js'
import { OWNER, tinyFixture } from './tiny-fixture.js'

const DAY = 86_400_000
const JAN2 = Date.parse('2026-01-02T00:00:00.000Z')
const JAN3 = JAN2 + DAY

// Customer c1 owns b1, b2, b4 (created the day before, at the start of, and the day after 2 January);
// c2 owns b3; b2 has no available balance.
const dataset = new JsonDataset(tinyFixture([
  { id: 'b4', customer: 'c1', created: '2026-01-03T00:00:00.000Z', ledger: 50, available: 400 },
  { id: 'b3', customer: 'c2', created: '2026-01-02T12:00:00.000Z', ledger: 300, available: 300 },
  { id: 'b2', customer: 'c1', created: '2026-01-02T00:00:00.000Z', ledger: 200, records: ['r-old'] },
  { id: 'b1', customer: 'c1', created: '2026-01-01T23:59:59.999Z', ledger: 100, available: 90 },
]))

const ALL = { page: 1, limit: 10 }
const ids = (page: { items: BalanceView[] }): string[] => page.items.map((view) => view._id)

function overlay (fields: Partial<BalanceOverlay> & { ledger_balance: number }): BalanceOverlay {
  return { last_updated: '2026-02-01T00:00:00.000Z', last_fetched: '2026-02-01T00:00:00.000Z', periodic: { available_balance: [], ledger_balance: [] }, records: [], ...fields }
}

const RUNNING = '65f000000000000000000001'
const DONE = '65f000000000000000000002'

/** A reader over `overlays` as a tenant keeps them (packed), RUNNING the one record still running. */
function reader (overlays: Array<[string, BalanceOverlay]> = []): BalanceReader {
  const kept = new BalanceOverlays(() => {}, { records: 20, history: 20 })
  kept.load(overlays)
  return new BalanceReader(dataset, kept.view, { processOf: (id) => ({ running: id === RUNNING, completed: id !== RUNNING }) })
}

describe('BalanceReader look-ups', () => {
  it('finds a customer\'s balances created within a day range, from its first instant up to but not including its end', () => {
    expect(ids(reader().byCustomerDate('c1', { fromMs: JAN2, toMs: JAN3 }, ALL, false))).toStrictEqual(['b2'])
    expect(ids(reader().byCustomerDate('c1', { fromMs: JAN2 - 1, toMs: JAN3 + 1 }, ALL, false))).toStrictEqual(['b1', 'b2', 'b4'])
    expect(ids(reader().byCustomerDate('c2', { fromMs: JAN2, toMs: JAN3 }, ALL, false))).toStrictEqual(['b3'])
    expect(ids(reader().byCustomerDate('nobody', { fromMs: 0, toMs: JAN3 * 2 }, ALL, false))).toStrictEqual([])
  })

  it('pages a date range, counting only the balances inside it', () => {
    const range = { fromMs: JAN2, toMs: JAN3 + 1 }
    const first = reader().byDate(range, { page: 1, limit: 2 }, false)
    expect(ids(first)).toStrictEqual(['b2', 'b3'])
    expect(first.pagination.totalDocs).toBe(3)
    expect(ids(reader().byDate(range, { page: 2, limit: 2 }, false))).toStrictEqual(['b4'])
    expect(ids(reader().byDate(range, { page: 3, limit: 2 }, false))).toStrictEqual([])
    expect(ids(reader().byDate({ fromMs: JAN2, toMs: JAN3 }, ALL, false))).toStrictEqual(['b2', 'b3'])
  })

  it('pages every balance in the stable order', () => {
    expect(ids(reader().all(ALL, false))).toStrictEqual(['b1', 'b2', 'b3', 'b4'])
    expect(ids(reader().all({ page: 2, limit: 3 }, false))).toStrictEqual(['b4'])
    expect(reader().all({ page: 2, limit: 3 }, false).pagination.totalDocs).toBe(4)
  })

  it('pages a customer\'s balances and an account\'s one balance', () => {
    expect(ids(reader().byCustomer('c1', { page: 2, limit: 2 }, false))).toStrictEqual(['b4'])
    expect(ids(reader().byAccount('acc-b3', ALL, false))).toStrictEqual(['b3'])
    expect(reader().byAccount('acc-none', ALL, false)).toStrictEqual({ pagination: expect.objectContaining({ totalDocs: 0 }), items: [] })
  })

  it('answers an unknown balance id with OKRA_EMU_BALANCE_NOT_FOUND naming it', () => {
    expect(() => reader().byId('nope', false)).toThrow(expect.objectContaining({ code: 'OKRA_EMU_BALANCE_NOT_FOUND', message: 'No balance found with id "nope"' }))
  })
})

describe('BalanceReader.byType', () => {
  it('keeps balances whose amount is at least the threshold, and none without that amount', () => {
    expect(ids(reader().byType('ledger_balance', 200, ALL, false))).toStrictEqual(['b2', 'b3'])
    expect(ids(reader().byType('available_balance', 90, ALL, false))).toStrictEqual(['b1', 'b3', 'b4'])
    expect(ids(reader().byType('available_balance', -1e9, ALL, false))).toStrictEqual(['b1', 'b3', 'b4'])
    expect(ids(reader().byType('ledger_balance', Number.NaN, ALL, false))).toStrictEqual([])
  })

  it('reads a refreshed balance\'s amount from its overlay, both ways, and ignores overlays of unknown balances', () => {
    const overlays: Array<[string, BalanceOverlay]> = [
      ['b1', overlay({ ledger_balance: 1000 })],
      ['b2', overlay({ ledger_balance: 199 })],
      ['b3', overlay({ ledger_balance: 5, available_balance: 5 })],
      ['gone', overlay({ ledger_balance: 1e9 })],
    ]
    expect(ids(reader(overlays).byType('ledger_balance', 200, ALL, false))).toStrictEqual(['b1'])
    expect(ids(reader(overlays).byType('available_balance', 90, ALL, false))).toStrictEqual(['b4'])
  })
})

describe('BalanceReader views', () => {
  it('joins a fixture balance with its account, bank, customer and owner, completed records first', () => {
    const view = reader().byId('b2', true)
    expect(view).toStrictEqual({
      _id: 'b2',
      account: { _id: 'acc-b2', bank: dataset.account('acc-b2')?.view.bank, nuban: '1000000002', name: 'ACCOUNT b2' },
      __v: 0,
      created_at: '2026-01-02T00:00:00.000Z',
      currency: 'NGN',
      customer: { _id: 'c1', name: 'Customer c1' },
      env: 'test-env',
      last_updated: '2026-01-02T00:00:00.000Z',
      ledger_balance: 200,
      owner: [OWNER],
      record: [{ _id: 'r-old', status: { process: { running: false, completed: true } } }],
      connected: [OWNER],
      id: 'b2',
      periodic: { available_balance: [], ledger_balance: [{ _id: 'pl-b2', amount: 200, owner: OWNER, last_updated: '2026-01-02T00:00:00.000Z' }] },
    })
    expect('available_balance' in view).toBe(false)
    expect('periodic' in reader().byId('b2', false)).toBe(false)
  })

  it('shows a tenant\'s overlay: its amounts, date, records with their progress and history after the fixture\'s', () => {
    const entry = { _id: '65f0000000000000000000a1', amount: 7, owner: OWNER, last_updated: '2026-02-01T00:00:00.000Z' }
    const view = reader([['b1', overlay({
      ledger_balance: 7,
      available_balance: 6,
      records: [RUNNING, DONE],
      periodic: { available_balance: [{ ...entry, _id: '65f0000000000000000000a2', amount: 6.5 }], ledger_balance: [entry] },
    })]]).byId('b1', true)
    expect(view.ledger_balance).toBe(7)
    expect(view.available_balance).toBe(6)
    expect(view.last_updated).toBe('2026-02-01T00:00:00.000Z')
    expect(view.created_at).toBe('2026-01-01T23:59:59.999Z')
    expect(view.record).toStrictEqual([
      { _id: RUNNING, status: { process: { running: true, completed: false } } },
      { _id: DONE, status: { process: { running: false, completed: true } } },
    ])
    expect(view.periodic).toStrictEqual({
      available_balance: [{ _id: 'pa-b1', amount: 90, owner: OWNER, last_updated: '2026-01-01T23:59:59.999Z' }, { ...entry, _id: '65f0000000000000000000a2', amount: 6.5 }],
      ledger_balance: [{ _id: 'pl-b1', amount: 100, owner: OWNER, last_updated: '2026-01-01T23:59:59.999Z' }, entry],
    })
  })
})

describe('parseDayRange', () => {
  it('spans whole UTC days, both given days included', () => {
    expect(parseDayRange('2026-01-02', '2026-01-02')).toStrictEqual({ fromMs: JAN2, toMs: JAN3 })
    expect(parseDayRange('2026-01-01', '2026-01-02')).toStrictEqual({ fromMs: JAN2 - DAY, toMs: JAN3 })
  })

  it('names the field that is not a real day, or a `to` before `from`', () => {
    const WRITTEN = 'must be a date written YYYY-MM-DD'
    expect(() => parseDayRange('2026-01-02', '2026-01-01')).toThrow('Invalid field "to": must be the same day as "from" or later')
    expect(() => parseDayRange('2026-1-02', '2026-01-02')).toThrow(`Invalid field "from": ${WRITTEN}`)
    expect(() => parseDayRange('2026-01-02', '2021-02-30')).toThrow('Invalid field "to": is not a real calendar day')
    expect(() => parseDayRange('2026-01-02', 20260102)).toThrow(`Invalid field "to": ${WRITTEN}`)
    // Anchored both ends, and only a string is read: an array would print as a date.
    for (const from of ['x2026-01-02', '2026-01-02x', ['2026-01-02']]) expect(() => parseDayRange(from, '2026-01-02')).toThrow(`Invalid field "from": ${WRITTEN}`)
  })
})
