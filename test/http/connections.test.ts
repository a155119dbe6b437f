import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { Readable } from 'node:stream'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_JOURNAL_BYTES, JOURNAL_BODY_BYTES } from '../../src/core/journal.js'
import { startTestServer, type TestServer } from '../support/server.js'

const ROUTE = '/v2/balance/getByCustomer'
const CUSTOMER = '65e0fb087fcd5c0200000000'
const started: TestServer[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  for (const server of started.splice(0)) await server.close()
})

async function serve (options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer(options)
  started.push(server)
  return server
}

/** A raw TCP connection to the server, for what no HTTP client would send. */
async function open (server: TestServer): Promise<Socket> {
  const { port } = new URL(server.url)
  const socket = connect(Number(port), '127.0.0.1')
  // A reset is what some of these tests cause; the 'close' that follows is what they check.
  socket.on('error', () => {})
  sockets.push(socket)
  await once(socket, 'connect')
  return socket
}

/** Everything the server sends until it closes the connection. */
async function untilClosed (socket: Socket): Promise<string> {
  let text = ''
  socket.on('data', (chunk) => { text += chunk })
  // Not events.once: it rejects on the 'error' (a reset) that may come before the 'close'.
  if (!socket.closed) await new Promise((resolve) => socket.once('close', resolve))
  return text
}

/** The status line and JSON body of a raw answer. */
function parsed (answer: string): { status: string, headers: string, body: unknown } {
  const [head = '', body = ''] = answer.split('\r\n\r\n', 2)
  return { status: head.split('\r\n', 1)[0] as string, headers: head.toLowerCase(), body: JSON.parse(body) }
}

