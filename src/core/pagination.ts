import { invalidField } from './errors.js'

const DEFAULT_PAGE = 1
const DEFAULT_LIMIT = 10
/** Okra's reference says a page holds up to 100 items; larger limits are served as 100. */
const MAX_LIMIT = 100
/** Okra types page as i32; beyond it the arithmetic below would lose precision. */
export const MAX_PAGE = 2_147_483_647

/**
 * mongoose-paginate-v2's block, keys in the order Okra sends them (okra-api.md §6). prevPage and
 * nextPage are always present: the okra-node SDK re-requests with `page: nextPage`, so a missing
 * number would silently restart at page 1.
 */
export interface Pagination {
  totalDocs: number
  limit: number
  hasPrevPage: boolean
  hasNextPage: boolean
  page: number
  totalPages: number
  pagingCounter: number
  prevPage: number | null
  nextPage: number | null
}

export interface PageRequest {
  page: number
  limit: number
}

export interface Page<T> {
  pagination: Pagination
  items: T[]
}

/**
 * Reads `page` and `limit` as Okra's server does: whole numbers, or strings of digits (query
 * strings, older SDKs). Missing means the defaults; a limit above 100 is served as 100.
 */
export function parsePageRequest (input: { page?: unknown, limit?: unknown }): PageRequest {
  const page = readWholeNumber(input.page, 'page', DEFAULT_PAGE)
  if (page > MAX_PAGE) throw invalidField('page', `must be at most ${MAX_PAGE}`)
  const limit = readWholeNumber(input.limit, 'limit', DEFAULT_LIMIT)
  return { page, limit: Math.min(limit, MAX_LIMIT) }
}

function readWholeNumber (value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    throw invalidField(field, 'must be a whole number of at least 1')
  }
  return n
}

/** The pagination block for `totalDocs` items; `offset` is where the page starts. */
export function paginate (totalDocs: number, request: PageRequest): { pagination: Pagination, offset: number } {
  const { page, limit } = request
  const totalPages = Math.ceil(totalDocs / limit) || 1
  const hasPrevPage = page > 1
  const hasNextPage = page < totalPages
  return {
    pagination: {
      totalDocs,
      limit,
      hasPrevPage,
      hasNextPage,
      page,
      totalPages,
      pagingCounter: (page - 1) * limit + 1,
      prevPage: hasPrevPage ? page - 1 : null,
      nextPage: hasNextPage ? page + 1 : null,
    },
    offset: (page - 1) * limit,
  }
}

/** One page of an in-order list; costs O(page), not O(list). */
export function pageOf<T> (items: readonly T[], request: PageRequest): Page<T> {
  const { pagination, offset } = paginate(items.length, request)
  return { pagination, items: items.slice(offset, offset + request.limit) }
}
