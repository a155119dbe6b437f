import { readFile } from 'node:fs/promises'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { DomainError } from '../core/errors.js'
import { parsePageRequest } from '../core/pagination.js'
import type { Tenant } from '../core/tenant.js'
import type { BalanceFixture } from '../core/fixture.js'
import type { OpenApiDocument } from '../openapi/load.js'
import { routeSchema } from '../openapi/schemas.js'
import { clockOf } from './admin.js'
import { ok } from './envelope.js'

/** GET /__admin/tenants lists at most this many, the newest: a run with a token per test file may make thousands. */
const MAX_LISTED_TENANTS = 100

/** Long tokens (a test file's URL) keep their start and their more telling end. */
function labelOf (token: string): string {
  return token.length <= 24 ? token : `${token.slice(0, 8)}…${token.slice(-12)}`
}

function tenantSummary (tenant: Tenant) {
  let running = 0
  for (const record of tenant.records.values()) if (record.state === 'running') running++
  return {
    token: tenant.token,
    label: labelOf(tenant.token),
    clock: clockOf(tenant),
    scenario: tenant.scenario.label,
    records: { running, total: tenant.records.size },
    faults: tenant.faults.list().length,
    webhooks: { pending: tenant.webhooks.list().filter((d) => d.state === 'pending').length, total: tenant.webhooks.list().length },
    requests: tenant.journal.size,
    snapshots: tenant.snapshots.size,
  }
}

function amounts (from: { ledger_balance: number, available_balance?: number }) {
  return from.available_balance === undefined
    ? { ledger_balance: from.ledger_balance }
    : { ledger_balance: from.ledger_balance, available_balance: from.available_balance }
}

/** Every tenant at once, so a dashboard can offer them; needs no bearer token, as /health. */
export function tenantsRoute (app: FastifyInstance, doc: OpenApiDocument): void {
  app.get('/tenants', { schema: routeSchema(doc, 'adminListTenants') }, async () => {
    const tenants = [...app.tenants.all()]
    return ok('Tenants listed', { total: tenants.length, tenants: tenants.slice(-MAX_LISTED_TENANTS).map(tenantSummary) })
  })
}

/** The accounts of the caller's tenant with Okra's stored balance beside the bank's live one. */
export function accountsRoute (app: FastifyInstance, doc: OpenApiDocument): void {
  app.get('/accounts', { schema: routeSchema(doc, 'adminListAccounts') }, async (request) => {
    const { tenant } = request
    tenant.settleDue()
    const page = tenant.reader.all(parsePageRequest(request.query as { page?: string, limit?: string }), false)
    const now = tenant.clock.now()
    return ok('Accounts listed', {
      pagination: page.pagination,
      accounts: page.items.map((view) => ({
        account: view.account._id,
        name: view.account.name,
        nuban: view.account.nuban,
        bank: view.account.bank.name,
        currency: view.currency,
        customer: view.customer,
        balance: view._id,
        okra: amounts(view),
        live: amounts(tenant.bank.balanceAt(view.account._id, tenant.dataset.balance(view._id) as BalanceFixture, now)),
      })),
    })
  })
}

/** The dashboard's files: plain HTML, CSS and one JS module, shipped as they are (no build step). */
const DASHBOARD_DIR = new URL('../../src/dashboard/', import.meta.url)
const FILES = new Map([
  ['index.html', 'text/html; charset=utf-8'],
  ['dashboard.css', 'text/css; charset=utf-8'],
  ['dashboard.js', 'text/javascript; charset=utf-8'],
])
/** The page reads only its own files and the control API; nothing else may load or frame it. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/**
 * The dashboard at /__admin/ui, and at / for browsers. It holds no data, only the page: everything it
 * shows comes from /__admin over fetch, so the admin token guards the data, not these files.
 */
export function dashboardRoutes (app: FastifyInstance): void {
  const cache = new Map<string, Promise<Buffer>>()
  const send = async (reply: FastifyReply, name: string): Promise<Buffer> => {
    let body = cache.get(name)
    if (body === undefined) {
      body = readFile(new URL(name, DASHBOARD_DIR))
      cache.set(name, body)
    }
    reply.type(FILES.get(name) as string).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff')
    if (name === 'index.html') reply.header('content-security-policy', CSP)
    return await body
  }
  const hide = { schema: { hide: true } }
  // A browser gets the page; an Okra client that calls the bare root gets the 404 any unknown route
  // gets (not a 405 saying "use GET": the other methods are routed here too). OPTIONS stays a preflight.
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/',
    ...hide,
    handler: async (request, reply) => {
      reply.header('vary', 'Accept')
      if (request.method !== 'GET' || !(request.headers.accept ?? '').includes('text/html')) {
        throw new DomainError('OKRA_EMU_ROUTE_NOT_FOUND', `Route ${request.method} / not found`)
      }
      return await send(reply, 'index.html')
    },
  })
  app.get('/__admin/ui', hide, async (_request, reply) => await send(reply, 'index.html'))
  app.get<{ Params: { file: string } }>('/__admin/ui/:file', hide, async (request, reply) => {
    const { file } = request.params
    if (file === 'index.html' || !FILES.has(file)) throw new DomainError('OKRA_EMU_ROUTE_NOT_FOUND', `Route GET ${request.url} not found`)
    return await send(reply, file)
  })
}
