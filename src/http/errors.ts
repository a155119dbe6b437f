import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError, type ErrorCode } from '../core/errors.js'

/** The one table from domain error codes to HTTP statuses. */
const HTTP_STATUS: Record<ErrorCode, number> = {
  OKRA_EMU_UNAUTHORIZED: 401,
  OKRA_EMU_INVALID_JSON: 400,
  OKRA_EMU_INVALID_FIELD: 400,
  OKRA_EMU_UNSUPPORTED_MEDIA_TYPE: 415,
  OKRA_EMU_BODY_TOO_LARGE: 413,
  OKRA_EMU_REQUEST_TIMEOUT: 408,
  OKRA_EMU_EXPECTATION_FAILED: 417,
  OKRA_EMU_ROUTE_NOT_FOUND: 404,
  OKRA_EMU_METHOD_NOT_ALLOWED: 405,
  OKRA_EMU_BALANCE_NOT_FOUND: 404,
  OKRA_EMU_ACCOUNT_NOT_FOUND: 404,
  OKRA_EMU_RECORD_NOT_FOUND: 404,
  OKRA_EMU_RECORD_METHOD_MISMATCH: 400,
  OKRA_EMU_INVALID_TRANSITION: 409,
  OKRA_EMU_CLOCK_BACKWARDS: 400,
  OKRA_EMU_BANK_TIMEOUT: 503,
  OKRA_EMU_BANK_ERROR: 400,
  OKRA_EMU_WEBHOOK_NOT_FOUND: 404,
  OKRA_EMU_SNAPSHOT_NOT_FOUND: 404,
  OKRA_EMU_FAULT_NOT_FOUND: 404,
  OKRA_EMU_INVALID_SCENARIO: 400,
  // A fault rule gives its own status; 500 is what a rule without one answers.
  OKRA_EMU_FAULT_INJECTED: 500,
  OKRA_EMU_RATE_LIMITED: 429,
  OKRA_EMU_LIMIT_REACHED: 409,
  OKRA_EMU_TOO_MANY_TENANTS: 503,
  OKRA_EMU_WAIT_TIMEOUT: 408,
  OKRA_EMU_ADVANCE_LIMIT: 408,
  OKRA_EMU_TOO_MANY_WAITS: 503,
  OKRA_EMU_MANIFEST_MISMATCH: 409,
  OKRA_EMU_INTERNAL: 500,
}

/**
 * The emulator's own error code travels in this header, so the body stays exactly Okra's envelope:
 * a client that compares Okra's bytes sees Okra's bytes.
 */
export const ERROR_HEADER = 'x-okra-emulator-error'

interface ErrorBody {
  status: 'error'
  message: string
  data?: Record<string, unknown>
}

function errorBody (error: DomainError): ErrorBody {
  const body: ErrorBody = { status: 'error', message: error.message }
  if (error.data !== undefined) body.data = error.data
  return body
}

export function sendDomainError (reply: FastifyReply, error: DomainError): FastifyReply {
  return reply.code(HTTP_STATUS[error.code]).header(ERROR_HEADER, error.code).send(errorBody(error))
}

export const UNSUPPORTED_MEDIA_TYPE = 'Send the request body as application/json or application/x-www-form-urlencoded'

/** Fastify's own client errors, translated into domain errors with Okra-style messages. */
const FASTIFY_CLIENT_ERRORS: Record<string, (e: FastifyError) => DomainError> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => new DomainError('OKRA_EMU_INVALID_JSON', 'The request body is not valid JSON'),
  FST_ERR_CTP_BODY_TOO_LARGE: () => new DomainError('OKRA_EMU_BODY_TOO_LARGE', 'The request body is larger than 1 MiB'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new DomainError('OKRA_EMU_UNSUPPORTED_MEDIA_TYPE', UNSUPPORTED_MEDIA_TYPE),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new DomainError('OKRA_EMU_INVALID_JSON', 'The Content-Length header does not match the body'),
  // Raised by the router before any route or hook runs; they reach us through frameworkErrors.
  FST_ERR_BAD_URL: () => new DomainError('OKRA_EMU_INVALID_JSON', 'The request path is not valid percent-encoding'),
  FST_ERR_MAX_PARAM_LENGTH: () => new DomainError('OKRA_EMU_INVALID_JSON', 'A segment of the request path is longer than 100 characters'),
}

interface AjvError {
  keyword: string
  instancePath: string
  message?: string
  params: Record<string, unknown>
  parentSchema?: Record<string, unknown>
}

