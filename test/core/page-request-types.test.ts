import { describe, expect, it } from 'vitest'
import { parsePageRequest } from '../../src/core/pagination.js'

describe('parsePageRequest', () => {
  it('reads digits from a string only, never from an array that prints as digits', () => {
    expect(parsePageRequest({ page: '5', limit: 7 })).toStrictEqual({ page: 5, limit: 7 })
    expect(() => parsePageRequest({ page: ['5'] })).toThrow('Invalid field "page": must be a whole number of at least 1')
  })
})
