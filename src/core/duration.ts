import { invalidField } from './errors.js'

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/

/**
 * Parses a duration such as `3s`, `2m`, `1h30m`, `250ms` or a bare number of milliseconds.
 * @example parseDuration('1m30s', 'by') // 90000
 */
export function parseDuration (value: unknown, field: string): number {
  if (typeof value === 'number') {
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
  return total
}
