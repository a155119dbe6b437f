import { describe, expect, it } from 'vitest'
import type { FaultRule } from '../../src/core/faults.js'
import type { Tenant } from '../../src/core/tenant.js'
import type { Step } from './arbitraries.js'
import { checkAnswered, checkEnvelope, checkLeaks, checkStatus, pollution, tokenOf, type Exchange } from './run.js'
import type { Answer } from './transport.js'

/** The fuzz is only as good as its judge: each check must fail what it is there to catch, and pass what is allowed. */

const step = (over: Partial<Step> = {}): Step => ({
  route: 'POST /balance/getByCustomer', method: 'POST', path: '/v2/balance/getByCustomer', query: '', headers: [['authorization', 'Bearer fuzz']], body: { kind: 'none' }, ...over,
})
const answer = (status: number, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' }): Answer =>
  ({ status, headers, text: typeof body === 'string' ? body : JSON.stringify(body), transport: 'undici' })
const exchange = (over: Partial<Exchange>): Exchange => ({ step: step(), answer: answer(200, {}), token: 'fuzz', tenant: undefined, rule: undefined, ...over })
const rule = (action: FaultRule['action']): FaultRule => ({ id: 'r1', match: {}, action, times: null, share: null, seed: 1, matched: 1, applied: 1, rng: 1 })
const parsed = (x: Exchange): unknown => x.answer.status === null ? undefined : JSON.parse(x.answer.text)

describe('no 5xx', () => {
  const internal = { status: 'error', message: 'Something went wrong' }

  it('fails a 500 that no fault rule asked for', () => {
    expect(checkStatus(exchange({ answer: answer(500, internal) }), internal)).toStrictEqual(['answered 500'])
  })

  it('passes the status a fault rule gave, and only that one', () => {
    expect(checkStatus(exchange({ answer: answer(502, internal), rule: rule({ kind: 'error', status: 502 }) }), internal)).toStrictEqual([])
    expect(checkStatus(exchange({ answer: answer(500, internal), rule: rule({ kind: 'error', status: 502 }) }), internal)).toStrictEqual(['answered 500'])
  })

  it('passes Okra\'s 503 only for the callback of a record whose bank timed out', () => {
    const timeout = { status: 'error', message: 'timeout' }
    const tenant = { records: new Map([['rec', { failure: { kind: 'timeout' } }], ['ok', { failure: null }]]) } as unknown as Tenant
    const poll = (record: string) => exchange({ step: step({ route: 'GET /callback', method: 'GET', path: '/v2/callback', query: `record=${record}&method=BALANCE` }), answer: answer(503, timeout, { 'x-okra-emulator-error': 'OKRA_EMU_BANK_TIMEOUT' }), tenant })
    expect(checkStatus(poll('rec'), timeout)).toStrictEqual([])
    expect(checkStatus(poll('ok'), timeout)).toStrictEqual(['answered 503'])
    expect(checkStatus(exchange({ answer: answer(503, timeout), tenant }), timeout)).toStrictEqual(['answered 503'])
  })
})

describe('an answer, always', () => {
  const none: Answer = { status: null, error: 'SocketError: other side closed', transport: 'undici' }

  it('fails a dropped connection, unless a close rule dropped it or the client half-closed', () => {
    expect(checkAnswered(exchange({ answer: none }))).toHaveLength(1)
    expect(checkAnswered(exchange({ answer: none, rule: rule({ kind: 'close' }) }))).toStrictEqual([])
    expect(checkAnswered(exchange({ answer: none, step: step({ raw: { shortBy: 10 } }) }))).toStrictEqual([])
  })

  it('fails a hang even when the client half-closed', () => {
    const hang: Answer = { status: null, error: 'no answer within 10000 ms', transport: 'raw' }
    expect(checkAnswered(exchange({ answer: hang, step: step({ raw: { shortBy: 10 } }) }))).toHaveLength(1)
  })
})

describe('Okra\'s error envelope', () => {
  it('passes the envelope and fails Fastify\'s', () => {
    const okra = exchange({ answer: answer(400, { status: 'error', message: 'x', data: { field: 'a' } }) })
    expect(checkEnvelope(okra, parsed(okra))).toStrictEqual([])
    const fastify = exchange({ answer: answer(400, { error: 'Bad Request', message: 'Client Error', statusCode: 400 }) })
    expect(checkEnvelope(fastify, parsed(fastify))).toStrictEqual(['error answer has status undefined', 'error answer has keys error, statusCode'])
  })

  it('fails an error that is not JSON, or not sent as JSON', () => {
    const html = exchange({ answer: answer(404, '<h1>Not found</h1>', { 'content-type': 'text/html' }) })
    expect(checkEnvelope(html, undefined)).toHaveLength(2)
  })

  it('passes a fault rule\'s own body as given, and Node\'s bodiless answers to a missing Host or an unknown Expect', () => {
    const custom = exchange({ answer: answer(503, { oops: true }), rule: rule({ kind: 'error', status: 503, body: { oops: true } }) })
    expect(checkEnvelope(custom, parsed(custom))).toStrictEqual([])
    expect(checkEnvelope(exchange({ answer: answer(400, '', {}), step: step({ raw: { noHost: true } }) }), undefined)).toStrictEqual([])
    const expect417 = exchange({ answer: answer(417, '', {}), step: step({ raw: { headerLines: [[...Buffer.from('Expect: nonsense')]] } }) })
    expect(checkEnvelope(expect417, undefined)).toStrictEqual([])
  })
})

describe('no leaks', () => {
  it('fails a stack trace or a path in an answer', () => {
    const stack = 'TypeError: x is not a function\n    at handler (/work/wt-fuzz/src/routes/admin.ts:12:3)'
    const leaked = exchange({ answer: answer(500, { status: 'error', message: stack }) })
    expect(checkLeaks(leaked, [{ step: step(), body: undefined }]).map((p) => p.split(':')[0])).toStrictEqual([
      'the answer shows a path under /work/', 'the answer shows a stack frame', 'the answer shows a source position', 'the answer shows an internal error message',
    ])
  })

  it('passes an echo of what the client itself sent', () => {
    const sent = step({ body: { kind: 'json', spec: { v: { customer: '/work/x.ts:1' } } } })
    const echo = exchange({ step: sent, answer: answer(404, { status: 'error', message: 'No customer "/work/x.ts:1"' }) })
    expect(checkLeaks(echo, [{ step: sent, body: Buffer.from('{"customer":"/work/x.ts:1"}') }])).toStrictEqual([])
  })
})

describe('the acting token and pollution', () => {
  it('reads the token as the server does: the first Authorization header, Bearer or raw', () => {
    expect(tokenOf(step({ headers: [['authorization', 'Bearer a'], ['authorization', 'Bearer b']] }))).toBe('a')
    expect(tokenOf(step({ headers: [['authorization', 'raw-token']] }))).toBe('raw-token')
    expect(tokenOf(step({ headers: [['authorization', 'Bearer ']] }))).toBeNull()
    expect(tokenOf(step({ headers: [] }))).toBeNull()
  })

  it('notices a polluted prototype', () => {
    expect(pollution()).toBeNull()
    // Polluting on purpose, to see the check notice; undone below.
    // eslint-disable-next-line no-extend-native
    Object.defineProperty(Object.prototype, 'polluted', { value: 1, configurable: true })
    try {
      expect(pollution()).toBe('({}).polluted is set')
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted
    }
    expect(pollution()).toBeNull()
  })
})
