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

function hex8 (n: number): string {
  return n.toString(16).padStart(8, '0')
}

export const OBJECT_ID = /^[0-9a-f]{24}$/
