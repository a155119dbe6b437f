import { parse as parseQuery } from 'node:querystring'

/** One Okra request a tenant made, as /__admin/requests lists it. */
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
  /** The query string, parsed when listed. */
  query: Record<string, unknown>
  /** The body's text as sent, its first 4 KiB (JOURNAL_BODY_BYTES); null when no body was read. */
  body: string | null
  /** The body's full length in bytes. */
  bodyBytes: number
  status: number
  account: string | null
  customer: string | null
  /** The fault rule that answered, if one did. */
  fault: string | null
}

/** A request as the HTTP layer hands it over: the whole body text, which the journal cuts. */
export interface JournalRequest {
  at: string
  method: string
  /** Path and query string as sent. */
  url: string
  route: string | null
  /** The body's text as read; null when none was (no body, or refused before reading). */
  body: string | null
  /** The body's length when it was not read (its Content-Length); the text's length otherwise. */
  bodyBytes?: number
  status: number
  account: string | null
  customer: string | null
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
  /** Entries dropped to keep the journal within its bounds, since the last reset. */
  dropped: number
  requests: JournalEntry[]
}

const DEFAULT_JOURNAL_CAPACITY = 1000
/** The bytes of text a journal keeps (its entries' `cost`), whatever its entries hold. */
export const DEFAULT_JOURNAL_BYTES = 1024 * 1024
/** How much of each body is kept: enough to read any Okra request, too little to matter a thousand times over. */
export const JOURNAL_BODY_BYTES = 4096
/** Account and customer ids longer than this are no real ids; they are kept cut, not whole. */
const ID_CHARS = 256
/** What an entry costs beyond its text: the object, its numbers and short strings. */
const ENTRY_OVERHEAD = 256

/** An entry as kept: the query string stays text until listed, and each entry knows its cost in bytes. */
interface Kept extends Omit<JournalEntry, 'query'> {
  queryText: string
  cost: number
}

/**
 * Entries oldest first, at most `capacity` of them and `maxBytes` of their cost (the newest is kept
 * whatever it costs): past either bound the oldest go and `dropped` counts them. The request
 * journal and a tenant's call log (calls.ts) both keep their entries in one.
 */
export class BoundedLog<T extends { cost: number }> {
  private kept: T[] = []
  private keptBytes = 0
  private droppedCount = 0

  constructor (readonly capacity: number, readonly maxBytes: number) {}

  get entries (): readonly T[] { return this.kept }
  get dropped (): number { return this.droppedCount }
  /** The cost kept now, never above `maxBytes` by more than the newest entry. */
  get bytes (): number { return this.keptBytes }

  push (entry: T): void {
    this.kept.push(entry)
    this.keptBytes += entry.cost
    while (this.kept.length > this.capacity || (this.keptBytes > this.maxBytes && this.kept.length > 1)) {
      this.keptBytes -= (this.kept.shift() as T).cost
      this.droppedCount += 1
    }
  }

  clear (): void {
    this.kept = []
    this.keptBytes = 0
    this.droppedCount = 0
  }
}

/**
 * A bounded log of requests, in entries and in bytes: past either bound the oldest entries go and
 * `dropped` counts them, so a long run keeps a constant footprint and an assertion can still tell
 * that entries were lost. It keeps text only, never a parsed body: 64 KiB of `[[],[],...]` parses
 * into some 900 KB of objects, and a body the journal kept was a body the heap kept.
 */
export class RequestJournal {
  private readonly log: BoundedLog<Kept>
  private seq = 0

  /** `added` hears of each new entry, for a wait on a request to arrive. */
  constructor (capacity = DEFAULT_JOURNAL_CAPACITY, maxBytes = DEFAULT_JOURNAL_BYTES, private readonly added: () => void = () => {}) {
    this.log = new BoundedLog(capacity, maxBytes)
  }

  get capacity (): number { return this.log.capacity }
  get maxBytes (): number { return this.log.maxBytes }

  add (request: JournalRequest): void {
    const query = request.url.indexOf('?')
    const body = request.body === null ? null : headOf(request.body, JOURNAL_BODY_BYTES)
    const account = request.account === null ? null : headOf(request.account, ID_CHARS)
    const customer = request.customer === null ? null : headOf(request.customer, ID_CHARS)
    const kept: Kept = {
      seq: ++this.seq,
      at: request.at,
      method: request.method,
      path: query === -1 ? request.url : request.url.slice(0, query),
      queryText: query === -1 ? '' : request.url.slice(query + 1),
      route: request.route,
      body,
      bodyBytes: request.bodyBytes ?? (request.body === null ? 0 : Buffer.byteLength(request.body)),
      status: request.status,
      account,
      customer,
      fault: request.fault,
      cost: ENTRY_OVERHEAD + request.url.length + (body === null ? 0 : Buffer.byteLength(body)) +
        (account?.length ?? 0) + (customer?.length ?? 0) + (request.route?.length ?? 0),
    }
    this.log.push(kept)
    this.added()
  }

  get dropped (): number {
    return this.log.dropped
  }

  get size (): number {
    return this.log.entries.length
  }

  /** The bytes of text kept now, never above `maxBytes` by more than the newest entry. */
  get bytes (): number {
    return this.log.bytes
  }

  /** Oldest first. */
  all (): JournalEntry[] {
    return this.log.entries.map(entryOf)
  }

  query (filter: JournalFilter = {}): JournalPage {
    const route = filter.route?.replace(/^\/+/, '')
    const method = filter.method?.toUpperCase()
    const matching = this.log.entries.filter((e) =>
      (method === undefined || e.method === method) &&
      (route === undefined || e.route === route) &&
      (filter.status === undefined || e.status === filter.status) &&
      (filter.account === undefined || e.account === filter.account) &&
      (filter.customer === undefined || e.customer === filter.customer) &&
      (filter.fault === undefined || (e.fault !== null) === filter.fault))
    const requests = filter.limit === undefined ? matching : matching.slice(Math.max(0, matching.length - filter.limit))
    return { count: matching.length, dropped: this.log.dropped, requests: requests.map(entryOf) }
  }

  clear (): void {
    this.log.clear()
    this.seq = 0
  }
}

function entryOf ({ queryText, cost: _cost, ...kept }: Kept): JournalEntry {
  return { ...kept, query: { ...parseQuery(queryText) } }
}

/**
 * The first `limit` UTF-8 bytes of `text`, cut at a character boundary, as a string of its own:
 * a `slice` of a 1 MiB body would keep the whole body alive behind it.
 */
export function headOf (text: string, limit: number): string {
  // No character is more than 3 UTF-8 bytes per UTF-16 unit: such a text fits whole.
  if (text.length * 3 <= limit) return text
  const bytes = Buffer.from(text.slice(0, limit))
  if (bytes.length <= limit) return bytes.toString()
  let end = limit
  while (end > 0 && ((bytes[end] as number) & 0xC0) === 0x80) end--
  return bytes.subarray(0, end).toString()
}
