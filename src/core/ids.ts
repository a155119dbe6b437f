/**
 * Mongo-style ObjectIds: 4 bytes of seconds, then 8 bytes from a counter seeded per generator. Ids are
 * deterministic for a given seed and clock, so a test that replays the same calls sees the same ids.
 */
export class ObjectIdFactory {
  private counter: number

  constructor (seed: number) {
    this.counter = (seed >>> 0) * 0x10000
  }

  next (atMs: number): string {
    this.counter += 1
    const seconds = Math.floor(atMs / 1000) >>> 0
    const low = this.counter % 0x1_0000_0000
    const high = Math.floor(this.counter / 0x1_0000_0000) % 0x1_0000_0000
    return hex8(seconds) + hex8(high) + hex8(low)
  }

  /** The counter, so a snapshot can restore the same sequence of ids. */
  get position (): number {
    return this.counter
  }

  set position (value: number) {
    this.counter = value
  }
}

/**
 * A tenant's ids, in Mongo's ObjectId layout: 4 bytes of emulator seconds, 5 bytes naming the
 * process and tenant, a 3-byte counter. The process's 5 random bytes (given: the core draws no
 * randomness), plus the tenant's number in this process, keep ids apart across tenants and
 * restarts. The counter is tenant state, so a restored snapshot hands out the same ids again.
 */
export class TenantIds {
  /** Ids handed out so far; the counter is its low 3 bytes. */
  position = 0
  private readonly middle: string

  constructor (private readonly changed: () => void, processBytes: Uint8Array, tenantNumber: number) {
    if (processBytes.length !== 5) throw new RangeError('An ObjectId takes 5 bytes from its process')
    this.middle = ((processBytes.reduce((n, byte) => n * 256 + byte, 0) + tenantNumber) % 2 ** 40).toString(16).padStart(10, '0')
  }

  next (atMs: number): string {
    this.position += 1
    this.changed()
    return hex8(Math.floor(atMs / 1000) >>> 0) + this.middle + (this.position % 0x100_0000).toString(16).padStart(6, '0')
  }
}

function hex8 (n: number): string {
  return n.toString(16).padStart(8, '0')
}

export const OBJECT_ID = /^[0-9a-f]{24}$/
