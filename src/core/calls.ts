import { BoundedLog, headOf } from './journal.js'

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
  private readonly log = new BoundedLog<ManifestCall & { cost: number }>(MANIFEST_LIMITS.calls, MANIFEST_LIMITS.callBytes)

  add (call: ManifestCall): void {
    const body = call.body === null ? null : headOf(call.body, MANIFEST_LIMITS.bodyBytes)
    const path = headOf(call.path, MANIFEST_LIMITS.bodyBytes)
    this.log.push({ ...call, path, body, cost: CALL_OVERHEAD + path.length + (body === null ? 0 : Buffer.byteLength(body)) })
  }

  list (): { dropped: number, items: ManifestCall[] } {
    return { dropped: this.log.dropped, items: this.log.entries.map(({ cost: _cost, ...call }) => call) }
  }

  clear (): void {
    this.log.clear()
  }
}
