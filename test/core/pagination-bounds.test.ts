import { describe, expect, it } from 'vitest'
import { DomainError } from '../../src/core/errors.js'
import { MAX_PAGE, pageOf, parsePageRequest } from '../../src/core/pagination.js'

function messageOf (fn: () => unknown): string {
  try { fn() } catch (error) { if (error instanceof DomainError) return `${error.code}: ${error.message}` }
  throw new Error('expected a DomainError')
}

describe('page and limit at their bounds', () => {
  it('accepts page 1 and limit 1 given explicitly', () => {
    expect(parsePageRequest({ page: 1, limit: 1 })).toStrictEqual({ page: 1, limit: 1 })
    expect(parsePageRequest({ page: '1', limit: '1' })).toStrictEqual({ page: 1, limit: 1 })
  })

  it('accepts the largest i32 as a page, as a number or as digits, and refuses the next one', () => {
    expect(MAX_PAGE).toBe(2 ** 31 - 1)
    expect(parsePageRequest({ page: MAX_PAGE })).toStrictEqual({ page: 2_147_483_647, limit: 10 })
    expect(parsePageRequest({ page: '2147483647' })).toStrictEqual({ page: 2_147_483_647, limit: 10 })
    expect(messageOf(() => parsePageRequest({ page: MAX_PAGE + 1 })))
      .toBe('OKRA_EMU_INVALID_FIELD: Invalid field "page": must be at most 2147483647')
  })

  it('serves limit 100 as given and anything above it as 100', () => {
    expect(parsePageRequest({ limit: 100 }).limit).toBe(100)
    expect(parsePageRequest({ limit: Number.MAX_SAFE_INTEGER }).limit).toBe(100)
  })

  it('says what a whole number is when one is missing', () => {
    expect(messageOf(() => parsePageRequest({ limit: '-3' })))
      .toBe('OKRA_EMU_INVALID_FIELD: Invalid field "limit": must be a whole number of at least 1')
    expect(messageOf(() => parsePageRequest({ page: '12345678901234567' })))
      .toBe('OKRA_EMU_INVALID_FIELD: Invalid field "page": must be a whole number of at least 1')
  })

  it('serves the last page of the largest page number as empty, with the previous page named', () => {
    const page = pageOf(['a', 'b'], { page: MAX_PAGE, limit: 100 })
    expect(page.items).toStrictEqual([])
    expect(page.pagination).toMatchObject({ page: MAX_PAGE, prevPage: MAX_PAGE - 1, nextPage: null, totalPages: 1, hasNextPage: false })
    expect(page.pagination.pagingCounter).toBe((MAX_PAGE - 1) * 100 + 1)
  })
})
