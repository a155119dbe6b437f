import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../support/server.js'

const ROUTE = '/v2/balance/getByCustomer'
const BODY = { customer: 'any-customer' }

/** Express's weak ETag, computed here independently of the `etag` package the server uses. */
function expressEtag (text: string): string {
  const bytes = Buffer.from(text)
  const hash = createHash('sha1').update(bytes).digest('base64').slice(0, 27)
  return `W/"${bytes.length.toString(16)}-${hash}"`
}

let server: TestServer
beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.close() })

describe('authentication', () => {
  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['a bare Bearer', 'Bearer '],
    ['only spaces', '   '],
  ])('answers 401 for %s', async (_label, header) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (header !== undefined) headers.authorization = header
    const answer = await server.send('POST', ROUTE, { token: null, headers, body: JSON.stringify(BODY) })
    expect(answer.status).toBe(401)
    expect([answer.headers['x-okra-emulator-error'], answer.body]).toStrictEqual(['OKRA_EMU_UNAUTHORIZED', {
      status: 'error',
      message: 'Authorization required: send "Authorization: Bearer <your secret key>"',
    }])
  })

  it('accepts Bearer tokens and raw tokens alike', async () => {
    const bearer = await server.post(ROUTE, BODY, { token: 'sk_live_abc' })
    const raw = await server.send('POST', ROUTE, {
      token: null, headers: { authorization: 'sk_live_abc', 'content-type': 'application/json' }, body: JSON.stringify(BODY),
    })
    expect(bearer.status).toBe(200)
    expect(raw.status).toBe(200)
  })

  it('accepts only the listed tokens when started with tokens', async () => {
    const locked = await startTestServer({ tokens: ['alpha', 'beta'] })
    try {
      expect((await locked.post(ROUTE, BODY, { token: 'beta' })).status).toBe(200)
      const other = await locked.post(ROUTE, BODY, { token: 'gamma' })
      expect(other.status).toBe(401)
      expect(other.body.message).toBe('The bearer token is not one this emulator accepts')
    } finally {
      await locked.close()
    }
  })
})

