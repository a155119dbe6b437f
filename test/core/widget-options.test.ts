import { describe, expect, it } from 'vitest'
import { BalanceReader, optionsMatch, parseWidgetOptions } from '../../src/core/balances.js'
import { JsonDataset } from '../../src/dataset/json.js'
import { tinyFixture } from './tiny-fixture.js'

describe('parseWidgetOptions', () => {
  it('takes an object, or the object as JSON text (okra-node 0.1 in a query string)', () => {
    expect(parseWidgetOptions({ first_name: 'Ada', last_name: 'Obi' })).toStrictEqual({ first_name: 'Ada', last_name: 'Obi' })
    expect(parseWidgetOptions('{"firstname":"lanre","lastname":"Ibraheem"}')).toStrictEqual({ firstname: 'lanre', lastname: 'Ibraheem' })
  })

  it('drops options sent as "" (OkraGo sends an empty name so)', () => {
    expect(parseWidgetOptions({ first_name: 'Ada', last_name: '' })).toStrictEqual({ first_name: 'Ada' })
  })

  it.each([
    [{}, 'must name at least one widget option'],
    [{ first_name: '' }, 'must name at least one widget option'],
    ['Ada', 'must be an object of widget options'],
    ['[1]', 'must be an object of widget options'],
    [[], 'must be an object of widget options'],
    [42, 'must be an object of widget options'],
    [null, 'must be an object of widget options'],
  ])('refuses %j, naming the field', (value, problem) => {
    expect(() => parseWidgetOptions(value)).toThrow(`Invalid field "options": ${problem}`)
  })
})

describe('optionsMatch', () => {
  const stored = { first_name: 'Ada', last_name: 'Obi', passed_id: 10, tags: { vip: true } }

  it('needs every wanted option, with the same key and value', () => {
    expect(optionsMatch(stored, { first_name: 'Ada' })).toBe(true)
    expect(optionsMatch(stored, { first_name: 'Ada', last_name: 'Obi' })).toBe(true)
    expect(optionsMatch(stored, { first_name: 'Ada', last_name: 'Eze' })).toBe(false)
    expect(optionsMatch(stored, { first_name: 'ada' })).toBe(false)
    expect(optionsMatch(stored, { firstname: 'Ada' })).toBe(false)
  })

  it('matches a number by its text, as a form or query string sends it, and objects as JSON', () => {
    expect(optionsMatch(stored, { passed_id: '10' })).toBe(true)
    expect(optionsMatch(stored, { passed_id: '10.0' })).toBe(false)
    expect(optionsMatch(stored, { tags: { vip: true } })).toBe(true)
    expect(optionsMatch(stored, { tags: { vip: false } })).toBe(false)
    expect(optionsMatch(stored, { tags: '[object Object]' })).toBe(false)
  })

  it('never matches a key inherited from Object.prototype', () => {
    expect(optionsMatch({}, { toString: 'x' })).toBe(false)
  })
})

describe('BalanceReader.byOptions', () => {
  const file = tinyFixture([
    { id: 'bal-3', customer: 'cust-ada', created: '2026-10-03T00:00:00.000Z', ledger: 3 },
    { id: 'bal-1', customer: 'cust-ada', created: '2026-10-01T00:00:00.000Z', ledger: 1 },
    { id: 'bal-2', customer: 'cust-eze', created: '2026-10-02T00:00:00.000Z', ledger: 2 },
    { id: 'bal-4', customer: 'cust-none', created: '2026-10-04T00:00:00.000Z', ledger: 4 },
  ])
  file.customers.find((c) => c._id === 'cust-ada')!.options = { first_name: 'Ada', last_name: 'Obi' }
  file.customers.find((c) => c._id === 'cust-eze')!.options = { first_name: 'Ada', last_name: 'Eze', tester_id: 't-1' }
  const reader = new BalanceReader(new JsonDataset(file), new Map(), { processOf: () => ({ running: false, completed: true }) })
  const ids = (wanted: Record<string, unknown>) => reader.byOptions(wanted, { page: 1, limit: 10 }, false).items.map((b) => b._id)

  it("answers the matching customers' balances in the stable order", () => {
    expect(ids({ first_name: 'Ada' })).toStrictEqual(['bal-1', 'bal-2', 'bal-3'])
    expect(ids({ first_name: 'Ada', last_name: 'Obi' })).toStrictEqual(['bal-1', 'bal-3'])
    expect(ids({ tester_id: 't-1' })).toStrictEqual(['bal-2'])
    expect(ids({ first_name: 'Nobody' })).toStrictEqual([])
  })

  it("never shows the options inside a balance's customer", () => {
    expect(reader.byOptions({ tester_id: 't-1' }, { page: 1, limit: 10 }, false).items[0]!.customer).toStrictEqual({ _id: 'cust-eze', name: 'Customer cust-eze' })
  })
})