/** Waits, without sleeping, until the server holds `count` connections. */
async function connectionsReach (server: TestServer, count: number): Promise<void> {
  for (;;) {
    const now = await new Promise<number>((resolve, reject) => server.app.server.getConnections((error, n) => error === null ? resolve(n) : reject(error)))
    if (now === count) return
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** `[[],[],...]` of exactly `bytes` bytes: valid JSON, shallow, and some fourteen times its size once parsed. */
function nestedArrays (bytes: number): string {
  const body = `[${'[],'.repeat(Math.floor((bytes - 4) / 3))}[]]`
  return body + ' '.repeat(bytes - body.length)
}

/** A body sent chunked: no Content-Length, in 16 KiB pieces. */
function chunked (text: string): Readable {
  const pieces: string[] = []
  for (let at = 0; at < text.length; at += 16 * 1024) pieces.push(text.slice(at, at + 16 * 1024))
  return Readable.from(pieces)
}

describe('the request journal under a flood', () => {
  it('keeps 64 KiB nested bodies and chunked ones as 4 KiB of text, within its byte bound, and still lists them', async () => {
    const server = await serve()
    // A token's journal starts with its first change.
    await server.admin.as('flood').reset()
    const headers = { authorization: 'Bearer flood', 'content-type': 'application/json' }
    const nested = nestedArrays(64 * 1024)
    // Enough to pass the byte bound (some 240 entries of 4 KiB) whatever the entry bound.
    for (let batch = 0; batch < 25; batch++) {
      await Promise.all(Array.from({ length: 10 }, async () => {
        const answer = await request(`${server.url}${ROUTE}`, { method: 'POST', headers, body: nested })
        expect(answer.statusCode).toBe(400)
        await answer.body.dump()
      }))
    }
    const big = nestedArrays(1024 * 1024 - 1)
    for (let n = 0; n < 6; n++) {
      const answer = await request(`${server.url}${ROUTE}`, { method: 'POST', headers, body: chunked(big) })
      expect(answer.statusCode).toBe(400)
      await answer.body.dump()
    }
    const journal = server.app.tenants.get('flood').journal
    expect(journal.bytes).toBeLessThanOrEqual(DEFAULT_JOURNAL_BYTES)
    expect(journal.dropped).toBe(256 - journal.size)
    expect(journal.dropped).toBeGreaterThan(0)
    const listed = await server.get('/__admin/requests', { token: 'flood' })
    expect(listed.status).toBe(200)
    expect(listed.body.data.count).toBe(journal.size)
    const newest = listed.body.data.requests.at(-1)
    expect([newest.bodyBytes, newest.body]).toStrictEqual([big.length, big.slice(0, JOURNAL_BODY_BYTES)])
    expect(listed.body.data.requests[0].bodyBytes).toBe(64 * 1024)
  }, 60_000)

  it('answers 413 in Okra\'s envelope to a chunked body over 1 MiB, and keeps serving', async () => {
    const server = await serve()
    await server.admin.as('t').reset()
    const answer = await request(`${server.url}${ROUTE}`, {
      method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: chunked(nestedArrays(1024 * 1024 + 1)),
    })
    expect(answer.statusCode).toBe(413)
    expect([answer.headers['x-okra-emulator-error'], await answer.body.json()]).toStrictEqual(['OKRA_EMU_BODY_TOO_LARGE', { status: 'error', message: 'The request body is larger than 1 MiB' }])
    // Sent without a Content-Length (so its length is unknown to the journal), refused unread.
    expect((await server.admin.as('t').requests()).requests.map((e) => [e.status, e.body, e.bodyBytes])).toStrictEqual([[413, null, 0]])
    expect((await server.post(ROUTE, { customer: CUSTOMER })).status).toBe(200)
  })
})

describe('timeouts', () => {
  it('closes a connection that sends nothing once the header timeout passes, with a 408 in Okra\'s envelope', async () => {
    const server = await serve({ connections: { headerTimeoutMs: 200, requestTimeoutMs: 400 } })
    const began = performance.now()
    const answer = parsed(await untilClosed(await open(server)))
    expect(performance.now() - began).toBeGreaterThanOrEqual(190)
    expect(answer.status).toBe('HTTP/1.1 408 Request Timeout')
    expect(answer.headers).toContain('connection: close')
    expect(answer.headers).toContain('x-okra-emulator-error: okra_emu_request_timeout')
    expect(answer.body).toStrictEqual({ status: 'error', message: 'The request took too long to arrive' })
  })

  it('closes a connection whose headers stop half-way', async () => {
    const server = await serve({ connections: { headerTimeoutMs: 200, requestTimeoutMs: 400 } })
    const socket = await open(server)
    socket.write(`POST ${ROUTE} HTTP/1.1\r\nHost: x\r\nAuthor`)
    expect(parsed(await untilClosed(socket)).status).toBe('HTTP/1.1 408 Request Timeout')
  })

  it('refuses a request whose body stops arriving once the request timeout passes', async () => {
    const server = await serve({ connections: { headerTimeoutMs: 200, requestTimeoutMs: 400 } })
    const socket = await open(server)
    socket.write(`POST ${ROUTE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"cust`)
    const began = performance.now()
    const answer = parsed(await untilClosed(socket))
    expect(performance.now() - began).toBeGreaterThanOrEqual(150)
    expect([answer.status, answer.body]).toStrictEqual(['HTTP/1.1 408 Request Timeout', { status: 'error', message: 'The request took too long to arrive' }])
  })
})

describe('the connection cap', () => {
  it('closes the connection idle longest to let a new client in', async () => {
    const server = await serve({ connections: { maxConnections: 4 } })
    const silent: Socket[] = []
    for (let n = 1; n <= 4; n++) {
      silent.push(await open(server))
      await connectionsReach(server, n)
    }
    const firstClosed = untilClosed(silent[0]!)
    // A client's own connection makes a fifth: the oldest silent one goes.
    const answer = await server.post(ROUTE, { customer: CUSTOMER })
    expect(answer.status).toBe(200)
    expect(await firstClosed).toBe('')
    expect(silent.map((s) => s.closed)).toStrictEqual([true, false, false, false])
  })

  it('keeps a connection with a request in flight, and refuses a newcomer when every one is busy', async () => {
    const server = await serve({ connections: { maxConnections: 2, headerTimeoutMs: 5000, requestTimeoutMs: 5000 } })
    const busy: Socket[] = []
    for (let n = 1; n <= 2; n++) {
      const socket = await open(server)
      const received = once(server.app.server, 'request')
      // Headers in, body still to come: a request in flight.
      socket.write(`POST ${ROUTE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`)
      busy.push(socket)
      await received
    }
    const newcomer = await open(server)
    expect(await untilClosed(newcomer)).toBe('')
    expect(busy.map((s) => s.closed)).toStrictEqual([false, false])
  })
})

describe('HTTP Node would answer bare', () => {
  it('answers an HTTP/1.1 request without Host with a 400 in Okra\'s envelope', async () => {
    const server = await serve()
    const socket = await open(server)
    const body = JSON.stringify({ customer: CUSTOMER })
    socket.write(`POST ${ROUTE} HTTP/1.1\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
    const answer = parsed(await untilClosed(socket))
    expect(answer.status).toBe('HTTP/1.1 400 Bad Request')
    expect(answer.headers).toContain('connection: close')
    expect(answer.headers).toContain('x-okra-emulator-error: okra_emu_invalid_json')
    expect(answer.body).toStrictEqual({ status: 'error', message: 'An HTTP/1.1 request must send a Host header' })
  })

  it('serves an HTTP/1.0 request without Host, which HTTP/1.0 does not require', async () => {
    const server = await serve()
    const socket = await open(server)
    const body = JSON.stringify({ customer: CUSTOMER, limit: 1 })
    socket.write(`POST ${ROUTE} HTTP/1.0\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
    const answer = parsed(await untilClosed(socket))
    expect(answer.status).toBe('HTTP/1.1 200 OK')
    expect((answer.body as { data: { pagination: { totalDocs: number } } }).data.pagination.totalDocs).toBe(25)
  })

  it('answers an Expect other than 100-continue with a 417 in Okra\'s envelope', async () => {
    const server = await serve()
    const socket = await open(server)
    socket.write(`POST ${ROUTE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nExpect: 200-ok\r\nContent-Length: 0\r\n\r\n`)
    const answer = parsed(await untilClosed(socket))
    expect(answer.status).toBe('HTTP/1.1 417 Expectation Failed')
    expect(answer.headers).toContain('connection: close')
    expect(answer.headers).toContain('x-okra-emulator-error: okra_emu_expectation_failed')
    expect(answer.body).toStrictEqual({ status: 'error', message: 'Expect: 200-ok is not supported; only 100-continue is' })
  })
})
