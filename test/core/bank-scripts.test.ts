import { describe, expect, it } from 'vitest'
import { BankScripts } from '../../src/core/bank.js'
import { JsonDataset } from '../../src/dataset/json.js'
import { tinyFixture } from './tiny-fixture.js'

const START = Date.parse('2026-11-02T09:00:00.000Z')

const dataset = new JsonDataset(tinyFixture([
  {
    id: 'scripted',
    customer: 'c1',
    created: '2026-01-01T00:00:00.000Z',
    ledger: 100,
    available: 100,
    emulator: { bank: [{ after: '1h', posting: -20 }, { after: '30m', ledger_balance: 10, available_balance: 8 }, { after: '30m', posting: 5 }, { after: '0s', ledger_balance: 1 }] },
  },
  { id: 'plain', customer: 'c1', created: '2026-01-02T00:00:00.000Z', ledger: 50 },
  { id: 'quiet', customer: 'c1', created: '2026-01-03T00:00:00.000Z', ledger: 50, emulator: { policy: { kind: 'immediate' } } },
]))

describe('BankScripts', () => {
  it('dates an account\'s scripted events from the clock start, in time order, same-instant steps as written', () => {
    const events = new BankScripts(dataset, START).eventsOf('acc-scripted')
    expect(events.filter((event) => 'posting' in event)).toStrictEqual([{ at: START + 1_800_000, posting: 5 }, { at: START + 3_600_000, posting: -20 }])
    expect(events).toStrictEqual([
      { at: START, ledger_balance: 1 },
      { at: START + 1_800_000, ledger_balance: 10, available_balance: 8 },
      { at: START + 1_800_000, posting: 5 },
      { at: START + 3_600_000, posting: -20 },
    ])
  })

  it('has no events for an account without a script, nor for an unknown account', () => {
    const scripts = new BankScripts(dataset, START)
    expect(scripts.eventsOf('acc-plain')).toStrictEqual([])
    expect(scripts.eventsOf('acc-quiet')).toStrictEqual([])
    expect(scripts.eventsOf('acc-nobody')).toStrictEqual([])
  })

  it('names the field of a step that is no duration', () => {
    const broken = tinyFixture([{ id: 'x', customer: 'c', created: '2026-01-01T00:00:00.000Z', ledger: 1, emulator: { bank: [{ after: 'soon', posting: 1 }] } }])
    expect(() => new BankScripts(new JsonDataset(broken), START).eventsOf('acc-x')).toThrow('Invalid field "after"')
  })

  it('resolves each account once and answers the same list after', () => {
    const scripts = new BankScripts(dataset, START)
    const first = scripts.eventsOf('acc-scripted')
    expect(scripts.eventsOf('acc-scripted')).toBe(first)
    expect(scripts.eventsOf('acc-plain')).not.toBe(first)
  })
})
