import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BalanceReader } from '../../src/core/balances.js'
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
  it('counts what it holds', () => {
    expect(dataset.stats).toEqual({ customers: file.customers.length, accounts: file.accounts.length, balances: file.balances.length })
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
