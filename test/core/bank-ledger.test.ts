import { describe, expect, it } from 'vitest'
import { BankLedger, MAX_AMOUNT, type BankEvent } from '../../src/core/bank.js'

const START = { ledger_balance: 100, available_balance: 80 }

/** A ledger over a script of `scripted` events for account "a", keeping `keep` events past a fold, counting its changes. */
function ledgerOver (scripted: BankEvent[] = [], keep = 3) {
  const counter = { changes: 0 }
  const ledger = new BankLedger(() => { counter.changes += 1 }, { eventsOf: (account) => account === 'a' ? scripted : [] }, keep)
  return { ledger, counter }
}

describe('BankLedger', () => {
  it('applies postings to both amounts, in time order, over the fixture\'s script', () => {
    const { ledger, counter } = ledgerOver([{ at: 50, posting: -10 }])
    expect(ledger.balanceAt('a', START, 49)).toStrictEqual({ available_balance: 80, ledger_balance: 100 })
    expect(ledger.balanceAt('a', START, 50)).toStrictEqual({ available_balance: 70, ledger_balance: 90 })
    expect(ledger.change('a', START, { posting: 0.1 }, 60)).toStrictEqual({ available_balance: 70.1, ledger_balance: 90.1 })
    expect(ledger.change('a', START, { posting: 0.2 }, 60)).toStrictEqual({ available_balance: 70.3, ledger_balance: 90.3 })
    expect(ledger.balanceAt('a', START, 59)).toStrictEqual({ available_balance: 70, ledger_balance: 90 })
    expect(ledger.state).toStrictEqual([['a', [{ at: 50, posting: -10 }, { at: 60, posting: 0.1 }, { at: 60, posting: 0.2 }]]])
    expect(counter.changes).toBe(2)
  })

  it('sets amounts, keeps an account without an available balance without one, and leaves other accounts alone', () => {
    const { ledger } = ledgerOver()
    expect(ledger.change('a', START, { ledger_balance: 5, available_balance: 4 }, 10)).toStrictEqual({ available_balance: 4, ledger_balance: 5 })
    expect(ledger.change('a', START, { posting: 1 }, 20)).toStrictEqual({ available_balance: 5, ledger_balance: 6 })
    expect(ledger.change('b', { ledger_balance: 1 }, { ledger_balance: 2, available_balance: 3 }, 10)).toStrictEqual({ ledger_balance: 2 })
    expect(ledger.balanceAt('b', { ledger_balance: 1 }, 9)).toStrictEqual({ ledger_balance: 1 })
  })

  it('folds past twice its bound into one set event, keeping the balance exact at every later instant', () => {
    const { ledger } = ledgerOver([], 3)
    let expected = START.ledger_balance
    for (let i = 1; i <= 7; i++) {
      expected += i * 1.25
      expect(ledger.change('a', START, { posting: i * 1.25 }, i * 10).ledger_balance).toBe(expected)
    }
    const events = ledger.state[0]![1]
    // The 7th event went past 6: everything up to the 3rd newest (at 50) is one set event.
    expect(events).toStrictEqual([
      { at: 50, ledger_balance: 118.75, available_balance: 98.75 },
      { at: 60, posting: 7.5 },
      { at: 70, posting: 8.75 },
    ])
    expect(ledger.balanceAt('a', START, 70)).toStrictEqual({ available_balance: 115, ledger_balance: 135 })
  })

  it('refuses amounts out of range, and postings that would carry the balance out of range, changing nothing', () => {
    const { ledger, counter } = ledgerOver([{ at: 0, posting: 1 }])
    ledger.change('a', START, { posting: 1 }, 10)
    const before = structuredClone(ledger.state)
    expect(() => ledger.change('a', START, { ledger_balance: MAX_AMOUNT * 2 }, 20)).toThrow('Invalid field "ledger_balance"')
    expect(() => ledger.change('a', START, { posting: -Infinity }, 20)).toThrow('Invalid field "posting"')
    expect(() => ledger.change('a', START, { posting: MAX_AMOUNT }, 20)).toThrow('must keep the balance within')
    expect(ledger.state).toStrictEqual(before)
    expect(counter.changes).toBe(1)
  })

  it('loads a saved state over other scripts', () => {
    const { ledger } = ledgerOver([{ at: 0, posting: 1 }])
    ledger.load([['a', [{ at: 0, ledger_balance: 7 }]]], { eventsOf: () => [{ at: 0, posting: 1000 }] })
    expect(ledger.balanceAt('a', START, 0)).toStrictEqual({ available_balance: 80, ledger_balance: 7 })
    expect(ledger.balanceAt('b', START, 0)).toStrictEqual({ available_balance: 1080, ledger_balance: 1100 })
  })
})
