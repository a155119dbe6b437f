import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import etag from 'etag'
import type { ClockMode } from './core/clock.js'
import type { Dataset } from './core/dataset.js'
import { DomainError } from './core/errors.js'
import type { RecordPolicy } from './core/records.js'
import type { Tenant } from './core/tenant.js'
import { DEFAULT_MAX_TENANTS, Tenants } from './core/tenants.js'
import type { FixtureFile } from './core/fixture.js'
import { JsonDataset } from './dataset/json.js'
import { secretProblem } from './core/webhooks.js'
import { tokenOf } from './http/auth.js'
import { installDocs } from './http/docs.js'
import { clientErrorHandler, frameworkErrors, installErrorHandling, UNSUPPORTED_MEDIA_TYPE } from './http/errors.js'
import { installConnections, resolveConnections, timeoutOptions, type ConnectionOptions } from './http/connections.js'
import { installExpressHeaders } from './http/express-headers.js'
import { okraInput, parseForm } from './http/okra-input.js'
import { installTraffic } from './http/traffic.js'
import { checkJsonShape, maxContainersFor } from './http/json-body.js'
import { schemaCompilers, type SchemaCompilation } from './openapi/compilers.js'
import { DEFAULT_RECORD_DELAY_MS } from './options.js'
import type { TenantStore } from './persistence/store.js'
import { loadOpenApi } from './openapi/load.js'
import { registerSchemas } from './openapi/schemas.js'
import { adminRoutes, healthRoute } from './routes/admin.js'
import { manifestRoutes, type ManifestOptions } from './routes/manifest.js'
import { balanceRoutes } from './routes/balance.js'
import { accountsRoute, dashboardRoutes, tenantsRoute } from './routes/dashboard.js'
import { recordRoutes, type PendingCallbackStatus } from './routes/records.js'
import { sandboxRoutes } from './routes/sandbox.js'
import { changesWaitedThrough } from './routes/waits.js'
import { Scheduler } from './webhooks/scheduler.js'
import { WebhookDispatcher } from './webhooks/dispatcher.js'

declare module 'fastify' {
  interface FastifyRequest {
    tenant: Tenant
  }
}

export interface AppOptions {
  /** A loaded fixture file or Dataset; the committed default fixtures when omitted. */
  fixtures?: FixtureFile | Dataset
  /** Accept only these bearer tokens; any non-empty token when omitted. */
  tokens?: readonly string[]
  clock?: { mode?: ClockMode, start?: Date | string | number }
  /** How long a refresh or check takes by default, in emulator ms (3 s; Okra's own is about 2 minutes). */
  recordDelayMs?: number
  /** Where completed and failed records are posted, and the bearer token sent with them. */
  webhook?: { url: string, token?: string }
  /** Signs every tenant's webhooks with this Standard Webhooks secret (`whsec_<base64>`) unless it sets its own; unsigned when omitted. */
  webhookSecret?: string
  /** The real time source under the virtual clock; tests may pass their own. */
  realNow?: () => number
  logger?: FastifyServerOptions['logger']
  /** Called before any route exists, to add hooks that must see every answer (tests check the contract this way). */
  onApp?: (app: FastifyInstance) => void
  /** Keep every tenant's state in this directory across restarts (src/persistence/store.ts); in memory when omitted. */
  db?: string
  /** Lock /__admin: every call must then send `X-Admin-Token` with this value. */
  adminToken?: string
  /** How route schemas are compiled: 'lazy' (default), each on first use; 'eager', all at start-up as Fastify does (schemaCompilers). */
  compileSchemas?: SchemaCompilation
  /** Timeouts, the connection cap and the shutdown grace (CONNECTION_DEFAULTS). */
  connections?: ConnectionOptions
  /** Tenants kept at most (those that changed something); past it a new token may only look up (DEFAULT_MAX_TENANTS). */
  maxTenants?: number
  /** The callback's answer while a record runs: 200, Okra's "Balance checking..." (default), or 202 `status: "pending"` (PendingCallbackStatus). */
  pendingCallback?: PendingCallbackStatus
  /** How long a webhook attempt waits for the receiver's answer (10 s, WEBHOOK_RETRY.timeoutMs); a test of a hanging receiver shortens it. */
  webhookTimeoutMs?: number
}

