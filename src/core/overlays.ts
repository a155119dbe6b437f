import type { BalanceFixture, PeriodicEntry, PeriodicHistory } from './fixture.js'
import type { Amounts } from './bank.js'
import { OBJECT_ID } from './ids.js'

/** What a tenant has changed of one balance, as the database and a manifest hold it; the fixture itself is never written. */
export interface BalanceOverlay {
  available_balance?: number
  ledger_balance: number
  last_updated: string
  /** When Okra last fetched the balance from the bank: what a check compares against. */
  last_fetched: string
  /** Entries appended by refreshes, after the fixture's own history. */
  periodic: PeriodicHistory
  /** This tenant's records for the balance, oldest first. */
  records: string[]
}

type Balance = Pick<BalanceFixture, '_id' | 'ledger_balance' | 'available_balance' | 'last_updated'>

/**
 * One balance as a tenant changed it, kept packed. At the bounds (20 record ids, 20 entries of each
 * history) a balance held some 5.8 KB as objects and strings (an object, an id string and a boxed
 * amount per entry); packed as numbers (8 bytes each) in fixed rings it holds about 1.7 KB. With
 * every balance of a busy tenant refreshed that often, this was the store a soak saw filling for
 * minutes (bench/RESULTS.md, "Soak"). The wire and the database see the unpacked form (BalanceOverlay).
 */
export interface PackedOverlay {
  ledger_balance: number
  available_balance?: number
  last_updated: string
  last_fetched: string
  /** The balance's record ids: two numbers each (an ObjectId's two 48-bit halves). */
  readonly records: Ring
  /** Each history: id high, id low, time in ms, amount, per entry. */
  readonly ledger: Ring
  readonly available: Ring
}

const ID_NUMBERS = 2
const OBJECT_ID_PROBLEM = 'must be 24 lowercase hex digits'
const ENTRY_NUMBERS = 4

/**
 * A list that keeps its newest `capacity` entries of `stride` numbers each, in one array allocated
 * whole with its first entry: past that it never grows, shrinks or copies. So a balance's memory is
 * all taken when it is first used, and a long run holds a constant footprint however its lists fill.
 */
export class Ring {
  private slots: number[] | null = null
  /** Where the next entry goes, counted in entries. */
  private next = 0
  private held = 0

  constructor (private readonly capacity: number, private readonly stride: number) {}

  get size (): number { return this.held }

  push (...values: number[]): void {
    // NaN, a double, makes V8 keep the numbers unboxed from the start.
    const slots = this.slots ??= new Array<number>(this.capacity * this.stride).fill(Number.NaN)
    const at = this.next * this.stride
    for (let i = 0; i < this.stride; i++) slots[at + i] = values[i] as number
    this.next = (this.next + 1) % this.capacity
    this.held = Math.min(this.held + 1, this.capacity)
  }

  /** Each entry's numbers, oldest first. */
  map<T> (read: (slots: readonly number[], at: number) => T): T[] {
    const out: T[] = []
    const slots = this.slots
    if (slots === null) return out
    const first = this.next - this.held + this.capacity
    for (let i = 0; i < this.held; i++) out.push(read(slots, ((first + i) % this.capacity) * this.stride))
    return out
  }
}

/**
 * What a tenant has changed of its balances: Okra's stored amounts, their history and the record
 * ids inside each balance. Each list keeps its newest entries only (the fixture's own history is
 * apart and always kept).
 */
export class BalanceOverlays {
  private readonly byId = new Map<string, PackedOverlay>()

  constructor (private readonly changed: () => void, private readonly limits: { records: number, history: number }) {}

  /** The live map the BalanceReader reads through. */
  get view (): ReadonlyMap<string, PackedOverlay> { return this.byId }
  get (balanceId: string): PackedOverlay | undefined { return this.byId.get(balanceId) }

  /** Every overlay unpacked, its history entries naming `owner` (the fixtures' owner). */
  state (owner: string): Array<[string, BalanceOverlay]> {
    return [...this.byId].map(([id, overlay]) => [id, unpackOverlay(overlay, owner)])
  }

  /** The balance's overlay, made from the fixture on first use. */
  of (balance: Balance): PackedOverlay {
    let overlay = this.byId.get(balance._id)
    if (overlay === undefined) {
      // Okra last fetched the fixture's balance when it last updated it.
      overlay = { ledger_balance: balance.ledger_balance, last_updated: balance.last_updated, last_fetched: balance.last_updated, ...this.rings() }
      if (balance.available_balance !== undefined) overlay.available_balance = balance.available_balance
      this.byId.set(balance._id, overlay)
      this.changed()
    }
    return overlay
  }

  addRecord (balance: Balance, recordId: string): void {
    this.of(balance).records.push(...packId(recordId))
    this.changed()
  }

  /** A refresh copies the bank's balance into Okra's stored one and adds it to the history, each entry with a new id. */
  storeFetched (balance: Balance, live: Amounts, atMs: number, newId: () => string): void {
    const overlay = this.of(balance)
    const at = new Date(atMs).toISOString()
    overlay.ledger_balance = live.ledger_balance
    if (live.available_balance !== undefined) overlay.available_balance = live.available_balance
    overlay.last_updated = at
    overlay.last_fetched = at
    overlay.ledger.push(...packId(newId()), atMs, live.ledger_balance)
    if (live.available_balance !== undefined) overlay.available.push(...packId(newId()), atMs, live.available_balance)
    this.changed()
  }

