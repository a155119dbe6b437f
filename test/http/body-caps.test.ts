import { Readable } from 'node:stream'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { BYTES_PER_JSON_CONTAINER, MAX_JSON_DEPTH } from '../../src/http/json-body.js'
import { startTestServer, type TestServer } from '../support/server.js'

const ROUTE = '/v2/balance/getByCustomer'
const CUSTOMER = '65e0fb087fcd5c0200000000'
/** What a route with the default 1 MiB body limit lets a body hold. */
const MAX_CONTAINERS = 1024 * 1024 / BYTES_PER_JSON_CONTAINER
const started: TestServer[] = []
afterEach(async () => {
  for (const server of started.splice(0)) await server.close()
})

async function serve (): Promise<TestServer> {
  const server = await startTestServer()
  started.push(server)
  return server
}

/** POSTs a JSON text to ROUTE, in 16 KiB chunks with no Content-Length when `chunked`. */
async function post (server: TestServer, text: string, chunked: boolean): Promise<{ status: number, error: unknown, body: unknown }> {
  const pieces: string[] = []
  for (let at = 0; at < text.length; at += 16 * 1024) pieces.push(text.slice(at, at + 16 * 1024))
  const answer = await request(`${server.url}${ROUTE}`, {
    method: 'POST',
    headers: { authorization: 'Bearer caps', 'content-type': 'application/json' },
    body: chunked ? Readable.from(pieces) : text,
  })
  return { status: answer.statusCode, error: answer.headers['x-okra-emulator-error'], body: await answer.body.json() }
}

/** `{"customer": …, "x": [[],[],…]}`: `containers` objects and arrays in all. */
function withContainers (containers: number): string {
  return `{"customer":"${CUSTOMER}","x":[${Array.from({ length: containers - 2 }, () => '[]').join(',')}]}`
}

const deep = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels)

describe.each([false, true])('a JSON body is checked before it is parsed (chunked: %s)', (chunked) => {
  it(`refuses one nested more than ${MAX_JSON_DEPTH} levels with a 400 naming the limit, and keeps serving`, async () => {
    const server = await serve()
    expect(await post(server, deep(MAX_JSON_DEPTH + 1), chunked)).toStrictEqual({
      status: 400, error: 'OKRA_EMU_INVALID_JSON', body: { status: 'error', message: 'The request body is nested more than 64 levels deep' },
    })
    // 1 MiB of `[[[[…` used to be parsed whole (tens of MB) before its depth was measured.
    expect((await post(server, '['.repeat(1024 * 1024 - 1), chunked)).body).toStrictEqual({ status: 'error', message: 'The request body is nested more than 64 levels deep' })
    expect((await post(server, JSON.stringify({ customer: CUSTOMER }), chunked)).status).toBe(200)
  })

  it(`refuses one holding more than ${MAX_CONTAINERS.toLocaleString('en')} objects and arrays (one per ${BYTES_PER_JSON_CONTAINER} bytes of 1 MiB)`, async () => {
    const server = await serve()
    expect(await post(server, withContainers(MAX_CONTAINERS + 1), chunked)).toStrictEqual({
      status: 400, error: 'OKRA_EMU_INVALID_JSON', body: { status: 'error', message: 'The request body holds more than 16,384 objects and arrays' },
    })
    // At the cap it is parsed, and the route answers it (an unknown field is ignored).
    expect((await post(server, withContainers(MAX_CONTAINERS), chunked)).status).toBe(200)
  })
})

describe('the check before parsing', () => {
  it('does not count brackets inside strings, escaped quotes included', async () => {
    const server = await serve()
    const customer = `\\"${'['.repeat(100)}{`
    const answer = await post(server, JSON.stringify({ customer: CUSTOMER, note: JSON.parse(`"${customer}"`) as string }), false)
    expect(answer.status).toBe(200)
  })

  it('leaves malformed JSON to the parser, which names it', async () => {
    const server = await serve()
    expect(await post(server, ']]]{"customer"', false)).toStrictEqual({
      status: 400, error: 'OKRA_EMU_INVALID_JSON', body: { status: 'error', message: 'The request body is not valid JSON' },
    })
  })
})
