import { DomainError } from '../core/errors.js'

/**
 * Bodies nested deeper are refused. A body is kept (in the journal, a fault rule) and later copied by
 * JSON.stringify or structuredClone, which overflow the stack at a few thousand levels: a 5,000-deep
 * body listed by /__admin/requests was a 500. Okra's own bodies are two or three levels deep.
 */
export const MAX_JSON_DEPTH = 64
/**
 * Objects and arrays a body may hold: one per this many bytes of its route's body limit (16,384 in
 * 1 MiB, 1,048,576 in an inline scenario's 64 MiB). An empty `[]` costs ~40 bytes parsed for 3 sent,
 * so a 1 MiB body of them was ~15 MB per request; real fixtures hold one per ~110 bytes.
 */
export const BYTES_PER_JSON_CONTAINER = 64

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d

/**
 * Refuses a JSON text that would parse too deep or into too many objects and arrays, before it is
 * parsed: one pass over the characters, outside strings, allocating nothing. Malformed JSON is left
 * to the parser, which names it.
 */
export function checkJsonShape (text: string, maxContainers: number): void {
  let depth = 0
  let containers = 0
  let inString = false
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at)
    if (inString) {
      if (code === BACKSLASH) at++
      else if (code === QUOTE) inString = false
    } else if (code === QUOTE) {
      inString = true
    } else if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      if (++depth > MAX_JSON_DEPTH) throw new DomainError('OKRA_EMU_INVALID_JSON', `The request body is nested more than ${MAX_JSON_DEPTH} levels deep`)
      if (++containers > maxContainers) {
        throw new DomainError('OKRA_EMU_INVALID_JSON', `The request body holds more than ${maxContainers.toLocaleString('en')} objects and arrays`)
      }
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      depth--
    }
  }
}

/** The container cap of a route with this body limit. */
export function maxContainersFor (bodyLimit: number): number {
  return Math.floor(bodyLimit / BYTES_PER_JSON_CONTAINER)
}
