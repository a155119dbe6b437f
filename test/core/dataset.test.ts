import { describe, expect, it } from 'vitest'
import { BalanceReader } from '../../src/core/balances.js'
import { BalanceOverlays, type BalanceOverlay } from '../../src/core/overlays.js'
import type { BalanceFixture, FixtureFile } from '../../src/core/fixture.js'
import { DEFAULT_GENERATE_OPTIONS, generateFixture } from '../../src/dataset/generate.js'
import { JsonDataset } from '../../src/dataset/json.js'
import { validFixture } from '../dataset/cases.js'

const UNKNOWN = 'aaaaaaaaaaaaaaaaaaaaaaaa'

/** Generated data plus the hand-written file's behaviours, in shuffled order, with dates as people write them. */
function fixture (): FixtureFile {
  const file = generateFixture({ ...DEFAULT_GENERATE_OPTIONS, seed: 11, customers: 15, periodicLength: 2 })
  const small = validFixture()
  file.customers.push(...small.customers)
  file.accounts.push(...small.accounts)
  file.balances.push(...small.balances)
  // An account without a balance, which look-ups by account do not find.
  file.accounts.push({ ...small.accounts[0] as FixtureFile['accounts'][number], _id: 'bbbbbbbbbbbbbbbbbbbbbbbb', nuban: '0690000099' })
  const balances = file.balances as BalanceFixture[]
  ;(balances[0] as BalanceFixture).created_at = '2026-09-01T11:00:00+01:00'
  ;(balances[1] as BalanceFixture).last_updated = '2026-10-01T10:00:00Z'
  // Reversed pairs: the Dataset must sort, not trust the file's order.
  for (let i = 0; i + 1 < balances.length; i += 2) [balances[i], balances[i + 1]] = [balances[i + 1] as BalanceFixture, balances[i] as BalanceFixture]
  return file
}

function expectedOrder (file: FixtureFile): BalanceFixture[] {
  return [...file.balances].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || (a._id < b._id ? -1 : 1))
}

const file = fixture()
const dataset = new JsonDataset(structuredClone(file))

describe('JsonDataset', () => {
  it('counts what it holds', () => {
    expect(dataset.stats).toEqual({ customers: file.customers.length, accounts: file.accounts.length, balances: file.balances.length })
  })

  it('orders balances by created_at as an instant, then _id', () => {
    const positions = Array.from({ length: file.balances.length }, (_, position) => position)
    expect(positions.map(position => dataset.balanceAt(position)._id)).toEqual(expectedOrder(file).map(balance => balance._id))
    expect(positions.map(position => dataset.createdMsAt(position))).toEqual(expectedOrder(file).map(balance => Date.parse(balance.created_at)))
    expect(positions.map(position => dataset.positionOf(dataset.balanceAt(position)._id))).toEqual(positions)
  })

  it('answers every balance by id exactly as the file has it, dates as written', () => {
    for (const balance of file.balances) expect(dataset.balance(balance._id)).toStrictEqual(balance)
    const offset = file.balances.find(balance => balance.created_at.endsWith('+01:00')) as BalanceFixture
    expect(dataset.balance(offset._id)?.created_at).toBe('2026-09-01T11:00:00+01:00')
  })

  it('answers each account\'s one balance, and nothing for an account without one', () => {
    for (const balance of file.balances) expect(dataset.accountBalance(balance.account)).toStrictEqual(balance)
    expect(dataset.accountBalance('bbbbbbbbbbbbbbbbbbbbbbbb')).toBeUndefined()
    expect(dataset.account('bbbbbbbbbbbbbbbbbbbbbbbb')?.fixture.nuban).toBe('0690000099')
  })

  it('answers each customer\'s balances in the stable order', () => {
    const customerOf = new Map(file.accounts.map(account => [account._id, account.customer]))
    for (const customer of file.customers) {
      const expected = expectedOrder(file).filter(balance => customerOf.get(balance.account) === customer._id)
      expect(dataset.positionsOfCustomer(customer._id).map(position => dataset.balanceAt(position))).toStrictEqual(expected)
    }
  })

  it('answers each amount by position, absent where the bank reports none', () => {
    expectedOrder(file).forEach((balance, position) => {
      expect(dataset.amountAt(position, 'ledger_balance')).toBe(balance.ledger_balance)
      expect(dataset.amountAt(position, 'available_balance')).toBe(balance.available_balance)
    })
  })

  it('joins each account with its bank, customer and behaviour', () => {
    for (const account of file.accounts) {
      const entry = dataset.account(account._id)
      expect(entry?.fixture).toStrictEqual(account)
      expect(entry?.view).toStrictEqual({ _id: account._id, bank: file.banks.find(bank => bank._id === account.bank), nuban: account.nuban, name: account.name })
      const { _id, name, options } = file.customers.find(customer => customer._id === account.customer)!
      // Balances show the customer's _id and name; its widget options are answered apart.
      expect(entry?.customer).toStrictEqual({ _id, name })
      expect(dataset.customerOptions(_id)).toStrictEqual(options ?? null)
      expect(entry?.behaviour).toStrictEqual(account.emulator ?? {})
    }
  })

  it.each([UNKNOWN, 'not-an-id', '', 'AAAAAAAAAAAAAAAAAAAAAAAA'])('finds nothing for %j', (id) => {
    expect(dataset.balance(id)).toBeUndefined()
    expect(dataset.positionOf(id)).toBe(-1)
    expect(dataset.accountBalance(id)).toBeUndefined()
    expect(dataset.account(id)).toBeUndefined()
    expect(dataset.positionsOfCustomer(id)).toHaveLength(0)
  })

  it('finds the positions of balances created in a time range', () => {
    const times = expectedOrder(file).map(balance => Date.parse(balance.created_at))
    const from = times[5] as number
    const to = (times[12] as number) + 1
    const [start, end] = dataset.createdBetween(from, to)
    expect(times.slice(start, end)).toEqual(times.filter(time => time >= from && time < to))
  })

  it('refuses a file with a dangling reference', () => {
    const broken = structuredClone(file)
    ;(broken.balances[0] as BalanceFixture).account = UNKNOWN
    expect(() => new JsonDataset(broken)).toThrow(`$.balances[0].account refers to unknown account "${UNKNOWN}"`)
  })
})

