/**
 * Notices a text coming round again while remembering only a number for each recent one. The memos
 * of answers and ETags use it to keep only what repeats: keeping every text made each answer outlive
 * a garbage collection or two, which cost more than the memos saved when requests never repeat.
 * A match is a hint, not a proof (two texts can share a fingerprint); callers verify before reuse.
 */
export function repeatDetector (size: number): (text: string) => boolean {
  const recent = new Set<number>()
  return (text) => {
    const fingerprint = fingerprintOf(text)
    if (recent.delete(fingerprint)) {
      recent.add(fingerprint)
      return true
    }
    recent.add(fingerprint)
    if (recent.size > size) recent.delete(recent.values().next().value as number)
    return false
  }
}

/** The length and ~16 characters spread over the text: cheap, and different for different pages. */
function fingerprintOf (text: string): number {
  let hash = text.length
  const step = Math.max(1, text.length >>> 4)
  for (let at = 0; at < text.length; at += step) hash = (Math.imul(hash, 31) + text.charCodeAt(at)) | 0
  return hash
}

/** Sets a key as the newest of a Map kept in insertion order, dropping the oldest beyond `limit`. */
export function setNewest<K, V> (map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key)
  map.set(key, value)
  if (map.size > limit) map.delete(map.keys().next().value as K)
}
