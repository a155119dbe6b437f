import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BalanceReader } from '../../src/core/balances.js'
import type { Dataset } from '../../src/core/dataset.js'
import { generateFixture, knobsOf, specOptions, type GenerateOptions } from '../../src/dataset/generate.js'
import { JsonDataset } from '../../src/dataset/json.js'
import { FixtureError, loadDataset } from '../../src/dataset/load.js'
import { MAX_OPTIONS_SCAN, SpecDataset } from '../../src/dataset/spec.js'

const dir = mkdtempSync(join(tmpdir(), 'okra-emu-spec-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const KNOBS = { seed: 5, balances: 300, accounts: '1-4', periodic: 3, 'reference-date': '2026-06-01T00:00:00.000Z' }

describe('SpecDataset', () => {
  const options = specOptions(KNOBS)
  const file = generateFixture(options)
  const json = new JsonDataset(file)
  const spec = new SpecDataset(options)

  it('carries the knobs, under the same names, in the generated file', () => {
    expect(file.generator).toStrictEqual({ name: 'okra-emulator', ...KNOBS })
    expect(specOptions(file.generator)).toStrictEqual(options)
  })

  it('answers widget options and fixture records as the generated file holds them', () => {
    expect([...spec.customersWithOptions()]).toStrictEqual([...json.customersWithOptions()])
    for (const customer of file.customers) {
      // The generator's options are the name it drew, first and last word.
      const words = customer.name.split(' ')
      expect(customer.options).toStrictEqual({ first_name: words[0], last_name: words[words.length - 1] })
      expect(spec.customerOptions(customer._id)).toStrictEqual(customer.options)
    }
    for (const balance of file.balances) {
      for (const record of balance.record) {
        expect(spec.recordBalance(record)).toStrictEqual(balance)
        expect(json.recordBalance(record)).toStrictEqual(balance)
      }
    }
    for (const id of [file.balances[0]!._id, 'ffffffffffffffffffffffff', 'not-an-id']) {
      expect(spec.recordBalance(id)).toBeUndefined()
      expect(json.recordBalance(id)).toBeUndefined()
      expect(spec.customerOptions(id)).toBeNull()
    }
  })

  it('serves every balance, account and customer of the generated file, field by field', () => {
    expect(spec.stats).toStrictEqual(json.stats)
    expect([spec.owner, spec.env]).toStrictEqual([json.owner, json.env])
    for (let position = 0; position < file.balances.length; position++) {
      const balance = json.balanceAt(position)
      expect(spec.balanceAt(position)).toStrictEqual(balance)
      expect(spec.positionOf(balance._id)).toBe(position)
      expect(spec.balance(balance._id)).toStrictEqual(balance)
      expect(spec.accountBalance(balance.account)).toStrictEqual(balance)
      expect(spec.account(balance.account)).toStrictEqual(json.account(balance.account))
      expect(spec.createdMsAt(position)).toBe(json.createdMsAt(position))
      expect(spec.amountAt(position, 'ledger_balance')).toBe(json.amountAt(position, 'ledger_balance'))
      expect(spec.amountAt(position, 'available_balance')).toBe(json.amountAt(position, 'available_balance'))
    }
    for (const customer of file.customers) expect(spec.positionsOfCustomer(customer._id)).toStrictEqual(json.positionsOfCustomer(customer._id))
  })

  it('keeps created_at in position order, so a date range is a binary search', () => {
    const times = file.balances.map(balance => Date.parse(balance.created_at))
    expect(times).toStrictEqual([...times].sort((a, b) => a - b))
    for (const [from, to] of [[0, Infinity], [times[10] as number, (times[200] as number) + 1], [Date.parse('2025-01-01'), Date.parse('2025-03-01')]] as const) {
      expect(spec.createdBetween(from, to)).toStrictEqual(json.createdBetween(from, to))
    }
  })

  it('answers every look-up of the BalanceReader as the generated file does', () => {
    const answers = (one: Dataset): unknown => {
      const reader = new BalanceReader(one, new Map(), { processOf: () => ({ running: false, completed: true }) })
      const page = { page: 2, limit: 7 }
      return {
        all: reader.all(page, true),
        customers: file.customers.map(customer => reader.byCustomer(customer._id, { page: 1, limit: 10 }, true)),
        types: reader.byType('available_balance', 1000, page, false),
        dates: reader.byDate({ fromMs: Date.parse('2024-06-01'), toMs: Date.parse('2025-06-01') }, page, true),
      }
    }
    expect(answers(spec)).toStrictEqual(answers(json))
  })

  it.each([
    'aaaaaaaaaaaaaaaaaaaaaaaa', '', 'not-an-id',
    // A real id of another kind, and one whose index is past the end.
    (file.customers[0] as { _id: string })._id,
    `${(file.balances[0] as { _id: string })._id.slice(0, 16)}00ffffff`,
  ])('finds nothing for %j', (id) => {
    expect(spec.balance(id)).toBeUndefined()
    expect(spec.accountBalance(id)).toBeUndefined()
    expect(spec.account(id)).toBeUndefined()
    expect(spec.positionOf(id)).toBe(-1)
    expect(spec.positionsOfCustomer(id === file.customers[0]?._id ? 'x' : id)).toStrictEqual([])
  })

  it('loads from a file holding {"generate": knobs}, and names a bad knob', async () => {
    const path = join(dir, 'spec.json')
    writeFileSync(path, JSON.stringify({ generate: KNOBS }))
    const loaded = await loadDataset(path)
    expect(loaded.balanceAt(17)).toStrictEqual(json.balanceAt(17))
    writeFileSync(path, JSON.stringify({ generate: { ...KNOBS, acounts: '1-2' } }))
    await expect(loadDataset(path)).rejects.toThrow(new FixtureError(`${path}: $.generate has unexpected key "acounts"; the knobs are seed, customers, balances, accounts, periodic, reference-date`))
    writeFileSync(path, JSON.stringify({ generate: { accounts: 3 } }))
    await expect(loadDataset(path)).rejects.toThrow(new FixtureError(`${path}: $.generate.accounts must be "MIN-MAX", e.g. "1-3"`))
  })

  it('round-trips knobs through knobsOf', () => {
    const byCustomers: GenerateOptions = { ...options, customers: 12 }
    delete byCustomers.balances
    expect(specOptions(knobsOf(byCustomers))).toStrictEqual(byCustomers)
  })
})

describe('SpecDataset widget options', () => {
  it('refuses balance/byOptions over a spec of more customers than it draws names for, before drawing any', () => {
    const big = new SpecDataset(specOptions({ customers: MAX_OPTIONS_SCAN + 1, accounts: '1-1' }))
    expect(() => big.customersWithOptions()).toThrow(`at most ${MAX_OPTIONS_SCAN} customers of a generator spec; this one has ${MAX_OPTIONS_SCAN + 1}`)
    const reader = new BalanceReader(big, new Map(), { processOf: () => ({ running: false, completed: true }) })
    expect(() => reader.byOptions({ first_name: 'Efe' }, { page: 1, limit: 10 }, false)).toThrow(expect.objectContaining({ code: 'OKRA_EMU_LIMIT_REACHED', data: { limit: 'optionsScan', max: MAX_OPTIONS_SCAN } }))
  })
})
