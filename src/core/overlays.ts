import type { BalanceFixture, PeriodicEntry } from '../fixtures/types.js'
import type { BalanceOverlay } from './balances.js'
import type { Amounts } from './bank.js'

type Balance = Pick<BalanceFixture, '_id' | 'ledger_balance' | 'available_balance' | 'last_updated'>

/**
 * What a tenant has changed of its balances: Okra's stored amounts, their history and the record
 * ids inside each balance. Each list keeps its newest entries only (the fixture's own history is
 * apart and always kept).
 */
export class BalanceOverlays {
  private readonly byId = new Map<string, BalanceOverlay>()

  constructor (private readonly changed: () => void, private readonly limits: { records: number, history: number }) {}

  /** The live map the BalanceReader reads through. */
  get view (): ReadonlyMap<string, BalanceOverlay> { return this.byId }
  get (balanceId: string): BalanceOverlay | undefined { return this.byId.get(balanceId) }
  get state (): Array<[string, BalanceOverlay]> { return [...this.byId] }

  /** The balance's overlay, made from the fixture on first use. */
  of (balance: Balance): BalanceOverlay {
    let overlay = this.byId.get(balance._id)
    if (overlay === undefined) {
      // Okra last fetched the fixture's balance when it last updated it.
      overlay = { ledger_balance: balance.ledger_balance, last_updated: balance.last_updated, last_fetched: balance.last_updated, periodic: { available_balance: [], ledger_balance: [] }, records: [] }
      if (balance.available_balance !== undefined) overlay.available_balance = balance.available_balance
      this.byId.set(balance._id, overlay)
      this.changed()
    }
    return overlay
  }

  addRecord (balance: Balance, recordId: string): void {
    keepNewest(this.of(balance).records, recordId, this.limits.records)
    this.changed()
  }

  /** A refresh copies the bank's balance into Okra's stored one and adds it to the history. */
  storeFetched (balance: Balance, live: Amounts, at: string, entry: (amount: number) => PeriodicEntry): void {
    const overlay = this.of(balance)
    overlay.ledger_balance = live.ledger_balance
    if (live.available_balance !== undefined) overlay.available_balance = live.available_balance
    overlay.last_updated = at
    overlay.last_fetched = at
    keepNewest(overlay.periodic.ledger_balance, entry(live.ledger_balance), this.limits.history)
    if (live.available_balance !== undefined) keepNewest(overlay.periodic.available_balance, entry(live.available_balance), this.limits.history)
    this.changed()
  }

  load (state: Array<[string, BalanceOverlay]>): void {
    this.byId.clear()
    for (const [id, overlay] of state) this.byId.set(id, overlay)
    this.changed()
  }
}

/** Appends to a list that keeps only its newest `limit` entries. */
function keepNewest<T> (list: T[], item: T, limit: number): void {
  list.push(item)
  if (list.length > limit) list.splice(0, list.length - limit)
}
