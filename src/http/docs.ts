import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { OpenApiDocument } from '../openapi/load.js'

/**
 * Serves openapi.yaml as /openapi.json, and a Swagger UI of it at /docs.
 *
 * Registering @fastify/swagger and @fastify/swagger-ui (yaml and @fastify/static under them) took
 * ~40 ms of every cold start, for a page most runs never open. So the UI lives in a second Fastify
 * server, made by `createServer` just as the emulator's own is, and built on the first request
 * under /docs. Each such request is handed to it whole (Fastify's public `routing`) before its body
 * is read; it answers on the same socket, with its own routes, 404s and 405s, exactly as it would
 * have here. The emulator's onRequest and onResponse hooks still see the request.
 */
export function installDocs (app: FastifyInstance, doc: OpenApiDocument, createServer: () => FastifyInstance): void {
  app.get('/openapi.json', { schema: { hide: true } }, async () => doc)

  let docs: Promise<FastifyInstance> | undefined
  const handOver = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    docs ??= buildDocsServer(doc, createServer)
    const server = await docs
    reply.hijack()
    server.routing(request.raw, reply.raw)
  }
  const unreachable = async (): Promise<void> => { throw new Error('a /docs request was not handed over') }
  app.all('/docs', { schema: { hide: true }, onRequest: handOver }, unreachable)
  app.all('/docs/*', { schema: { hide: true }, onRequest: handOver }, unreachable)
}

async function buildDocsServer (doc: OpenApiDocument, createServer: () => FastifyInstance): Promise<FastifyInstance> {
  const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([import('@fastify/swagger'), import('@fastify/swagger-ui')])
  const server = createServer()
  await server.register(swagger, { mode: 'static', specification: { document: doc as never } })
  await server.register(swaggerUi, { routePrefix: '/docs' })
  await server.ready()
  return server
}
