import { describe, expect, it } from 'vitest'
import { DomainError } from '../../src/core/errors.js'
import { pageOf, paginate, parsePageRequest } from '../../src/core/pagination.js'

describe('paginate', () => {
  // [totalDocs, page, limit] => the exact block mongoose-paginate-v2 answers (okra-api.md §6).
  const cases: Array<[number, number, number, object]> = [
    [32, 1, 1, { totalDocs: 32, limit: 1, hasPrevPage: false, hasNextPage: true, page: 1, totalPages: 32, pagingCounter: 1, prevPage: null, nextPage: 2 }],
    [1, 1, 1, { totalDocs: 1, limit: 1, hasPrevPage: false, hasNextPage: false, page: 1, totalPages: 1, pagingCounter: 1, prevPage: null, nextPage: null }],
    [132, 2, 20, { totalDocs: 132, limit: 20, hasPrevPage: true, hasNextPage: true, page: 2, totalPages: 7, pagingCounter: 21, prevPage: 1, nextPage: 3 }],
    [25, 3, 10, { totalDocs: 25, limit: 10, hasPrevPage: true, hasNextPage: false, page: 3, totalPages: 3, pagingCounter: 21, prevPage: 2, nextPage: null }],
    [0, 1, 10, { totalDocs: 0, limit: 10, hasPrevPage: false, hasNextPage: false, page: 1, totalPages: 1, pagingCounter: 1, prevPage: null, nextPage: null }],
    // A page past the end: empty, but still says where the previous page is.
    [25, 9, 10, { totalDocs: 25, limit: 10, hasPrevPage: true, hasNextPage: false, page: 9, totalPages: 3, pagingCounter: 81, prevPage: 8, nextPage: null }],
    [20, 2, 10, { totalDocs: 20, limit: 10, hasPrevPage: true, hasNextPage: false, page: 2, totalPages: 2, pagingCounter: 11, prevPage: 1, nextPage: null }],
  ]
  it.each(cases)('%i docs, page %i, limit %i', (totalDocs, page, limit, expected) => {
    expect(paginate(totalDocs, { page, limit }).pagination).toStrictEqual(expected)
  })

  it('emits the keys in Okra\'s order', () => {
    expect(Object.keys(paginate(5, { page: 1, limit: 2 }).pagination)).toStrictEqual([
      'totalDocs', 'limit', 'hasPrevPage', 'hasNextPage', 'page', 'totalPages', 'pagingCounter', 'prevPage', 'nextPage',
    ])
  })

  it('slices the requested page and an empty one past the end', () => {
    const items = Array.from({ length: 25 }, (_, i) => i)
    expect(pageOf(items, { page: 3, limit: 10 }).items).toStrictEqual([20, 21, 22, 23, 24])
    expect(pageOf(items, { page: 4, limit: 10 }).items).toStrictEqual([])
  })
})

describe('parsePageRequest', () => {
  it.each([
    [{}, { page: 1, limit: 10 }],
    [{ page: 2, limit: 5 }, { page: 2, limit: 5 }],
    [{ page: '3', limit: '20' }, { page: 3, limit: 20 }],
    [{ limit: 101 }, { page: 1, limit: 100 }],
    [{ limit: '5000' }, { page: 1, limit: 100 }],
  ])('reads %j as %j', (input, expected) => {
    expect(parsePageRequest(input)).toStrictEqual(expected)
  })

  it.each([
    [{ page: 0 }, 'page'], [{ page: -1 }, 'page'], [{ page: 1.5 }, 'page'], [{ page: 'abc' }, 'page'],
    [{ page: '' }, 'page'], [{ page: null }, 'page'], [{ page: true }, 'page'], [{ page: 2 ** 31 }, 'page'],
    [{ limit: 0 }, 'limit'], [{ limit: '1e3' }, 'limit'], [{ limit: Number.NaN }, 'limit'], [{ limit: [] }, 'limit'],
  ])('rejects %j naming %s', (input, field) => {
    let thrown: unknown
    try { parsePageRequest(input) } catch (error) { thrown = error }
    expect(thrown).toBeInstanceOf(DomainError)
    expect((thrown as DomainError).code).toBe('OKRA_EMU_INVALID_FIELD')
    expect((thrown as DomainError).message).toContain(`"${field}"`)
  })
})
