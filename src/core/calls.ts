import { headOf } from './journal.js'

/** One call that changed a tenant, as a run manifest lists it. */
export interface ManifestCall {
  /** Emulator time the call arrived. */
  at: string
  method: string
  /** Path and query string as sent. */
  path: string
  /** The body as sent, its first MANIFEST_LIMITS.bodyBytes; null when none was read. */
  body: string | null
  bodyBytes: number
  /** 0 when no answer was sent (a fault closed the connection). */
  status: number
}

const MANIFEST_LIMITS = {
  /** The newest calls a tenant's manifest lists. */
  calls: 500,
  /** And at most this much text of them, whichever bound comes first. */
  callBytes: 256 * 1024,
  bodyBytes: 2048,
} as const

/** What a call costs beyond its text. */
const CALL_OVERHEAD = 128

/**
 * The calls that changed a tenant, oldest first: bounded like the request journal, in calls and in
 * bytes, with a count of those let go. Not state: neither a snapshot nor a restore rewrites it.
 */
export class CallLog {
  private entries: Array<ManifestCall & { cost: number }> = []
  private keptBytes = 0
  private droppedCount = 0

  add (call: ManifestCall): void {
    const body = call.body === null ? null : headOf(call.body, MANIFEST_LIMITS.bodyBytes)
    const path = headOf(call.path, MANIFEST_LIMITS.bodyBytes)
    const cost = CALL_OVERHEAD + path.length + (body === null ? 0 : Buffer.byteLength(body))
    this.entries.push({ ...call, path, body, cost })
    this.keptBytes += cost
    while (this.entries.length > MANIFEST_LIMITS.calls || (this.keptBytes > MANIFEST_LIMITS.callBytes && this.entries.length > 1)) {
      this.keptBytes -= (this.entries.shift() as { cost: number }).cost
      this.droppedCount += 1
    }
  }

  list (): { dropped: number, items: ManifestCall[] } {
    return { dropped: this.droppedCount, items: this.entries.map(({ cost: _cost, ...call }) => call) }
  }

  clear (): void {
    this.entries = []
    this.keptBytes = 0
    this.droppedCount = 0
  }
}
