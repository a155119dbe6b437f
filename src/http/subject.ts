import type { FaultSubject } from '../core/faults.js'
import type { Tenant } from '../core/tenant.js'

/**
 * What an Okra request is about, for fault rules and the journal: the account and customer named
 * by the body, found through a balance id, or through the record a callback polls.
 */
export function subjectOf (tenant: Tenant, route: string, body: unknown, query: Record<string, unknown>): FaultSubject {
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? body as Record<string, unknown> : {}
  const text = (value: unknown): string | undefined => typeof value === 'string' && value !== '' ? value : undefined
  let account = text(fields.account) ?? text(fields.account_id)
  if (account === undefined && route === 'callback') account = tenant.records.get(text(query.record) ?? '')?.account
  // pyokra names the customer `id` on getByCustomer (D3); elsewhere an `id` is a balance's.
  const customerId = route === 'balance/getByCustomer' ? text(fields.id) : undefined
  const balance = customerId === undefined ? text(fields.id) : undefined
  if (account === undefined && balance !== undefined) account = tenant.accountOfBalance(balance)
  const customer = text(fields.customer) ?? customerId ?? text(fields.customer_id) ?? (account === undefined ? undefined : tenant.customerOf(account))
  return { route, account, customer }
}
