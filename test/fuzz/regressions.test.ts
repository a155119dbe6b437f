import { connect } from 'node:net'
import { Client } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../support/server.js'

/** Bugs the fuzz found, each pinned by the smallest request that showed it. */

const ACCOUNT = '65e0fafe7fcd5c0300000000'
const JSON_TYPE = { 'content-type': 'application/json' }

let server: TestServer
let tokens = 0
/** A fresh sandbox per test, so no test sees another's clock or records. */
const fresh = () => `regression-${++tokens}`

beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.close() })

const send = (method: string, path: string, token: string, body?: unknown) =>
  server.send(method, path, { token, headers: JSON_TYPE, body: JSON.stringify(body ?? {}) })

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
    expect(JSON.parse(answer.text)).toStrictEqual({ status: 'error', message })
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
    expect([answer.headers['x-okra-emulator-error'], answer.body]).toStrictEqual(['OKRA_EMU_INVALID_JSON', { status: 'error', message }])
  })
})

describe('durations past what a Date holds', () => {
  it.each([
    ['a number', 1e308],
    ['a string', '99999999999999999999d'],
    ['digits that parse to Infinity', `${'9'.repeat(400)}ms`],
  ])('refuses an advance by %s with a 400 instead of a 500', async (_label, by) => {
    const token = fresh()
    const answer = await send('POST', '/__admin/clock/advance', token, { by })
    expect(answer.status).toBe(400)
    expect([answer.headers['x-okra-emulator-error'], answer.body]).toMatchObject(['OKRA_EMU_INVALID_FIELD', { status: 'error', message: 'Invalid field "by": must be at most 100 years (36500d)' }])
    expect((await server.get('/__admin/clock', { token })).body.data.now).toBe('2026-11-02T09:00:00.000Z')
  })

  it('refuses a policy whose delay would put due times out of range, so the records list keeps answering', async () => {
    const token = fresh()
    const policy = await send('PUT', '/__admin/policy', token, { policy: { kind: 'delay', after: '99999999999999999999d' } })
    expect(policy.status).toBe(400)
    await send('POST', '/v2/balance/check', token, { account_id: ACCOUNT })
    expect((await server.get('/__admin/records', { token })).status).toBe(200)
  })

  it('stops the clock short of year 9900, so every date it shows keeps four digits', async () => {
    const token = fresh()
    let last = await send('POST', '/__admin/clock/advance', token, { by: '36500d' })
    for (let i = 0; i < 80 && last.status === 200; i++) last = await send('POST', '/__admin/clock/advance', token, { by: '36500d' })
    expect(last.status).toBe(400)
    expect(last.body.message).toBe('The clock cannot move past 9900-01-01T00:00:00.000Z')
    const now = (await server.get('/__admin/clock', { token })).body.data.now as string
    expect(now).toMatch(/^98\d\d-/)
  })
})

describe('a delay written back', () => {
  it('writes a sub-millisecond delay without an exponent, as the Duration pattern wants', async () => {
    const answer = await send('PUT', '/__admin/policy', fresh(), { policy: { kind: 'delay', after: 1e-7 } })
    expect(answer.status).toBe(200)
    expect(answer.body.data.policy).toStrictEqual({ kind: 'delay', after: '0.0000001ms' })
  })
})

describe('bank balances past a double\'s kobo', () => {
  it('refuses a posting that would overflow and leaves the balance as it was', async () => {
    const token = fresh()
    const huge = await send('POST', `/__admin/accounts/${ACCOUNT}/balance`, token, { posting: 1e308 })
    expect(huge.status).toBe(400)
    expect(huge.headers['x-okra-emulator-error']).toBe('OKRA_EMU_INVALID_FIELD')
    const near = await send('POST', `/__admin/accounts/${ACCOUNT}/balance`, token, { posting: 9e13 })
    expect(near.status).toBe(200)
    const over = await send('POST', `/__admin/accounts/${ACCOUNT}/balance`, token, { posting: 9e13 })
    expect(over.status).toBe(400)
    expect(over.body.message).toBe('Invalid field "posting": must keep the balance within ±90071992547409.9')
    const after = await send('POST', `/__admin/accounts/${ACCOUNT}/balance`, token, { posting: 0 })
    expect(after.body.data.bank).toStrictEqual(near.body.data.bank)
  })

  it('refuses a set amount out of range by name', async () => {
    const answer = await send('POST', `/__admin/accounts/${ACCOUNT}/balance`, fresh(), { ledger_balance: 1, available_balance: -1e300 })
    expect(answer.status).toBe(400)
    expect(answer.body.message).toBe('Invalid field "available_balance": must be within ±90071992547409.9')
  })
})

describe('deeply nested bodies', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

  it('refuses a body nested more than 64 levels, so the journal stays listable', async () => {
    const token = fresh()
    const deep = await server.post('/v2/balance/getByCustomer', `{"customer":"x","d":${nested(5_000)}}`, { token })
    expect(deep.status).toBe(400)
    expect([deep.headers['x-okra-emulator-error'], deep.body]).toStrictEqual(['OKRA_EMU_INVALID_JSON', { status: 'error', message: 'The request body is nested more than 64 levels deep' }])
    expect((await server.get('/__admin/requests', { token })).status).toBe(200)
  })

  it('accepts 64 levels and refuses 65', async () => {
    const token = fresh()
    expect((await server.post('/v2/balance/getByCustomer', `{"customer":"x","d":${nested(63)}}`, { token })).status).toBe(200)
    expect((await server.post('/v2/balance/getByCustomer', `{"customer":"x","d":${nested(64)}}`, { token })).status).toBe(400)
  })

  it('refuses a fault rule with a deep body, so snapshots can still copy the rules', async () => {
    const token = fresh()
    const body = `{"match":{"route":"never"},"action":{"kind":"error","status":400,"body":{"d":${nested(5_000)}}}}`
    expect((await server.post('/__admin/faults', body, { token })).status).toBe(400)
    expect((await send('POST', '/__admin/snapshots', token, { name: 'after' })).status).toBe(200)
  })
})