/** One message naming the field, from the first schema violation. */
function validationError (errors: AjvError[]): DomainError {
  // An anyOf failure lists each branch's error before its own; its own says what was wanted.
  const first = errors.find((e) => e.keyword === 'anyOf') ?? errors[0]
  if (first === undefined) return new DomainError('OKRA_EMU_INVALID_FIELD', 'The request body is not valid')
  const path = first.instancePath.split('/').slice(1).join('.')
  if (first.keyword === 'required') {
    const field = [path, first.params.missingProperty].filter(Boolean).join('.')
    return new DomainError('OKRA_EMU_INVALID_FIELD', `Missing required field "${field}"`, { field })
  }
  const hint = first.parentSchema?.['x-error-message']
  const problem = typeof hint === 'string' ? hint : first.message ?? 'is not valid'
  if (path === '') {
    const message = first.keyword === 'type' ? 'The request body must be a JSON object' : `The request body ${problem}`
    return new DomainError('OKRA_EMU_INVALID_FIELD', message, { field: '' })
  }
  return new DomainError('OKRA_EMU_INVALID_FIELD', `Invalid field "${path}": ${problem}`, { field: path })
}

function toDomainError (error: FastifyError & { validation?: AjvError[] }): DomainError {
  if (error instanceof DomainError) return error
  if (error.validation !== undefined) return validationError(error.validation)
  const translate = FASTIFY_CLIENT_ERRORS[error.code]
  if (translate !== undefined) return translate(error)
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) return new DomainError('OKRA_EMU_INVALID_JSON', 'The request could not be read')
  return new DomainError('OKRA_EMU_INTERNAL', 'Something went wrong inside the emulator; the details are in its log')
}

/**
 * Errors the router raises before a request reaches a route (a path that is not valid
 * percent-encoding, an over-long path segment). Fastify's default answers them in its own shape.
 */
export function frameworkErrors (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  sendDomainError(reply, toDomainError(error))
}

/**
 * Requests Node's HTTP parser refuses (broken framing, a bad header byte, headers over Node's 16 KiB,
 * a request that never finishes) never become Fastify requests. Fastify's default answers them in its
 * own shape and without `Connection: close`, so a keep-alive client would send its next request down
 * a socket about to be destroyed. We answer Okra's envelope and say the connection is closing.
 */
export function clientErrorHandler (error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const domain = error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? new DomainError('OKRA_EMU_REQUEST_TIMEOUT', 'The request took too long to arrive')
    : new DomainError('OKRA_EMU_INVALID_JSON', error.code === 'HPE_HEADER_OVERFLOW'
      ? 'The request headers are larger than the 16 KiB Node accepts'
      : 'The request could not be read as HTTP')
  // A request answered before its body had all arrived has its answer: a second one would be garbage.
  const answering = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
  if (socket.writable && answering?.headersSent !== true) socket.write(rawAnswer(domain))
  socket.destroy()
}

/** An answer written straight to the socket, for requests that never reach Fastify. */
function rawAnswer (domain: DomainError): string {
  const status = HTTP_STATUS[domain.code]
  const body = JSON.stringify(errorBody(domain))
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n${ERROR_HEADER}: ${domain.code}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
}

/**
 * For Node's 'checkExpectation' event: an `Expect` other than `100-continue`, which Node otherwise
 * answers with a bare 417. Fastify never sees the request; its body, if sent anyway, is not read.
 */
export function expectationFailed (request: IncomingMessage, response: ServerResponse): void {
  const expectation = String(request.headers.expect).slice(0, 100)
  const domain = new DomainError('OKRA_EMU_EXPECTATION_FAILED', `Expect: ${expectation} is not supported; only 100-continue is`)
  const body = JSON.stringify(errorBody(domain))
  response.writeHead(HTTP_STATUS[domain.code], {
    'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close', [ERROR_HEADER]: domain.code,
  })
  response.end(body)
}

/**
 * HTTP/1.1 requires a Host header. Node's check (requireHostHeader) answers a bare 400 of its own,
 * so it is off (connections.ts) and this hook, first on every request, answers the envelope instead.
 */
function requireHost (request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const { raw } = request
  if (raw.headers.host !== undefined || raw.httpVersionMajor !== 1 || raw.httpVersionMinor !== 1) {
    done()
    return
  }
  reply.header('connection', 'close')
  sendDomainError(reply, new DomainError('OKRA_EMU_INVALID_JSON', 'An HTTP/1.1 request must send a Host header'))
}

/**
 * Every error leaves in Okra's envelope. Internal detail (stack, paths) only goes to the log.
 * Unknown paths are 404; a known path with the wrong method is 405 with an Allow header.
 */
export function installErrorHandling (app: FastifyInstance, allowedMethods: (path: string) => string[] | undefined): void {
  app.addHook('onRequest', requireHost)
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const domain = toDomainError(error)
    if (domain.code === 'OKRA_EMU_INTERNAL') request.log.error({ err: error }, 'unexpected error')
    return sendDomainError(reply, domain)
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] as string
    const allowed = allowedMethods(path)
    if (allowed !== undefined) {
      reply.header('allow', allowed.join(', '))
      return sendDomainError(reply, new DomainError('OKRA_EMU_METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; use ${allowed.join(' or ')}`))
    }
    return sendDomainError(reply, new DomainError('OKRA_EMU_ROUTE_NOT_FOUND', `Route ${request.method} ${path} not found`))
  })
}
