import type { FastifyInstance } from 'fastify'
import { parseDayRange, type BalanceType, type BalanceView } from '../core/balances.js'
import { paginate, parsePageRequest, type Page } from '../core/pagination.js'
import { withOwnedRecords, withRecordIds } from '../core/record-shapes.js'
import type { Tenant } from '../core/tenant.js'
import { routeSchema } from '../openapi/schemas.js'
import type { OpenApiDocument } from '../openapi/load.js'
import { MESSAGES, ok } from './envelope.js'

/** A look-up body after validation against openapi.yaml: the fields are known to be well-typed. */
type Body = Record<string, unknown>

interface Lookup {
  operationId: string
  path: string
  find (tenant: Tenant, body: Body): Page<BalanceView | object>
}

const includePeriodic = (body: Body): boolean => body.includePeriodic !== false && body.includePeriodic !== 'false'
const text = (value: unknown): string => String(value)

/** getById answers its one balance in the paginated shape of its siblings. */
const byId: Lookup['find'] = (tenant, body) => {
  const balance = tenant.reader.byId(text(body.id), includePeriodic(body))
  return { pagination: paginate(1, { page: 1, limit: 1 }).pagination, items: [balance] }
}

const LOOKUPS: Lookup[] = [
  {
    operationId: 'getBalanceByCustomer',
    path: '/balance/getByCustomer',
    // pyokra names the customer `id` (D3); `customer` wins when both are sent. Records as ids, as Okra's reference shows here.
    find: (tenant, body) => withRecordIds(tenant.reader.byCustomer(text(body.customer ?? body.id), parsePageRequest(body), includePeriodic(body))),
  },
  {
    operationId: 'getBalanceByAccount',
    path: '/balance/getByAccount',
    // `account` wins over the SDK's `account_id` when both are sent (D1).
    find: (tenant, body) => tenant.reader.byAccount(text(body.account ?? body.account_id), parsePageRequest(body), includePeriodic(body)),
  },
  { operationId: 'getBalanceById', path: '/balance/getById', find: byId },
  { operationId: 'getBalanceByIdAlias', path: '/balance/getBalanceById', find: byId },
  {
    operationId: 'getBalanceByDate',
    path: '/balance/getByDate',
    find: (tenant, body) => tenant.reader.byDate(parseDayRange(body.from, body.to), parsePageRequest(body), includePeriodic(body)),
  },
  {
    operationId: 'getBalanceByCustomerDate',
    path: '/balance/getByCustomerDate',
    find: (tenant, body) => tenant.reader.byCustomerDate(text(body.customer), parseDayRange(body.from, body.to), parsePageRequest(body), includePeriodic(body)),
  },
  {
    operationId: 'getBalanceByType',
    path: '/balance/getByType',
    find: (tenant, body) => tenant.reader.byType(body.type as BalanceType, Number(body.value ?? body.amount), parsePageRequest(body), includePeriodic(body)),
  },
]

/** Okra's balance look-ups; mounted once per base prefix. */
export function balanceRoutes (app: FastifyInstance, doc: OpenApiDocument): void {
  for (const lookup of LOOKUPS) {
    app.post(lookup.path, { schema: routeSchema(doc, lookup.operationId) }, async (request) => {
      const page = lookup.find(request.tenant, request.body as Body)
      return ok(MESSAGES.balanceRetrieved, { pagination: page.pagination, balance: page.items })
    })
  }
  app.post('/products/balances', { schema: routeSchema(doc, 'listBalances') }, async (request) => {
    const body = (request.body ?? {}) as Body
    // Records as `{_id, env, owner}`, as Okra's product page shows this list.
    const page = withOwnedRecords(request.tenant.reader.all(parsePageRequest(body), includePeriodic(body)))
    return ok(MESSAGES.balancesRetrieved, { pagination: page.pagination, balances: page.items })
  })
}
