import { describe, expect, it } from 'vitest'
import { BankLedger, bankBalanceAt, insertEvent, MAX_AMOUNT, outOfRange, sameAmounts, type BankEvent } from '../../src/core/bank.js'

describe('bank amounts', () => {
  it('takes amounts up to 2^53 kobo either way and names the first one beyond', () => {
    expect(MAX_AMOUNT * 100).toBe(Number.MAX_SAFE_INTEGER)
    expect(outOfRange({ ledger_balance: MAX_AMOUNT, available_balance: -MAX_AMOUNT })).toBeUndefined()
    expect(outOfRange({ ledger_balance: 1, available_balance: 1e14 })).toBe('available_balance')
    expect(outOfRange({ ledger_balance: -1e14, available_balance: 1e14 })).toBe('ledger_balance')
    expect(outOfRange({ posting: Number.NaN })).toBe('posting')
    expect(outOfRange({ posting: Number.POSITIVE_INFINITY })).toBe('posting')
  })

  it('looks at numbers only', () => {
    expect(outOfRange({ at: '2026-01-01', note: 'x', ledger_balance: 5 })).toBeUndefined()
  })

  it('compares ledger and available balances both', () => {
    expect(sameAmounts({ ledger_balance: 1, available_balance: 2 }, { ledger_balance: 1, available_balance: 2 })).toBe(true)
    expect(sameAmounts({ ledger_balance: 1, available_balance: 2 }, { ledger_balance: 9, available_balance: 2 })).toBe(false)
    expect(sameAmounts({ ledger_balance: 1, available_balance: 2 }, { ledger_balance: 1, available_balance: 3 })).toBe(false)
    expect(sameAmounts({ ledger_balance: 1 }, { ledger_balance: 1, available_balance: 1 })).toBe(false)
  })
})

describe('bankBalanceAt', () => {
  const events: BankEvent[] = [
    { at: 10, posting: 0.1 },
    { at: 20, posting: 0.2 },
    { at: 30, ledger_balance: 500, available_balance: 450 },
    { at: 40, posting: -50.5 },
  ]

  it('applies postings up to and including the instant, to the kobo', () => {
    const start = { available_balance: 100, ledger_balance: 200 }
    expect(bankBalanceAt(start, events, 9)).toStrictEqual({ available_balance: 100, ledger_balance: 200 })
    expect(bankBalanceAt(start, events, 20)).toStrictEqual({ available_balance: 100.3, ledger_balance: 200.3 })
  })

  it('sets both balances on a set event, then posts on from there', () => {
    const start = { available_balance: 100, ledger_balance: 200 }
    expect(bankBalanceAt(start, events, 30)).toStrictEqual({ available_balance: 450, ledger_balance: 500 })
    expect(bankBalanceAt(start, events, 40)).toStrictEqual({ available_balance: 399.5, ledger_balance: 449.5 })
  })

  it('keeps the available balance when a set event gives only the ledger', () => {
    const start = { available_balance: 100, ledger_balance: 200 }
    expect(bankBalanceAt(start, [{ at: 1, ledger_balance: 7 }], 1)).toStrictEqual({ available_balance: 100, ledger_balance: 7 })
  })

  it('never gives an available balance to an account whose bank reports none', () => {
    const result = bankBalanceAt({ ledger_balance: 200 }, events, 40)
    expect(result).toStrictEqual({ ledger_balance: 449.5 })
    expect(Object.keys(result)).toStrictEqual(['ledger_balance'])
  })
})

describe('insertEvent', () => {
  it('keeps time order, and the order added within one instant', () => {
    const events: BankEvent[] = []
    insertEvent(events, { at: 20, posting: 1 })
    insertEvent(events, { at: 10, posting: 2 })
    insertEvent(events, { at: 30, posting: 3 })
    insertEvent(events, { at: 20, posting: 4 })
    insertEvent(events, { at: 5, posting: 5 })
    expect(events.map((e) => [e.at, 'posting' in e ? e.posting : null])).toStrictEqual([[5, 5], [10, 2], [20, 1], [20, 4], [30, 3]])
  })
})

describe('BankLedger bounds', () => {
  it('refuses a posting that would carry the balance past the bound, naming the posting, and keeps what it had', () => {
    const ledger = new BankLedger(() => {}, { eventsOf: () => [] }, 3)
    const start = { ledger_balance: MAX_AMOUNT - 1 }
    expect(() => ledger.change('a', start, { posting: 2 }, 10)).toThrow('Invalid field "posting": must keep the balance within ±90071992547409.9')
    expect(ledger.balanceAt('a', start, 10)).toStrictEqual({ ledger_balance: MAX_AMOUNT - 1 })
  })
})