describe('BalanceReader.byType', () => {
  const big = generateFixture({ ...DEFAULT_GENERATE_OPTIONS, seed: 3, customers: 250, periodicLength: 1 })
  const data = new JsonDataset(structuredClone(big))
  const inOrder = expectedOrder(big)
  // A tenant's refreshes: some balances now match, some no longer do, one lost nothing.
  const overlays = new Map<string, BalanceOverlay>()
  const overlay = (ledger: number, available?: number): BalanceOverlay => ({
    ledger_balance: ledger,
    ...(available === undefined ? {} : { available_balance: available }),
    last_updated: '2026-11-02T00:00:00.000Z',
    last_fetched: '2026-11-02T00:00:00.000Z',
    periodic: { available_balance: [], ledger_balance: [] },
    records: [],
  })
  inOrder.forEach((balance, i) => {
    if (i % 7 === 0) overlays.set(balance._id, overlay(i % 2 === 0 ? 9_000_000 : 0, balance.available_balance === undefined ? undefined : 5))
  })
  const kept = new BalanceOverlays(() => {}, { records: 20, history: 20 })
  kept.load([...overlays])
  const reader = new BalanceReader(data, kept.view, { processOf: () => ({ running: false, completed: true }) })
  const plain = new BalanceReader(data, new Map(), { processOf: () => ({ running: false, completed: true }) })

  const expected = (type: 'ledger_balance' | 'available_balance', threshold: number, refreshed: boolean): string[] =>
    inOrder.filter((balance) => {
      const current = refreshed ? overlays.get(balance._id) ?? balance : balance
      const amount = current[type]
      return amount !== undefined && amount >= threshold
    }).map(balance => balance._id)

  it.each([
    ['ledger_balance', 0], ['ledger_balance', 1], ['ledger_balance', 1000], ['ledger_balance', 2_000_000],
    ['ledger_balance', 4_900_000], ['ledger_balance', 10_000_000], ['available_balance', 0], ['available_balance', 50_000],
    ['available_balance', 3_000_000], ['ledger_balance', -Infinity], ['ledger_balance', NaN],
  ] as Array<['ledger_balance' | 'available_balance', number]>)('answers %s at least %d as a filter in order would, page by page', (type, threshold) => {
    for (const [one, refreshed] of [[plain, false], [reader, true]] as const) {
      const all = expected(type, threshold, refreshed)
      for (const limit of [1, 7, 100]) {
        for (const page of [1, 2, 3, Math.ceil(all.length / limit), Math.ceil(all.length / limit) + 1]) {
          const answer = one.byType(type, threshold, { page: Math.max(page, 1), limit }, false)
          expect(answer.pagination.totalDocs).toBe(all.length)
          const from = (Math.max(page, 1) - 1) * limit
          expect(answer.items.map(view => view._id)).toEqual(all.slice(from, from + limit))
        }
      }
    }
  })
})
