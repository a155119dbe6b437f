import { describe, expect, it } from 'vitest'
import { parseDuration, MAX_DURATION_MS } from '../../src/core/duration.js'
import { DomainError } from '../../src/core/errors.js'

function messageOf (fn: () => unknown): string {
  try { fn() } catch (error) { if (error instanceof DomainError) return `${error.code}: ${error.message}` }
  throw new Error('expected a DomainError')
}

const TOO_LONG = 'OKRA_EMU_INVALID_FIELD: Invalid field "by": must be at most 100 years (36500d)'

describe('parseDuration at its bounds', () => {
  it('takes 100 years of 365 days as the longest duration, as a number or as text', () => {
    expect(MAX_DURATION_MS).toBe(3_153_600_000_000)
    expect(parseDuration(MAX_DURATION_MS, 'by')).toBe(3_153_600_000_000)
    expect(parseDuration('36500d', 'by')).toBe(3_153_600_000_000)
    expect(parseDuration('36499d24h', 'by')).toBe(3_153_600_000_000)
  })

  it('refuses one millisecond more, naming the bound', () => {
    expect(messageOf(() => parseDuration(MAX_DURATION_MS + 1, 'by'))).toBe(TOO_LONG)
    expect(messageOf(() => parseDuration('36500d1ms', 'by'))).toBe(TOO_LONG)
    expect(messageOf(() => parseDuration('99999999999999999999d', 'by'))).toBe(TOO_LONG)
  })

  it('takes zero as a number', () => {
    expect(parseDuration(0, 'by')).toBe(0)
  })

  it('refuses a negative or non-finite number as not a duration', () => {
    for (const value of [-1, Number.NaN, Number.NEGATIVE_INFINITY]) {
      expect(messageOf(() => parseDuration(value, 'by'))).toBe('OKRA_EMU_INVALID_FIELD: Invalid field "by": must be a duration of zero or more')
    }
  })

  it('reads text with surrounding spaces and fractions of more than one digit', () => {
    expect(parseDuration(' 3s ', 'by')).toBe(3000)
    expect(parseDuration('1.25s', 'by')).toBe(1250)
    expect(parseDuration('0.125m', 'by')).toBe(7500)
  })

  it('refuses text with anything after the last unit, naming the field and the forms', () => {
    for (const value of ['3sx', '3s 4', '1.25', '1h 30m']) {
      expect(messageOf(() => parseDuration(value, 'every')))
        .toBe('OKRA_EMU_INVALID_FIELD: Invalid field "every": must be a duration such as "3s", "2m", "1h30m" or a number of milliseconds')
    }
  })
})
