/**
 * murmur3's 32-bit finaliser: neighbouring inputs (counters, indexes) give unrelated outputs, so a
 * generator can draw from a position without keeping state.
 */
export function mix (value: number): number {
  let h = value | 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
