import type { Dataset } from './dataset.js'
import { parseDuration } from './duration.js'
import { invalidField } from './errors.js'

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
  let amounts: Amounts = start.available_balance === undefined
    ? { ledger_balance: start.ledger_balance }
    : { available_balance: start.available_balance, ledger_balance: start.ledger_balance }
  for (const event of events) {
    if (event.at > atMs) break
    amounts = applyEvent(amounts, event)
  }
  return amounts
}

/**
 * The amounts after one event: a posting moves both by the amount, to the kobo; a set replaces
 * them. The one step every reader of the bank takes, so a running balance ends where bankBalanceAt does.
 */
export function applyEvent (amounts: Amounts, event: BankEvent): Amounts {
  const available = amounts.available_balance
  if ('posting' in event) {
    const ledger = cents(amounts.ledger_balance + event.posting)
    return available === undefined ? { ledger_balance: ledger } : { available_balance: cents(available + event.posting), ledger_balance: ledger }
  }
  if (available === undefined) return { ledger_balance: event.ledger_balance }
  return { available_balance: event.available_balance ?? available, ledger_balance: event.ledger_balance }
}

export function sameAmounts (a: Amounts, b: Amounts): boolean {
  return a.ledger_balance === b.ledger_balance && a.available_balance === b.available_balance
}

/** Inserts keeping time order; events at the same instant stay in the order they were added. */
export function insertEvent<T extends BankEvent> (events: T[], event: T): void {
  let i = events.length
  while (i > 0 && (events[i - 1] as T).at > event.at) i--
  events.splice(i, 0, event)
}

const NO_EVENTS: readonly BankEvent[] = Object.freeze([])

/** The fixture's scripted bank events per account, resolved against the clock start once for all tenants. */
export class BankScripts {
  private readonly cache = new Map<string, readonly BankEvent[]>()

  constructor (private readonly dataset: Dataset, private readonly startMs: number) {}

  eventsOf (accountId: string): readonly BankEvent[] {
    let events = this.cache.get(accountId)
    if (events === undefined) {
      const account = this.dataset.account(accountId)
      // Not cached: a tenant's sandbox accounts are unknown here, and these scripts are shared by every tenant.
      if (account === undefined) return NO_EVENTS
      const resolved: BankEvent[] = []
      for (const { after, ...change } of account.behaviour.bank ?? []) {
        // The script's relative `after` becomes the event's instant; it is not kept beside it.
        insertEvent(resolved, { at: this.startMs + parseDuration(after, 'after'), ...change })
      }
      events = resolved
      this.cache.set(accountId, events)
    }
    return events
  }
}

/**
 * One tenant's bank: the events it added per account, merged over the fixture's script
 * (copy-on-write). Past twice `keep` events, an account's oldest fold into one event that sets the
 * amounts they reached, keeping `keep` after it: a stream of postings holds a bounded list.
 */
export class BankLedger {
  private readonly events = new Map<string, BankEvent[]>()

  constructor (private readonly changed: () => void, private scripts: Pick<BankScripts, 'eventsOf'>, private readonly keep: number) {}

  /** The bank's balance of an account at an instant, from its starting amounts. */
  balanceAt (accountId: string, start: Amounts, atMs: number): Amounts {
    return bankBalanceAt(start, this.eventsOf(accountId), atMs)
  }

  /** An account's dated events in time order, the fixture's script included; callers must not change them. */
  eventsOf (accountId: string): readonly BankEvent[] {
    return this.events.get(accountId) ?? this.scripts.eventsOf(accountId)
  }

  /** Sets the amounts, or posts a credit (+) or debit (-), at `atMs`; what would leave ±MAX_AMOUNT is refused and changes nothing. */
  change (accountId: string, start: Amounts, change: { posting: number } | Amounts, atMs: number): Amounts {
    const { events, after } = this.applied(accountId, start, change, atMs)
    // Only instants before the fold lose their detail, and nothing asks for those: records settle before postings are added.
    const cut = events.length > 2 * this.keep ? (events[events.length - this.keep] as BankEvent).at : null
    this.events.set(accountId, cut === null ? events : [{ at: cut, ...bankBalanceAt(start, events, cut) }, ...events.filter((e) => e.at > cut)])
    this.changed()
    return after
  }

  /** Throws what `change` would, changing nothing: for a caller with changes of its own to make first. */
  check (accountId: string, start: Amounts, change: { posting: number } | Amounts, atMs: number): void {
    this.applied(accountId, start, change, atMs)
  }

  private applied (accountId: string, start: Amounts, change: { posting: number } | Amounts, atMs: number): { events: BankEvent[], after: Amounts } {
    const given = outOfRange(change)
    if (given !== undefined) throw invalidField(given, `must be within ±${MAX_AMOUNT}`)
    const events = [...this.events.get(accountId) ?? this.scripts.eventsOf(accountId)]
    insertEvent(events, { at: atMs, ...change })
    const after = bankBalanceAt(start, events, atMs)
    if (outOfRange(after) !== undefined) throw invalidField('posting', `must keep the balance within ±${MAX_AMOUNT}`)
    return { events, after }
  }

  get state (): Array<[string, BankEvent[]]> { return [...this.events] }

  load (state: Array<[string, BankEvent[]]>, scripts: Pick<BankScripts, 'eventsOf'>): void {
    this.scripts = scripts
    this.events.clear()
    for (const [account, events] of state) this.events.set(account, events)
    this.changed()
  }
}
