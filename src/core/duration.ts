import { invalidField } from './errors.js'

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/

/**
 * The longest duration accepted: 100 years of 365 days. Anything longer (a `1e308` advance, a
 * `99999999999999999999d` policy) put due times past what a Date can hold, and the next answer
 * that showed one failed with a 500.
 */
export const MAX_DURATION_MS = 36_500 * 86_400_000

/**
 * Parses a duration such as `3s`, `2m`, `1h30m`, `250ms` or a bare number of milliseconds.
 * @example parseDuration('1m30s', 'by') // 90000
 */
export function parseDuration (value: unknown, field: string): number {
  if (typeof value === 'number') {
    if (value > MAX_DURATION_MS) throw invalidField(field, 'must be at most 100 years (36500d)')
    if (Number.isFinite(value) && value >= 0) return value
    throw invalidField(field, 'must be a duration of zero or more')
  }
  if (typeof value !== 'string' || !WHOLE.test(value.trim())) {
    throw invalidField(field, 'must be a duration such as "3s", "2m", "1h30m" or a number of milliseconds')
  }
  let total = 0
  for (const [, amount, unit] of value.trim().matchAll(PART)) {
    total += Number(amount) * (UNIT_MS[unit as string] as number)
  }
  if (!(total <= MAX_DURATION_MS)) throw invalidField(field, 'must be at most 100 years (36500d)')
  return total
}
