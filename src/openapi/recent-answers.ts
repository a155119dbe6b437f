type Serializer = (data: unknown) => string

const OBJECT = Symbol('object')
const ARRAY = Symbol('array')
const END = Symbol('end')
type Token = typeof OBJECT | typeof ARRAY | typeof END | string | number | boolean | null | undefined

/** Answers a serializer keeps ready: enough for a client paging back and forth over a few pages. */
const KEPT_ANSWERS = 8
/** How many recent answers it watches for a repeat. */
const WATCHED_ANSWERS = 16
/** After this many answers kept and none used, only every this-many-th repeat is kept. */
const BACK_OFF = 16

/**
 * Wraps a route's serializer so that data equal to an answer it keeps gets that answer's JSON back
 * without serialising again. Emulator clients read the same answers over and over (polling,
 * retries, paging back and forth), and serialising a 13 KB balance page was a third of the time
 * of an answer.
 *
 * Equality is checked, never assumed: a kept answer holds its data as a flat list of tokens (keys,
 * primitive values and structure, in order) taken when it was serialised, so later changes to those
 * objects cannot pass a stale answer off as current. A check stops at the first difference, most
 * often in the pagination block. Taking tokens costs about a fifth of a serialisation, so only an
 * answer given a second time is kept; requests that never repeat pay for a fingerprint. Data that is
 * not plain JSON-like values (class instances such as Date, functions, symbols) is always serialised.
 */
export function rememberRecentAnswers (serialize: Serializer): Serializer {
  const kept: Array<{ tokens: Token[], json: string }> = []
  const repeated = repeatDetector(WATCHED_ANSWERS)
  // Answers that come round, but more than KEPT_ANSWERS apart, would be kept and dropped unused forever.
  let keptSinceUsed = 0
  return (data) => {
    for (const answer of kept) {
      if (sameAs(data, answer.tokens)) {
        keptSinceUsed = 0
        return answer.json
      }
    }
    const json = serialize(data)
    if (!repeated(json)) return json
    if (keptSinceUsed >= BACK_OFF && ++keptSinceUsed % BACK_OFF !== 0) return json
    // A repeat whose text is kept already comes from data differing only where the schema does not
    // look (an undeclared field): it would never match, so keeping it again would only cost.
    const tokens: Token[] = []
    if (!kept.some((answer) => answer.json === json) && tokensOf(data, tokens)) {
      kept.unshift({ tokens, json })
      if (kept.length > KEPT_ANSWERS) kept.pop()
      keptSinceUsed += 1
    }
    return json
  }
}

/** Appends the tokens of a value; false when the value is not plain JSON-like data. */
function tokensOf (value: unknown, tokens: Token[]): boolean {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') return false
    tokens.push(value as Token)
    return true
  }
  if (Array.isArray(value)) {
    tokens.push(ARRAY, value.length)
    for (const item of value) if (!tokensOf(item, tokens)) return false
    return true
  }
  if (!isPlainObject(value)) return false
  tokens.push(OBJECT)
  for (const key in value) {
    tokens.push(key)
    if (!tokensOf((value as Record<string, unknown>)[key], tokens)) return false
  }
  tokens.push(END)
  return true
}

/** Whether a value has exactly the given tokens, walking both in step and stopping at the first difference. */
function sameAs (value: unknown, tokens: readonly Token[]): boolean {
  let at = 0
  const walk = (inner: unknown): boolean => {
    if (inner === null || typeof inner !== 'object') return tokens[at++] === inner
    if (Array.isArray(inner)) {
      if (tokens[at++] !== ARRAY || tokens[at++] !== inner.length) return false
      for (const item of inner) if (!walk(item)) return false
      return true
    }
    if (!isPlainObject(inner) || tokens[at++] !== OBJECT) return false
    for (const key in inner) {
      if (tokens[at++] !== key || !walk((inner as Record<string, unknown>)[key])) return false
    }
    return tokens[at++] === END
  }
  return walk(value) && at === tokens.length
}

function isPlainObject (value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/**
 * Notices a text coming round again while remembering only a number for each recent one. The memos
 * of answers and of ETags (http/express-headers.ts) use it to keep only what repeats: keeping every
 * text made each answer outlive a garbage collection or two, which cost more than the memos saved
 * when requests never repeat. A match is a hint, not a proof (two texts can share a fingerprint);
 * callers verify before reuse.
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