/** The base prefixes Okra's clients use (okra-api.md §1, D21), read from openapi.yaml's servers. */
export function okraPrefixes (): string[] {
  return loadOpenApi().servers.map((s) => s.url.replace(/\/$/, ''))
}

const ONE_MIB = 1024 * 1024
/** Drawn once per process: every record and delivery id carries them, so ids differ across restarts. */
const PROCESS_BYTES = randomBytes(5)
/** A change the disk refused: it is made (in memory), so a retry of the request would make it twice. */
const UNSAVED_MESSAGE = 'The change was made but could not be saved to the --db database; it is saved with this token\'s next request'

/** Builds the emulator without listening, so tests can `inject()` or listen on a port of their own. */
export async function createApp (options: AppOptions = {}): Promise<FastifyInstance> {
  const doc = loadOpenApi()
  const dataset = await resolveDataset(options.fixtures)
  const realNow = options.realNow ?? Date.now
  const start = options.clock?.start
  const connections = resolveConnections(options.connections)
  const secretInvalid = options.webhookSecret === undefined ? null : secretProblem(options.webhookSecret)
  if (secretInvalid !== null) throw new TypeError(`webhookSecret ${secretInvalid}`)
  const dispatcher = new WebhookDispatcher({
    logError: (error, message) => { app.log.error({ err: error }, message) },
    wallNow: realNow,
    ...(options.webhookTimeoutMs === undefined ? {} : { timeoutMs: options.webhookTimeoutMs }),
  })
  let store: TenantStore | null = null
  // What a wake changed is saved for nobody waiting: a refused write is logged, and the tenant's next save retries it.
  const persist = async (tenant: Tenant): Promise<void> => {
    await store?.saveIfChanged(tenant).catch((error: unknown) => { app.log.error({ err: error }, 'could not save a tenant to --db; retrying on its next request') })
  }
  const scheduler = new Scheduler(dispatcher, persist, (error, message) => { app.log.error({ err: error }, message) })
  const defaultPolicy: RecordPolicy = { kind: 'delay', ms: options.recordDelayMs ?? DEFAULT_RECORD_DELAY_MS }
  const clock = { mode: options.clock?.mode ?? 'running', startMs: start === undefined ? realNow() : new Date(start).getTime() } as const
  const tenants = new Tenants(dataset, {
    clock,
    policy: defaultPolicy,
    webhook: { url: options.webhook?.url ?? null, token: options.webhook?.token ?? null, secret: options.webhookSecret ?? null },
  }, realNow, (tenant, record) => dispatcher.enqueue(tenant, record), PROCESS_BYTES, options.maxTenants)
  const accepted = options.tokens === undefined ? undefined : new Set(options.tokens)
  if (options.db !== undefined) {
    // The store and the scenario loader load only for a --db: a plain start needs neither.
    const { TenantStore } = await import('./persistence/store.js')
    store = await TenantStore.open(options.db, dataset)
    await store.restoreInto(tenants).catch(async (error: unknown) => {
      await store?.close()
      throw error
    })
  }

  const serverOptions: FastifyServerOptions = {
    logger: options.logger ?? false,
    ...timeoutOptions(connections),
    // A request racing a shutdown is answered as usual (and told the connection closes), not with Fastify's own 503.
    return503OnClosing: false,
    bodyLimit: ONE_MIB,
    exposeHeadRoutes: false,
    // What the router and Node's parser refuse is answered in Okra's envelope too, not Fastify's.
    frameworkErrors,
    clientErrorHandler,
    schemaController: { compilersFactory: schemaCompilers(options.compileSchemas ?? 'lazy') },
    ajv: {
      customOptions: {
        // Wrong types are a 400 naming the field, never silently coerced.
        coerceTypes: false,
        allowUnionTypes: true,
        // Gives the error formatter the failing schema, to read its x-error-message.
        verbose: true,
        keywords: ['x-error-message', 'example'],
      },
    },
  }
  const app = Fastify(serverOptions)
  installConnections(app, connections)
  /** The tenant's revision when each request began, to tell a request's own change from older unsaved ones. */
  const revisionAtStart = new WeakMap<FastifyRequest, number>()
  /** Whether the tenant changed while `request` ran, other than while it only waited (a long poll). */
  const changedDuring = (request: FastifyRequest, tenant: Tenant): boolean =>
    tenant.revision - (revisionAtStart.get(request) ?? tenant.revision) - changesWaitedThrough(request) > 0
  // A change is on disk before its answer leaves; a request that changed nothing writes nothing. Before
  // onApp, so that what a test's hooks see is the answer as sent, a 503 for an unsaved change included.
  if (store !== null) {
    const saving = store
    app.addHook('onSend', async (request, reply, payload) => {
      const tenant = request.tenant
      // A tenant not kept has nothing to save (one refused by --max-tenants, say).
      if (tenant === null || !tenants.isKept(tenant)) return payload
      try {
        await saving.saveIfChanged(tenant)
        return payload
      } catch (error) {
        request.log.error({ err: error }, 'could not save a tenant to --db; retrying on its next request')
        // A read still answers: only a request whose own change is not on disk says so.
        if (!changedDuring(request, tenant)) return payload
        const body = JSON.stringify({ status: 'error', message: UNSAVED_MESSAGE })
        reply.code(503).header('content-type', 'application/json; charset=utf-8').header('etag', etag(body, { weak: true }))
        return body
      }
    })
  }
  options.onApp?.(app)
  app.decorate('dataset', dataset)
  app.decorate('tenants', tenants)
  app.decorate('store', store)
  app.decorateRequest('tenant', null as unknown as Tenant)
  app.decorateRequest('subject', null)
  app.decorateRequest('fault', null)

  answerAsExpress(app)
  registerSchemas(app, doc)
  // The Swagger UI gets a server of its own, made like this one, on its first visit (installDocs).
  installDocs(app, doc, () => {
    const server = Fastify(serverOptions)
    options.onApp?.(server)
    answerAsExpress(server)
    return server
  })

  const identifyTenant = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const tenant = tenants.enter(tokenOf(request, accepted))
    request.tenant = tenant
    revisionAtStart.set(request, tenant.revision)
    const arrived = tenant.clock.now()
    // 'close' comes once per answer, a dropped connection's included: a tenant nobody changed is then forgotten.
    reply.raw.once('close', () => {
      tenants.leave(tenant)
      // A call during which the tenant changed goes in its run manifest (routes/manifest.ts).
      if (changedDuring(request, tenant)) {
        const body = request.bodyText
        tenant.calls.add({ at: new Date(arrived).toISOString(), method: request.method, path: request.url, body, bodyBytes: body === null ? 0 : Buffer.byteLength(body), status: reply.raw.headersSent ? reply.statusCode : 0 })
      }
    })
  }
  app.addHook('onClose', async () => {
    scheduler.close()
    // Only after the HTTP grace (connections.ts), so together they stay within two graces whatever receivers do.
    await dispatcher.close(connections.shutdownGraceMs)
    if (store === null) return
    try {
      for (const tenant of tenants.all()) await store.saveIfChanged(tenant)
    } finally {
      await store.close()
    }
  })

  await app.register(async (admin) => {
    if (options.adminToken !== undefined) admin.addHook('onRequest', requireAdminToken(options.adminToken))
    // The directory's name only: no answer shows where on disk anything lives.
    healthRoute(admin, doc, store === null ? null : basename(store.path))
    tenantsRoute(admin, doc)
    await admin.register(async (tenantAdmin) => {
      tenantAdmin.addHook('onRequest', identifyTenant)
      const background = {
        wake: (tenant: Tenant) => scheduler.wake(tenant),
        plan: (tenant: Tenant) => scheduler.plan(tenant),
        replay: (tenant: Tenant, delivery: Parameters<WebhookDispatcher['replay']>[1]) => dispatcher.replay(tenant, delivery),
      }
      adminRoutes(tenantAdmin, doc, background)
      accountsRoute(tenantAdmin, doc)
      manifestRoutes(tenantAdmin, doc, background, manifestOptions(options, clock, connections))
    })
  }, { prefix: '/__admin' })
  // Outside the admin-token lock: the page asks for the token and sends it with every call it makes.
  dashboardRoutes(app)

  for (const prefix of okraPrefixes()) {
    await app.register(async (okra) => {
      okra.addHook('onRequest', identifyTenant)
      okra.addHook('preValidation', okraInput)
      installTraffic(okra, prefix)
      balanceRoutes(okra, doc)
      recordRoutes(okra, doc, prefix, (tenant) => scheduler.wake(tenant), options.pendingCallback)
      sandboxRoutes(okra, doc)
    }, { prefix })
  }
  return app
}

