import etag from 'etag'
import type { FastifyInstance } from 'fastify'

/** What Okra's Express server sends on every answer (okra-api.md §12). */
const STATIC_HEADERS = {
  'x-powered-by': 'Express',
  'access-control-allow-methods': 'GET, POST, OPTIONS, PUT, PATCH, DELETE',
  'access-control-allow-headers': 'X-Requested-With,content-type,authorization',
  'access-control-allow-credentials': 'true',
}

/**
 * Makes answers look like Express's: the static headers, a weak ETag computed exactly as Express
 * does (the `etag` package, weak), and an empty 204 for CORS preflights. Keep-Alive: timeout=5 comes
 * from the server's keepAliveTimeout, set where the app is created.
 */
export function installExpressHeaders (app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(STATIC_HEADERS)
    if (typeof payload === 'string' || Buffer.isBuffer(payload)) reply.header('etag', etag(payload, { weak: true }))
    return payload
  })
  app.options('*', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send())
}
