import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { BANK_TIMEOUT_MESSAGE } from '../core/errors.js'
import type { FaultRule, FaultSubject, RequestFaultAction } from '../core/faults.js'
import type { ErrorCode } from '../core/errors.js'
import { ERROR_HEADER } from './errors.js'
import { subjectOf } from './subject.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** What the request is about, resolved once for the fault rules and the journal. */
    subject: FaultSubject | null
    /** The fault rule that answered, if one did. */
    fault: FaultRule<RequestFaultAction> | null
    /** The body's text as read, for the journal to keep the head of; null when none was read. */
    bodyText: string | null
  }
}

export const FAULT_HEADER = 'x-okra-emulator-fault'
const RATE_LIMIT_MESSAGE = 'Too many requests. Please retry after 60 seconds'

/**
 * Fault rules and the request journal for the Okra routes of one prefix. Faults act after
 * validation, so a rule sees the request's account and customer; the journal writes every answer,
 * a faulted or rejected one included, as the tenant's client saw it.
 */
export function installTraffic (app: FastifyInstance, prefix: string): void {
  const routeOf = (request: FastifyRequest): string | null => {
    const url = request.routeOptions.url
    return url === undefined ? null : url.slice(prefix.length + 1)
  }

  // Callback-style hooks: on the hot path with no rules, they cost no promise per request.
  app.addHook('preHandler', (request, reply, done) => {
    const { tenant } = request
    const route = routeOf(request)
    request.subject = subjectOf(tenant, route ?? '', request.body, request.query as Record<string, unknown>)
    const rule = tenant.faults.list().length === 0 ? null : tenant.faults.pick(request.subject)
    if (rule === null) {
      done()
      return
    }
    request.fault = rule
    reply.header(FAULT_HEADER, rule.id)
    actOn(rule, request, reply, route).then((answered) => {
      // An answered request must not reach its handler: Fastify stops once the reply is sent.
      if (!answered) done()
    }, done)
  })

  app.addHook('onResponse', (request, reply, done) => {
    journal(request, reply.statusCode, routeOf(request))
    done()
  })
}

async function actOn (rule: FaultRule<RequestFaultAction>, request: FastifyRequest, reply: FastifyReply, route: string | null): Promise<boolean> {
  const { action } = rule
  switch (action.kind) {
    case 'latency':
      // Real time, not emulator time: the point is to make the client's own timeouts fire.
      await sleep(action.ms)
      return false
    case 'error':
      sendRaw(reply, action.status, 'OKRA_EMU_FAULT_INJECTED', action.body ?? {
        status: 'error',
        message: `Failed by the emulator's fault rule ${rule.id}`,
        data: { fault: rule.id },
      })
      return true
    case 'rate_limit':
      reply.header('retry-after', '60')
      sendRaw(reply, 429, 'OKRA_EMU_RATE_LIMITED', { status: 'error', message: RATE_LIMIT_MESSAGE })
      return true
    case 'timeout':
      sendRaw(reply, 503, 'OKRA_EMU_BANK_TIMEOUT', { status: 'error', message: BANK_TIMEOUT_MESSAGE })
      return true
    case 'close':
      // No answer at all: the client sees its socket closed, as behind a dropping proxy.
      journal(request, 0, route)
      reply.hijack()
      request.raw.socket.destroy()
      return true
  }
}

/** The fault's body goes out as given, past the route's serializer, which would drop unknown fields. */
function sendRaw (reply: FastifyReply, status: number, code: ErrorCode, body: unknown): void {
  reply.code(status).header(ERROR_HEADER, code).type('application/json; charset=utf-8').send(JSON.stringify(body))
}

function journal (request: FastifyRequest, status: number, route: string | null): void {
  const { tenant } = request
  // Refused before a tenant was known (no token): nobody's journal. A tenant not kept (it changed
  // nothing) keeps nothing, its journal included: a token's journal starts with its first change.
  if (tenant === null || !request.server.tenants.isKept(tenant)) return
  // A request refused by validation never reached preHandler; what it names is still worth keeping.
  const subject = request.subject ?? subjectOf(tenant, route ?? '', request.body, request.query as Record<string, unknown>)
  tenant.journal.add({
    at: new Date(tenant.clock.now()).toISOString(),
    method: request.method,
    url: request.url,
    route,
    body: request.bodyText,
    // A body refused unread (too large by its Content-Length) is known by that length alone.
    ...(request.bodyText === null ? { bodyBytes: declaredLength(request.headers['content-length']) } : {}),
    status,
    account: subject?.account ?? null,
    customer: subject?.customer ?? null,
    fault: request.fault?.id ?? null,
  })
}

function declaredLength (header: string | undefined): number {
  const length = Number(header ?? 0)
  return Number.isSafeInteger(length) && length > 0 ? length : 0
}
