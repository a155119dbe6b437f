/**
 * The bank's own balance of an account, which moves over time apart from what Okra last fetched.
 * balance_changed compares the two.
 */
export interface Amounts {
  available_balance?: number
  ledger_balance: number
}

export type BankEvent =
  | { at: number, posting: number }
  | { at: number, ledger_balance: number, available_balance?: number }

const cents = (n: number): number => Math.round(n * 100) / 100

/**
 * The largest amount whose every kobo a double still holds (2^53 kobo). Past it postings lose
 * money, and enough of them overflow to Infinity, which JSON writes as null.
 */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER / 100

/** The name of the first amount in `amounts` outside ±MAX_AMOUNT, if one is. */
export function outOfRange (amounts: object): string | undefined {
  return Object.entries(amounts).find(([, amount]) => typeof amount === 'number' && !(Math.abs(amount) <= MAX_AMOUNT))?.[0]
}

/**
 * The bank balance at `atMs`: the starting amounts with every event up to that instant applied in
 * time order. An account whose bank reports no available balance never gains one.
 */
export function bankBalanceAt (start: Amounts, events: readonly BankEvent[], atMs: number): Amounts {
  const hasAvailable = start.available_balance !== undefined
  let ledger = start.ledger_balance
  let available = start.available_balance
  for (const event of events) {
    if (event.at > atMs) break
    if ('posting' in event) {
      ledger = cents(ledger + event.posting)
      if (available !== undefined) available = cents(available + event.posting)
    } else {
      ledger = event.ledger_balance
      if (hasAvailable && event.available_balance !== undefined) available = event.available_balance
    }
  }
  return available === undefined ? { ledger_balance: ledger } : { available_balance: available, ledger_balance: ledger }
}

export function sameAmounts (a: Amounts, b: Amounts): boolean {
  return a.ledger_balance === b.ledger_balance && a.available_balance === b.available_balance
}

/** Inserts keeping time order; events at the same instant stay in the order they were added. */
export function insertEvent (events: BankEvent[], event: BankEvent): void {
  let i = events.length
  while (i > 0 && (events[i - 1] as BankEvent).at > event.at) i--
  events.splice(i, 0, event)
}
