import { connect } from 'node:net'
import { Client } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../support/server.js'

/** Bugs the fuzz found, each pinned by the smallest request that showed it. */

let server: TestServer
let tokens = 0
/** A fresh sandbox per test, so no test sees another's clock or records. */
const fresh = () => `regression-${++tokens}`

beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.close() })

/** Writes bytes on a fresh socket and reads the answer until the server closes it. */
function raw (bytes: string): Promise<{ status: number, headers: Record<string, string>, text: string }> {
  const { hostname, port } = new URL(server.url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const [head = '', text = ''] = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n')
      const [statusLine = '', ...lines] = head.split('\r\n')
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
      resolve({ status: Number(statusLine.split(' ')[1]), headers, text })
    })
    socket.write(bytes)
  })
}

describe('requests refused before any route', () => {
  it.each([
    ['an unknown method', 'FOO / HTTP/1.1\r\nHost: x\r\n\r\n', 'The request could not be read as HTTP'],
    ['a control character in a header', 'GET /__admin/clock HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n', 'The request could not be read as HTTP'],
    ['two different Content-Lengths', 'POST /v2/balance/getByCustomer HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}', 'The request could not be read as HTTP'],
    ['headers over 16 KiB', `GET /__admin/clock HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 'The request headers are larger than the 16 KiB Node accepts'],
  ])('answers %s in Okra\'s envelope and closes the connection', async (_label, bytes, message) => {
    const answer = await raw(bytes)
    expect(answer.status).toBe(400)
    expect(answer.headers.connection).toBe('close')
    expect(JSON.parse(answer.text)).toStrictEqual({ status: 'error', message, code: 'OKRA_EMU_INVALID_JSON' })
  })

  it('lets a keep-alive client go on after headers too large, on a new connection', async () => {
    const client = new Client(server.url)
    try {
      const refused = await client.request({ method: 'GET', path: '/__admin/clock', headers: { authorization: `Bearer ${'k'.repeat(20_000)}` } })
      expect(refused.statusCode).toBe(400)
      await refused.body.dump()
      const next = await client.request({ method: 'GET', path: '/__admin/clock', headers: { authorization: 'Bearer next' } })
      expect(next.statusCode).toBe(200)
      await next.body.dump()
    } finally {
      await client.close()
    }
  })

  it.each([
    ['a path that is not valid percent-encoding', '/__admin/snapshots/%E0%A4%A/restore', 'The request path is not valid percent-encoding'],
    ['a path segment over 100 characters', `/__admin/records/${'i'.repeat(101)}/complete`, 'A segment of the request path is longer than 100 characters'],
  ])('answers %s in Okra\'s envelope', async (_label, path, message) => {
    const answer = await server.post(path, {}, { token: fresh() })
    expect(answer.status).toBe(400)
    expect(answer.body).toStrictEqual({ status: 'error', message, code: 'OKRA_EMU_INVALID_JSON' })
  })
})