describe('bad requests', () => {
  it('answers 400 for malformed JSON', async () => {
    const answer = await server.post(ROUTE, '{"customer": "x"')
    expect(answer.status).toBe(400)
    expect([answer.headers['x-okra-emulator-error'], answer.body]).toStrictEqual(['OKRA_EMU_INVALID_JSON', { status: 'error', message: 'The request body is not valid JSON' }])
  })

  it('answers 400 naming a missing field, treating an empty body as {}', async () => {
    for (const body of ['', '{}']) {
      const answer = await server.post(ROUTE, body)
      expect(answer.status).toBe(400)
      expect([answer.headers['x-okra-emulator-error'], answer.body]).toStrictEqual(['OKRA_EMU_INVALID_FIELD', { status: 'error', message: 'The request body needs "customer" or "id"', data: { field: '' } }])
    }
  })

  it('answers 400 naming a field of the wrong type', async () => {
    const answer = await server.post(ROUTE, { customer: 12345 })
    expect(answer.status).toBe(400)
    expect(answer.body.message).toBe('Invalid field "customer": must be a non-empty string')
  })

  it('answers 400 for a body that is not an object', async () => {
    const answer = await server.post(ROUTE, '[1,2]')
    expect(answer.status).toBe(400)
    expect(answer.body.message).toBe('The request body must be a JSON object')
  })

  it('answers 404 for an unknown route and 405 for a known route with the wrong method', async () => {
    const unknown = await server.post('/v2/balance/getEverything', BODY)
    expect(unknown.status).toBe(404)
    expect([unknown.headers['x-okra-emulator-error'], unknown.body]).toStrictEqual(['OKRA_EMU_ROUTE_NOT_FOUND', { status: 'error', message: 'Route POST /v2/balance/getEverything not found' }])
    const wrongMethod = await server.get(ROUTE)
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.allow).toBe('POST')
    expect(wrongMethod.headers['x-okra-emulator-error']).toBe('OKRA_EMU_METHOD_NOT_ALLOWED')
  })

  it('answers 413 for a body over 1 MiB', async () => {
    const answer = await server.post(ROUTE, JSON.stringify({ customer: 'x'.repeat(1024 * 1024) }))
    expect(answer.status).toBe(413)
    expect([answer.headers['x-okra-emulator-error'], answer.body]).toStrictEqual(['OKRA_EMU_BODY_TOO_LARGE', { status: 'error', message: 'The request body is larger than 1 MiB' }])
  })

  it('answers 415 for a body that is not JSON, and 400 for plain text', async () => {
    const xml = await server.send('POST', ROUTE, { headers: { 'content-type': 'application/xml' }, body: '<customer>x</customer>' })
    expect(xml.status).toBe(415)
    expect([xml.headers['x-okra-emulator-error'], xml.body]).toStrictEqual(['OKRA_EMU_UNSUPPORTED_MEDIA_TYPE', { status: 'error', message: 'Send the request body as application/json or application/x-www-form-urlencoded' }])
    const text = await server.send('POST', ROUTE, { headers: { 'content-type': 'text/plain' }, body: 'customer=x' })
    expect(text.status).toBe(400)
    expect(text.body.message).toBe('The request body must be a JSON object')
  })

  it('rejects __proto__ keys instead of polluting prototypes', async () => {
    const answer = await server.post(ROUTE, '{"customer":"x","__proto__":{"polluted":true}}')
    expect(answer.status).toBe(400)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('keeps serving after every bad request', async () => {
    const answer = await server.post(ROUTE, BODY)
    expect(answer.status).toBe(200)
  })
})

describe('Express headers', () => {
  it('sends Okra\'s Express headers and a weak ETag of the body', async () => {
    const answer = await server.post(ROUTE, BODY)
    expect(answer.headers['x-powered-by']).toBe('Express')
    expect(answer.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS, PUT, PATCH, DELETE')
    expect(answer.headers['access-control-allow-headers']).toBe('X-Requested-With,content-type,authorization')
    expect(answer.headers['access-control-allow-credentials']).toBe('true')
    expect(answer.headers.etag).toBe(expressEtag(answer.text))
    expect(answer.headers.connection).toBe('keep-alive')
    expect(answer.headers['keep-alive']).toBe('timeout=5')
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8')
  })

  it('tags each body by its own bytes, repeated bodies and equal-length ones alike', async () => {
    const answers = []
    for (const path of ['/v2/aaa', '/v2/bbb', '/v2/aaa', '/v2/bbb']) answers.push(await server.post(path, BODY))
    expect(answers[0]?.text.length).toBe(answers[1]?.text.length)
    expect(answers[0]?.headers.etag).not.toBe(answers[1]?.headers.etag)
    for (const answer of answers) expect(answer.headers.etag).toBe(expressEtag(answer.text))
  })

  it('sends them on errors too', async () => {
    const answer = await server.post(ROUTE, '{')
    expect(answer.headers['x-powered-by']).toBe('Express')
    expect(answer.headers.etag).toBe(expressEtag(answer.text))
  })

  it('answers a CORS preflight without a token', async () => {
    const answer = await server.send('OPTIONS', ROUTE, {
      token: null, headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    })
    expect(answer.status).toBe(204)
    expect(answer.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS, PUT, PATCH, DELETE')
    expect(answer.headers['access-control-allow-headers']).toBe('X-Requested-With,content-type,authorization')
  })
})

describe('the contract', () => {
  it('serves openapi.yaml as /openapi.json and a Swagger UI at /docs', async () => {
    const spec = await server.get('/openapi.json')
    expect(spec.status).toBe(200)
    expect(spec.body.openapi).toBe('3.1.0')
    expect(Object.keys(spec.body.paths)).toContain('/balance/getByCustomer')
    const docs = await server.get('/docs/')
    expect(docs.status).toBe(200)
    expect(docs.text).toContain('swagger')
  })
})
