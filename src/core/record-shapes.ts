import type { BalanceView } from './balances.js'
import type { Page } from './pagination.js'

/*
 * Okra's samples show a balance's `record` three ways (okra-api.md §5.1, D16), and the emulator
 * follows each route's own: getByCustomer's reference (Balance1) types it `array[string]`, the ids
 * alone, as OkraGo decodes it; getByAccount's (Balance2) shows `{_id, status:{process}}`, the
 * reader's own shape; the product page's `products/balances` sample shows `{_id, env, owner}`.
 * Routes with no sample keep the reader's shape, the richest.
 */

/** A balance with its records as bare ids (getByCustomer). */
export type BalanceWithRecordIds = Omit<BalanceView, 'record'> & { record: string[] }

/** A balance with its records as `{_id, env, owner}` (products/balances). */
export type BalanceWithOwnedRecords = Omit<BalanceView, 'record'> & { record: Array<{ _id: string, env: string, owner: string }> }

/** The page with its balances' records as ids; `record` keeps its place among the keys. */
export function withRecordIds (page: Page<BalanceView>): Page<BalanceWithRecordIds> {
  return { pagination: page.pagination, items: page.items.map((view) => ({ ...view, record: view.record.map((ref) => ref._id) })) }
}

/** The page with each record as the environment and company it belongs to, the balance's own. */
export function withOwnedRecords (page: Page<BalanceView>): Page<BalanceWithOwnedRecords> {
  return {
    pagination: page.pagination,
    items: page.items.map((view) => ({ ...view, record: view.record.map((ref) => ({ _id: ref._id, env: view.env, owner: view.owner[0] as string })) })),
  }
}
