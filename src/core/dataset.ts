import type {
  AccountBehaviourFixture, AccountFixture, BalanceFixture, BankFixture, CustomerFixture, FixtureFile,
} from './fixture.js'

/** Okra's `account` sub-document of a balance, with its bank joined in. */
export interface AccountView {
  _id: string
  bank: BankFixture
  nuban: string
  name: string
}

/** Everything the emulator knows about one account. */
export interface AccountEntry {
  fixture: AccountFixture
  view: AccountView
  customer: CustomerFixture
  behaviour: AccountBehaviourFixture
}

export type AmountType = 'ledger_balance' | 'available_balance'

/** What a Dataset was built from, for a run manifest to fingerprint: a fixture document, or a generator spec's knobs. */
export type DatasetSource = { kind: 'file', file: FixtureFile } | { kind: 'generator', spec: { seed: number } }

export interface DatasetStats {
  customers: number
  accounts: number
  balances: number
}

/**
 * The fixtures, read-only. Every tenant reads the same Dataset and keeps only its own changes
 * beside it, so a thousand tenants cost one copy of the data.
 *
 * Balances have one stable order, ascending by created_at then _id; a balance's position is its
 * index in that order, 0 to stats.balances - 1, and every list a look-up answers keeps it.
 * Answers are plain fixture objects that callers must not change.
 */
export interface Dataset {
  readonly owner: string
  readonly env: string
  readonly stats: DatasetStats
  readonly source: DatasetSource
  /** A balance by id. */
  balance (id: string): BalanceFixture | undefined
  /** The one balance of an account (Okra keeps at most one). */
  accountBalance (accountId: string): BalanceFixture | undefined
  /** An account joined with its bank and customer. */
  account (accountId: string): AccountEntry | undefined
  /** The balance at a position of the stable order. */
  balanceAt (position: number): BalanceFixture
  /** The position of a balance id, or -1. */
  positionOf (id: string): number
  /** A customer's balance positions, ascending; empty for an unknown customer. */
  positionsOfCustomer (customerId: string): readonly number[]
  /** created_at of the balance at a position, in ms. */
  createdMsAt (position: number): number
  /** The positions [start, end) of balances created from `fromMs` (inclusive) to `toMs` (exclusive). */
  createdBetween (fromMs: number, toMs: number): [number, number]
  /** The amount of `type` of the balance at a position, cheap enough to scan; undefined where the bank reports none. */
  amountAt (position: number, type: AmountType): number | undefined
}

/** The first position whose key is at least `value`, keys ascending over [0, size). */
export function lowerBound (size: number, keyAt: (position: number) => number, value: number): number {
  let lo = 0
  let hi = size
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keyAt(mid) < value) lo = mid + 1
    else hi = mid
  }
  return lo
}
