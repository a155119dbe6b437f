import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { BANK_TIMEOUT_MESSAGE, DomainError } from '../core/errors.js'
import type { EmulatedRecord, RecordMethod } from '../core/records.js'
import type { Tenant } from '../core/tenant.js'
import { CHECK_DONE_MESSAGE, REFRESH_DONE_MESSAGE } from '../core/webhooks.js'
import { sendDomainError } from '../http/errors.js'
import type { OpenApiDocument } from '../openapi/load.js'
import { routeSchema } from '../openapi/schemas.js'
import type { Body, Query } from '../wire/index.js'
import { ok } from './envelope.js'

const CHECKING = 'Balance checking...'

/**
 * How the callback answers while its record runs; Okra documents no answer for it (okra-api.md §4.3).
 * 200: Okra's own "Balance checking..." answer to the refresh or check, repeated byte for byte, which
 * every client reads as a success (okra-node 0.1's getRecordByMethod hands a callback only a
 * `status: "success"` body's data; okra-node 0.2 and axios-based clients throw on no 2xx, but a 200
 * is one). 202: the emulator's earlier `status: "pending"` answer, for clients written against it.
 * Both carry `Retry-After`.
 */
export type PendingCallbackStatus = 200 | 202

/** Where a client polls for a record: this emulator, as the client reached it, under the same prefix. */
function callbackUrlFor (request: FastifyRequest, prefix: string, method: RecordMethod) {
  return (recordId: string) => `${request.protocol}://${request.host}${prefix}/callback?record=${recordId}&method=${method}`
}

/**
 * Okra's asynchronous balance: refresh and check answer at once; the callback tells the result.
 * `wake` (the scheduler's, from app.ts) settles what is due and sets the timer for what comes next.
 */
export function recordRoutes (app: FastifyInstance, doc: OpenApiDocument, prefix: string, wake: (tenant: Tenant) => Promise<void>, pending: PendingCallbackStatus = 200): void {
  const start = (method: RecordMethod) => async (request: FastifyRequest) => {
    const { account_id: accountId } = request.body as Body<'refreshBalance'>
    const record = request.tenant.startRecord(method, accountId, callbackUrlFor(request, prefix, method))
    wake(request.tenant).catch(() => {})
    return checking(record)
  }
  const refresh = start('BALANCE')
  app.post('/balance/refresh', { schema: routeSchema(doc, 'refreshBalance') }, refresh)
  app.post('/products/balance/refresh', { schema: routeSchema(doc, 'refreshBalanceAlias') }, refresh)
  // A periodic balance is a fresh fetch of the account's balance: a refresh by another name (OkraGo reads its callback_url).
  app.post('/products/balance/periodic', { schema: routeSchema(doc, 'periodicBalance') }, refresh)
  app.post('/balance/check', { schema: routeSchema(doc, 'checkBalance') }, start('CHECK_BALANCE'))

  app.get('/callback', { schema: routeSchema(doc, 'pollCallback') }, async (request, reply) => {
    const query = request.query as Query<'pollCallback'>
    const record = request.tenant.poll(query.record, query.method)
    wake(request.tenant).catch(() => {})
    return answerFor(request, reply, record, pending)
  })
}

/** Okra's answer while a record runs: the refresh's own, which its callback repeats until the record ends. */
function checking (record: EmulatedRecord) {
  return ok(CHECKING, { callback_url: record.callbackUrl, record: record._id, method: record.method })
}

function answerFor (request: FastifyRequest, reply: FastifyReply, record: EmulatedRecord, pending: PendingCallbackStatus) {
  if (record.state === 'running') {
    reply.header('retry-after', String(retryAfterSeconds(record, request.tenant.clock.now())))
    if (pending === 200) return checking(record)
    reply.code(202)
    return { status: 'pending', message: CHECKING, data: { record: record._id, method: record.method, callback_url: record.callbackUrl } }
  }
  if (record.failure !== null) {
    // The time-out body is exactly Okra's documented one; a bank error also names the record.
    return sendDomainError(reply, record.failure.kind === 'timeout'
      ? new DomainError('OKRA_EMU_BANK_TIMEOUT', BANK_TIMEOUT_MESSAGE)
      : new DomainError('OKRA_EMU_BANK_ERROR', record.failure.message, { record: record._id, method: record.method }))
  }
  const result = record.result as NonNullable<EmulatedRecord['result']>
  if (record.method === 'CHECK_BALANCE') return ok(CHECK_DONE_MESSAGE, result)
  const balance = request.tenant.reader.byId(record.balance, true)
  return ok(REFRESH_DONE_MESSAGE, { balance, ...result })
}

/** Seconds until a time-driven record is due; a poll-driven or manual one is worth asking again in a second. */
function retryAfterSeconds (record: EmulatedRecord, now: number): number {
  return record.dueAt === null ? 1 : Math.max(1, Math.ceil((record.dueAt - now) / 1000))
}
