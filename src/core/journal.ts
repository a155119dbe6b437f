/** One Okra request a tenant made, as the journal keeps it. */
export interface JournalEntry {
  /** Position in the tenant's journal since its last reset; ids keep counting when old entries are dropped. */
  seq: number
  /** Emulator time the request arrived. */
  at: string
  method: string
  /** The path as sent, without the query string. */
  path: string
  /** The route below the prefix, e.g. `balance/getByCustomer`; null when no route matched. */
  route: string | null
  query: Record<string, unknown>
  /** The parsed body; null when there was none or it could not be read. */
  body: unknown
  status: number
  account: string | null
  customer: string | null
  /** The fault rule that answered, if one did. */
  fault: string | null
}

export interface JournalFilter {
  method?: string
  route?: string
  status?: number
  account?: string
  customer?: string
  fault?: boolean
  /** The last N matching entries; all of them when omitted. */
  limit?: number
}

export interface JournalPage {
  /** How many kept entries match, before `limit`. */
  count: number
  /** Entries dropped to keep the journal within its bound, since the last reset. */
  dropped: number
  requests: JournalEntry[]
}

export const DEFAULT_JOURNAL_CAPACITY = 1000

/**
 * A bounded log of requests: past the capacity the oldest entry goes and `dropped` counts it, so a
 * long run keeps a constant footprint and an assertion can still tell that entries were lost.
 */
export class RequestJournal {
  readonly capacity: number
  private entries: JournalEntry[] = []
  /** Index of the oldest entry once the ring is full. */
  private head = 0
  private seq = 0
  private droppedCount = 0

  constructor (capacity = DEFAULT_JOURNAL_CAPACITY) {
    this.capacity = capacity
  }

  add (entry: Omit<JournalEntry, 'seq'>): void {
    const kept: JournalEntry = { seq: ++this.seq, ...entry }
    if (this.entries.length < this.capacity) {
      this.entries.push(kept)
      return
    }
    this.entries[this.head] = kept
    this.head = (this.head + 1) % this.capacity
    this.droppedCount += 1
  }

  get dropped (): number {
    return this.droppedCount
  }

  get size (): number {
    return this.entries.length
  }

  /** Oldest first. */
  all (): JournalEntry[] {
    return this.head === 0 ? [...this.entries] : [...this.entries.slice(this.head), ...this.entries.slice(0, this.head)]
  }

  query (filter: JournalFilter = {}): JournalPage {
    const route = filter.route?.replace(/^\/+/, '')
    const method = filter.method?.toUpperCase()
    const matching = this.all().filter((e) =>
      (method === undefined || e.method === method) &&
      (route === undefined || e.route === route) &&
      (filter.status === undefined || e.status === filter.status) &&
      (filter.account === undefined || e.account === filter.account) &&
      (filter.customer === undefined || e.customer === filter.customer) &&
      (filter.fault === undefined || (e.fault !== null) === filter.fault))
    const requests = filter.limit === undefined ? matching : matching.slice(Math.max(0, matching.length - filter.limit))
    return { count: matching.length, dropped: this.droppedCount, requests }
  }

  clear (): void {
    this.entries = []
    this.head = 0
    this.seq = 0
    this.droppedCount = 0
  }
}
