import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BalanceReader, type BalanceOverlay } from '../../src/core/balances.js'
import { Dataset } from '../../src/core/dataset.js'
import { DEFAULT_GENERATE_OPTIONS, generateFixture } from '../../src/fixtures/generate.js'
import { loadFixtureFile } from '../../src/fixtures/load.js'
import type { BalanceFixture, FixtureFile } from '../../src/fixtures/types.js'
import { validFixture } from '../fixtures/cases.js'

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
const dataset = new Dataset(structuredClone(file))

describe('Dataset', () => {
  it('counts what it holds, and what each index holds', () => {
    expect(dataset.stats).toEqual({ customers: file.customers.length, accounts: file.accounts.length, balances: file.balances.length })
    const customerOf = new Map(file.accounts.map(account => [account._id, account.customer]))
    expect(dataset.balancesByCustomer.size).toBe(new Set(file.balances.map(balance => customerOf.get(balance.account))).size)
    expect(dataset.balancesByAccount.size).toBe(file.balances.length)
    expect(dataset.balanceById.size).toBe(file.balances.length)
    expect(dataset.accounts.size).toBe(file.accounts.length)
  })

  it('orders balances by created_at as an instant, then _id', () => {
    const order = Array.from(dataset.order, row => dataset.tables.balanceId(row))
    expect(order).toEqual(expectedOrder(file).map(balance => balance._id))
    expect(Array.from(dataset.createdAtMs)).toEqual(expectedOrder(file).map(balance => Date.parse(balance.created_at)))
  })

  it('answers every balance by id exactly as the file has it, dates as written', () => {
    for (const balance of file.balances) expect(dataset.balanceById.get(balance._id)).toStrictEqual(balance)
    const offset = file.balances.find(balance => balance.created_at.endsWith('+01:00')) as BalanceFixture
    expect(dataset.balanceById.get(offset._id)?.created_at).toBe('2026-09-01T11:00:00+01:00')
  })

  it('answers each account\'s one balance, and nothing for an account without one', () => {
    for (const balance of file.balances) expect(dataset.balancesByAccount.get(balance.account)).toStrictEqual([balance])
    expect(dataset.balancesByAccount.get('bbbbbbbbbbbbbbbbbbbbbbbb')).toBeUndefined()
    expect(dataset.accounts.get('bbbbbbbbbbbbbbbbbbbbbbbb')?.fixture.nuban).toBe('0690000099')
  })

  it('answers each customer\'s balances in the stable order', () => {
    const customerOf = new Map(file.accounts.map(account => [account._id, account.customer]))
    for (const customer of file.customers) {
      const expected = expectedOrder(file).filter(balance => customerOf.get(balance.account) === customer._id)
      expect(dataset.balancesByCustomer.get(customer._id)).toStrictEqual(expected.length === 0 ? undefined : expected)
      expect(Array.from(dataset.customerBalanceRows(customer._id), row => dataset.tables.balanceId(row))).toEqual(expected.map(balance => balance._id))
    }
  })

  it('joins each account with its bank, customer and behaviour', () => {
    for (const account of file.accounts) {
      const entry = dataset.accounts.get(account._id)
      expect(entry?.fixture).toStrictEqual(account)
      expect(entry?.view).toStrictEqual({ _id: account._id, bank: file.banks.find(bank => bank._id === account.bank), nuban: account.nuban, name: account.name })
      expect(entry?.customer).toStrictEqual(file.customers.find(customer => customer._id === account.customer))
      expect(entry?.behaviour).toStrictEqual(account.emulator ?? {})
    }
  })

  it.each([UNKNOWN, 'not-an-id', '', 'AAAAAAAAAAAAAAAAAAAAAAAA'])('finds nothing for %j', (id) => {
    expect(dataset.balanceById.get(id)).toBeUndefined()
    expect(dataset.balanceById.has(id)).toBe(false)
    expect(dataset.balancesByAccount.get(id)).toBeUndefined()
    expect(dataset.balancesByCustomer.get(id)).toBeUndefined()
    expect(dataset.accounts.get(id)).toBeUndefined()
    expect(dataset.customerBalanceRows(id)).toHaveLength(0)
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
    expect(() => new Dataset(broken)).toThrow(`$.balances[0].account refers to unknown account "${UNKNOWN}"`)
  })
})

describe('Dataset over a streamed file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'okra-emu-dataset-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('answers every look-up as the Dataset of the same file read whole', async () => {
    const path = join(dir, 'fixture.json')
    writeFileSync(path, JSON.stringify(file, null, 2))
    const whole = new Dataset(await loadFixtureFile(path))
    const streamed = new Dataset(await loadFixtureFile(path, { streamAbove: 0, workers: 0 }))
    const readers = [whole, streamed].map(one => new BalanceReader(one, new Map(), { processOf: () => ({ running: false, completed: true }) }))
    const page = { page: 1, limit: 100 }
    const answers = (reader: BalanceReader, one: Dataset): unknown => ({
      stats: one.stats,
      all: reader.all(page, true),
      customers: file.customers.map(customer => reader.byCustomer(customer._id, { page: 2, limit: 2 }, true)),
      accounts: file.accounts.map(account => reader.byAccount(account._id, page, false)),
      types: reader.byType('available_balance', 1000, page, false),
      dates: reader.byDate({ fromMs: Date.parse('2024-01-01'), toMs: Date.parse('2026-01-01') }, page, true),
    })
    expect(answers(readers[1] as BalanceReader, streamed)).toStrictEqual(answers(readers[0] as BalanceReader, whole))
  })
})

describe('BalanceReader.byType', () => {
  const big = generateFixture({ ...DEFAULT_GENERATE_OPTIONS, seed: 3, customers: 250, periodicLength: 1 })
  const data = new Dataset(structuredClone(big))
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
  const reader = new BalanceReader(data, overlays, { processOf: () => ({ running: false, completed: true }) })
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