  /** Replaces every overlay with `state`'s, all packed first, so one that cannot be (unpackable) changes nothing. */
  load (state: Array<[string, BalanceOverlay]>): void {
    const packed = state.map(([id, overlay]): [string, PackedOverlay] => [id, this.pack(overlay)])
    this.byId.clear()
    for (const [id, overlay] of packed) this.byId.set(id, overlay)
    this.changed()
  }

  private rings (): Pick<PackedOverlay, 'records' | 'ledger' | 'available'> {
    return {
      records: new Ring(this.limits.records, ID_NUMBERS),
      ledger: new Ring(this.limits.history, ENTRY_NUMBERS),
      available: new Ring(this.limits.history, ENTRY_NUMBERS),
    }
  }

  /** `overlay` packed, its lists' newest entries (a saved state never holds more than the bounds: manifest.ts). */
  private pack (overlay: BalanceOverlay): PackedOverlay {
    const unfit = unpackable(overlay)
    if (unfit !== undefined) throw new RangeError(`An overlay that cannot be packed: ${unfit.field}: ${unfit.problem}`)
    const packed: PackedOverlay = { ledger_balance: overlay.ledger_balance, last_updated: overlay.last_updated, last_fetched: overlay.last_fetched, ...this.rings() }
    if (overlay.available_balance !== undefined) packed.available_balance = overlay.available_balance
    for (const id of overlay.records) packed.records.push(...packId(id))
    for (const entry of overlay.periodic.ledger_balance) packed.ledger.push(...packId(entry._id), Date.parse(entry.last_updated), entry.amount)
    for (const entry of overlay.periodic.available_balance) packed.available.push(...packId(entry._id), Date.parse(entry.last_updated), entry.amount)
    return packed
  }
}

/** A balance's record ids, oldest first. */
export function recordIdsOf (overlay: PackedOverlay): string[] {
  return overlay.records.map(unpackId)
}

/** The entries refreshes added to a balance's history, as Okra shows them. */
export function historyOf (overlay: PackedOverlay, owner: string): PeriodicHistory {
  // A refresh dates its two entries alike: each instant is written once.
  const dates = new Map<number, string>()
  const dated = (ms: number): string => {
    let date = dates.get(ms)
    if (date === undefined) dates.set(ms, date = new Date(ms).toISOString())
    return date
  }
  return { available_balance: entries(overlay.available, owner, dated), ledger_balance: entries(overlay.ledger, owner, dated) }
}

/**
 * Why an overlay from outside (a manifest) cannot be packed exactly, or undefined when it can:
 * ids must be ObjectIds and entry times ISO instants as toISOString writes them. The emulator makes
 * no other kind, so a database it wrote always packs.
 */
export function unpackable (overlay: BalanceOverlay): { field: string, problem: string } | undefined {
  if (!overlay.records.every((id) => OBJECT_ID.test(id))) return { field: 'records', problem: `each ${OBJECT_ID_PROBLEM}` }
  for (const type of ['ledger_balance', 'available_balance'] as const) {
    for (const [i, entry] of overlay.periodic[type].entries()) {
      if (!OBJECT_ID.test(entry._id)) return { field: `periodic.${type}[${i}]._id`, problem: OBJECT_ID_PROBLEM }
      const ms = Date.parse(entry.last_updated)
      if (!(Number.isFinite(ms) && new Date(ms).toISOString() === entry.last_updated)) return { field: `periodic.${type}[${i}].last_updated`, problem: 'must be an ISO instant such as 2026-01-01T00:00:00.000Z' }
    }
  }
  return undefined
}

function unpackOverlay (overlay: PackedOverlay, owner: string): BalanceOverlay {
  const unpacked: BalanceOverlay = {
    ledger_balance: overlay.ledger_balance,
    last_updated: overlay.last_updated,
    last_fetched: overlay.last_fetched,
    periodic: historyOf(overlay, owner),
    records: recordIdsOf(overlay),
  }
  if (overlay.available_balance !== undefined) unpacked.available_balance = overlay.available_balance
  return unpacked
}

function entries (ring: Ring, owner: string, dated: (ms: number) => string): PeriodicEntry[] {
  return ring.map((slots, at) => ({ _id: unpackId(slots, at), amount: slots[at + 3] as number, owner, last_updated: dated(slots[at + 2] as number) }))
}

/** An ObjectId (24 hex digits, 96 bits) as two 48-bit numbers, each exact in a double. */
function packId (id: string): [number, number] {
  return [Number.parseInt(id.slice(0, 12), 16), Number.parseInt(id.slice(12), 16)]
}

/** Two hex digits of each byte: a look-up answers many ids, and this is some four times faster than toString(16). */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

function unpackId (list: readonly number[], at: number): string {
  return hex48(list[at] as number) + hex48(list[at + 1] as number)
}

function hex48 (n: number): string {
  // Two 24-bit halves, each small enough for the bitwise operators.
  const high = Math.floor(n / 0x100_0000)
  const low = n % 0x100_0000
  return (HEX[high >>> 16] as string) + (HEX[(high >>> 8) & 0xff] as string) + (HEX[high & 0xff] as string) +
    (HEX[low >>> 16] as string) + (HEX[(low >>> 8) & 0xff] as string) + (HEX[low & 0xff] as string)
}
