/**
 * The floor: a bare Fastify 5 server that answers getByCustomer with a constant, the exact bytes the
 * emulator sent for the bench's request. It still parses the JSON body and checks for a bearer token,
 * as any server must; it skips everything the emulator adds (schema validation, tenants, look-up,
 * serialisation, Express's headers and ETag). No server on this stack can be faster, so the emulator's
 * throughput over the floor's is the share of the ceiling it reaches.
 *
 * Usage: node --import tsx bench/floor.ts BODY_FILE   (prints "floor listening on http://…")
 */
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

const bodyFile = process.argv[2]
if (bodyFile === undefined) throw new Error('usage: floor.ts BODY_FILE')
const page = readFileSync(bodyFile)

const app = Fastify({ logger: false })
app.post('/v2/balance/getByCustomer', async (request, reply) => {
  if (!/^Bearer ./.test(request.headers.authorization ?? '')) return reply.code(401).send({ status: 'error', message: 'Unauthorized' })
  return reply.type('application/json; charset=utf-8').send(page)
})

const url = await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`floor listening on ${url}\n`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
}