/** The start-up options that shape behaviour, for a run manifest: a path or a secret is only said to be there. */
function manifestOptions (options: AppOptions, clock: { mode: ClockMode, startMs: number }, connections: Readonly<Record<string, number>>): ManifestOptions {
  return {
    clock: { mode: clock.mode, start: new Date(clock.startMs).toISOString() },
    recordDelayMs: options.recordDelayMs ?? DEFAULT_RECORD_DELAY_MS,
    webhook: options.webhook !== undefined,
    webhookSecret: options.webhookSecret !== undefined,
    pendingCallback: options.pendingCallback ?? 200,
    tokens: options.tokens === undefined ? 'any' : 'listed',
    adminToken: options.adminToken !== undefined,
    db: options.db !== undefined,
    maxTenants: options.maxTenants ?? DEFAULT_MAX_TENANTS,
    connections: { ...connections },
  }
}

/** With --admin-token, /__admin answers 401 to anyone who does not send it. */
function requireAdminToken (expected: string) {
  const wanted = Buffer.from(expected)
  return async (request: FastifyRequest): Promise<void> => {
    const sent = request.headers['x-admin-token']
    const given = Buffer.from(typeof sent === 'string' ? sent : '')
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      throw new DomainError('OKRA_EMU_UNAUTHORIZED', 'The control API is locked: send "X-Admin-Token: <the --admin-token value>"')
    }
  }
}

