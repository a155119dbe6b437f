import etag from 'etag'
import type { FastifyInstance } from 'fastify'
import { repeatDetector } from '../openapi/recent-answers.js'

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
  const weakEtag = memoizedWeakEtag()
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(STATIC_HEADERS)
    if (typeof payload === 'string' || Buffer.isBuffer(payload)) reply.header('etag', weakEtag(payload))
    return payload
  })
  app.options('*', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send())
}

/** How many repeated bodies keep their tag: bounded, so a 100-item page (~270 KB) cannot hold more than ~17 MB. */
const REMEMBERED_BODIES = 64

/**
 * Express's weak ETag of a body, remembering the tags of bodies sent more than once. SHA-1 over a
 * 13 KB page cost about a fifth of the emulator's time per answer, and clients of an emulator re-read
 * the same answers (polling, retries, paging back). A tag is reused only for a body exactly equal to
 * the one it was computed from (a full comparison, after a cheap match on length).
 */
function memoizedWeakEtag (): (body: string | Buffer) => string {
  const byLength = new Map<number, { body: string, tag: string }>()
  const repeated = repeatDetector(REMEMBERED_BODIES)
  return (body) => {
    if (typeof body !== 'string') return etag(body, { weak: true })
    const known = byLength.get(body.length)
    if (known !== undefined && known.body === body) return known.tag
    const tag = etag(body, { weak: true })
    if (repeated(body)) setNewest(byLength, body.length, { body, tag }, REMEMBERED_BODIES)
    return tag
  }
}

/** Sets a key as the newest of a Map kept in insertion order, dropping the oldest beyond `limit`. */
function setNewest<K, V> (map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key)
  map.set(key, value)
  if (map.size > limit) map.delete(map.keys().next().value as K)
}