/** Body parsing, headers, 404/405 and error bodies as Okra's Express server has them. */
function answerAsExpress (app: FastifyInstance): void {
  // Okra's Express body parser reads an empty JSON body as {}; missing fields are then named.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.decorateRequest('bodyText', null)
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.bodyText = body as string
    if (body === '') {
      done(null, {})
      return
    }
    // Checked before parsing: the parsed body is what a hostile one makes large, not its text.
    try {
      checkJsonShape(body as string, maxContainersFor(request.routeOptions.bodyLimit ?? ONE_MIB))
    } catch (error) {
      done(error as Error, undefined)
      return
    }
    parseJson(request, body as string, done)
  })

  // Fastify's own, but keeping the text for the journal, as the JSON parser does.
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (request, body, done) => {
    request.bodyText = body as string
    done(null, body)
  })

  // okra-node 0.1 POSTs its filters as a query string, with this content type and an empty body.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    request.bodyText = body as string
    done(null, parseForm(body as string))
  })

  // An empty body is {} whatever its content type says, so missing fields are named; any other type is still a 415.
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    request.bodyText = body as string
    if (body === '') done(null, {})
    else done(new DomainError('OKRA_EMU_UNSUPPORTED_MEDIA_TYPE', UNSUPPORTED_MEDIA_TYPE), undefined)
  })

  const routesByPath = new Map<string, string[]>()
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    routesByPath.set(route.url, [...(routesByPath.get(route.url) ?? []), ...methods])
  })
  installErrorHandling(app, (path) => routesByPath.get(path))
  installExpressHeaders(app)
}

async function resolveDataset (fixtures: AppOptions['fixtures']): Promise<Dataset> {
  if (fixtures !== undefined && !('banks' in fixtures)) return fixtures
  return new JsonDataset(fixtures ?? loadBundledFixtures())
}

/**
 * fixtures/default.json (DEFAULT_FIXTURE_PATH), named here rather than imported: dataset/load.ts
 * loads Ajv, ~40 ms of a cold start that no longer needs it. Both src/app.ts and dist/app.js sit one
 * level below the package root.
 */
const BUNDLED_FIXTURES = new URL('../fixtures/default.json', import.meta.url)

/**
 * The committed fixtures/default.json, read without loadFixtureFile's schema check: compiling the
 * fixture schema cost ~65 ms of every cold start, and the suite checks this very file against it
 * (test/dataset/load.test.ts). The Dataset still refuses a dangling reference. A file named with
 * --fixtures, even this one, is always fully checked.
 */
function loadBundledFixtures (): FixtureFile {
  // Read synchronously, like openapi.yaml: at start-up there is nothing to overlap, and a thread-pool hop cost a few ms.
  return JSON.parse(readFileSync(BUNDLED_FIXTURES, 'utf8')) as FixtureFile
}

declare module 'fastify' {
  interface FastifyInstance {
    dataset: Dataset
    tenants: Tenants
    store: TenantStore | null
  }
}
