import { createServer, type Server } from 'node:http'
import { performance } from 'node:perf_hooks'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WaitTimeoutError } from '../../src/client.js'
import { startTestServer, type Answer, type TestServer } from '../support/server.js'

const ACCOUNT = '65e0fafe7fcd5c0300000000'
const OTHER_ACCOUNT = '65e0fafe7fcd5c0300000002'

/** A webhook receiver on 127.0.0.1 answering the next scripted status (then 200). */
class Receiver {
  readonly received: string[] = []
  private readonly script: number[] = []
  private readonly server: Server = createServer((req, res) => {
    let text = ''
    req.on('data', (chunk) => { text += chunk })
    req.on('end', () => {
      this.received.push((JSON.parse(text) as { record: string }).record)
      res.writeHead(this.script.shift() ?? 200).end()
    })
  })

  url = ''
  async start (): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/hook`
  }

  answerNext (...statuses: number[]): void { this.script.push(...statuses) }
  close (): Promise<void> { return new Promise((resolve) => this.server.close(() => resolve())) }
}

/**
 * Resolves when a request whose URL starts with `prefix` reaches its handler. The handler subscribes
 * its wait before its first await, so once this resolves the wait is in place: the test then makes
 * the event happen, and the wait can only have been woken by it.
 */
const arrivals: Array<{ prefix: string, resolve: () => void }> = []
function arrival (prefix: string): Promise<void> {
  return new Promise((resolve) => { arrivals.push({ prefix, resolve }) })
}

let receiver: Receiver
let server: TestServer
beforeAll(async () => {
  receiver = new Receiver()
  await receiver.start()
  server = await startTestServer({
    webhook: { url: receiver.url },
    onApp: (app) => {
      app.addHook('preHandler', (req, _reply, done) => {
        const index = arrivals.findIndex((a) => req.url.startsWith(a.prefix))
        if (index !== -1) arrivals.splice(index, 1)[0]!.resolve()
        done()
      })
    },
  })
})
afterAll(async () => {
  await server.close()
  await receiver.close()
})

let count = 0
/** A tenant of its own for each test, changed once so its journal is kept. */
async function fresh (): Promise<string> {
  const tok = `waits-${++count}`
  await server.post('/__admin/reset', {}, { token: tok })
  return tok
}
const refresh = async (tok: string, account = ACCOUNT): Promise<string> =>
  (await server.post('/v2/balance/refresh', { account_id: account }, { token: tok })).body.data.record as string
const advance = (tok: string, body: Record<string, unknown>): Promise<Answer> => server.post('/__admin/clock/advance', body, { token: tok })
const attempts = (delivery: { attempts: Array<{ at: string, outcome: string }> }) => delivery.attempts.map((a) => `${a.at} ${a.outcome}`)

describe('POST /__admin/clock/advance until', () => {
  it('answers at once, moving nothing, when the tenant is idle already', async () => {
    const tok = await fresh()
    const answer = await advance(tok, { until: 'idle' })
    expect(answer.status).toBe(200)
    expect(answer.body.data).toStrictEqual({ now: '2026-11-02T09:00:00.000Z', mode: 'frozen', settled: [], deliveries: [], steps: 0, waiting: [] })
  })

  it('steps through each record and webhook retry until idle, and says what happened', async () => {
    const tok = await fresh()
    receiver.received.length = 0
    receiver.answerNext(500, 500)
    const record = await refresh(tok)
    const answer = await advance(tok, { until: 'idle' })
    expect(answer.status).toBe(200)
    const { data } = answer.body
    // 09:00:03 the record and its first attempt; 30 s, then 2 min, after each failure.
    expect([data.now, data.steps]).toStrictEqual(['2026-11-02T09:02:33.000Z', 3])
    expect(data.settled.map((r: { id: string, state: string }) => [r.id, r.state])).toStrictEqual([[record, 'done']])
    expect(data.deliveries.map((d: { event: { record: string }, state: string }) => [d.event.record, d.state])).toStrictEqual([[record, 'delivered']])
    expect(attempts(data.deliveries[0])).toStrictEqual(['2026-11-02T09:00:03.000Z failed', '2026-11-02T09:00:33.000Z failed', '2026-11-02T09:02:33.000Z delivered'])
    expect(receiver.received).toStrictEqual([record, record, record])
  })

  it('stops at max_steps with a 408 saying so and what happened; the moves made stay', async () => {
    const tok = await fresh()
    receiver.answerNext(500, 500)
    const record = await refresh(tok)
    const answer = await advance(tok, { until: 'idle', max_steps: 2 })
    expect(answer.status).toBe(408)
    expect(answer.headers['x-okra-emulator-error']).toBe('OKRA_EMU_ADVANCE_LIMIT')
    expect(answer.body.message).toBe('Stopped: the clock took 2 steps (max_steps) and something is still due; the clock stays at 2026-11-02T09:00:33.000Z')
    const { data } = answer.body
    expect([data.reason, data.max, data.steps, data.now]).toStrictEqual(['max_steps', 2, 2, '2026-11-02T09:00:33.000Z'])
    expect(data.settled.map((r: { id: string }) => r.id)).toStrictEqual([record])
    expect(attempts(data.deliveries[0])).toStrictEqual(['2026-11-02T09:00:03.000Z failed', '2026-11-02T09:00:33.000Z failed'])
    expect((await server.get('/__admin/clock', { token: tok })).body.data.now).toBe('2026-11-02T09:00:33.000Z')
    // The rest is one more step.
    expect((await advance(tok, { until: 'idle' })).body.data).toMatchObject({ now: '2026-11-02T09:02:33.000Z', steps: 1, settled: [] })
  })

  it('stops at max_time before a step that would pass it', async () => {
    const tok = await fresh()
    receiver.answerNext(500)
    await refresh(tok)
    const answer = await advance(tok, { until: 'idle', max_time: '30s' })
    expect(answer.status).toBe(408)
    expect(answer.body.data).toMatchObject({ reason: 'max_time', max: 30_000, steps: 1, now: '2026-11-02T09:00:03.000Z' })
  })

  it('runs until one record has finished, leaving a later one running', async () => {
    const tok = await fresh()
    const first = await refresh(tok)
    await server.send('PUT', '/__admin/policy', { token: tok, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ policy: { kind: 'delay', after: '10s' } }) })
    const second = await refresh(tok, OTHER_ACCOUNT)
    const answer = await advance(tok, { until: `record:${first}` })
    expect(answer.body.data).toMatchObject({ now: '2026-11-02T09:00:03.000Z', steps: 1 })
    expect(answer.body.data.settled.map((r: { id: string }) => r.id)).toStrictEqual([first])
    const later = await advance(tok, { until: `record:${second}` })
    expect(later.body.data).toMatchObject({ now: '2026-11-02T09:00:10.000Z', steps: 1 })
  })

  it('answers nothing_due for a record only an admin call ends, and names it as waiting', async () => {
    const tok = await fresh()
    await server.send('PUT', '/__admin/policy', { token: tok, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ policy: { kind: 'manual' } }) })
    const record = await refresh(tok)
    const answer = await advance(tok, { until: `record:${record}` })
    expect(answer.status).toBe(408)
    expect(answer.body.data).toMatchObject({ reason: 'nothing_due', steps: 0, waiting: [record], now: '2026-11-02T09:00:00.000Z' })
    // Idle does not wait for it: time alone will never end it.
    expect((await advance(tok, { until: 'idle' })).body.data).toMatchObject({ steps: 0, waiting: [record] })
  })

  it('still moves by a duration or to an instant', async () => {
    const tok = await fresh()
    expect((await advance(tok, { by: '2s' })).body.data).toStrictEqual({ now: '2026-11-02T09:00:02.000Z', mode: 'frozen', settled: [] })
    expect((await advance(tok, { to: '2026-11-02T10:00:00Z' })).body.data.now).toBe('2026-11-02T10:00:00.000Z')
    const back = await advance(tok, { to: '2026-11-02T09:59:59Z' })
    expect([back.status, back.headers['x-okra-emulator-error']]).toStrictEqual([400, 'OKRA_EMU_CLOCK_BACKWARDS'])
  })

  it('refuses bad input with a 400 naming the field, and changes nothing', async () => {
    const tok = await fresh()
    await refresh(tok)
    const refusals: Array<[Record<string, unknown>, number, string]> = [
      [{}, 400, 'The request body needs "by", "to" or "until"'],
      [{ until: 'later' }, 400, 'Invalid field "until": must be "idle" or "record:<id>"'],
      [{ by: '1s', until: 'idle' }, 400, 'Invalid field "until": give one of "by", "to" or "until"'],
      [{ by: '1s', max_steps: 3 }, 400, 'Invalid field "max_steps": goes only with "until"'],
      [{ until: 'idle', max_steps: 1001 }, 400, 'Invalid field "max_steps": must be a whole number from 1 to 1000'],
      [{ until: 'idle', max_time: '366d' }, 400, 'Invalid field "max_time": must be at most 365d'],
      [{ until: 'idle', timeout: '61s' }, 400, 'Invalid field "timeout": must be at most 60s'],
      [{ until: 'record:nope' }, 404, 'No record found with id "nope"'],
    ]
    for (const [body, status, message] of refusals) {
      const answer = await advance(tok, body)
      expect([answer.status, answer.body.message]).toStrictEqual([status, message])
    }
    expect((await server.get('/__admin/clock', { token: tok })).body.data.now).toBe('2026-11-02T09:00:00.000Z')
    expect((await server.get('/__admin/records', { token: tok })).body.data.records.map((r: { state: string }) => r.state)).toStrictEqual(['running'])
  })

  it('on a running clock moves nothing and waits in real time for the goal, or answers 408 at the timeout', async () => {
    const tok = await fresh()
    await server.send('PUT', '/__admin/policy', { token: tok, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ policy: { kind: 'delay', after: '1h' } }) })
    await server.post('/__admin/clock/resume', {}, { token: tok })
    const record = await refresh(tok)
    const arrived = arrival('/__admin/clock/advance')
    const waiting = advance(tok, { until: 'idle', timeout: '10s' })
    await arrived
    // An hour of real time is not waited for: the record ends now, and with its webhook the tenant is idle.
    await server.post(`/__admin/records/${record}/complete`, {}, { token: tok })
    const answer = await waiting
    expect(answer.status).toBe(200)
    expect([answer.body.data.mode, answer.body.data.steps]).toStrictEqual(['running', 0])
    expect(answer.body.data.settled.map((r: { id: string, state: string }) => [r.id, r.state])).toStrictEqual([[record, 'done']])
    expect(answer.body.data.deliveries.map((d: { event: { record: string }, state: string }) => [d.event.record, d.state])).toStrictEqual([[record, 'delivered']])

    await server.send('PUT', '/__admin/policy', { token: tok, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ policy: { kind: 'manual' } }) })
    const stuck = await refresh(tok)
    const timedOut = await advance(tok, { until: `record:${stuck}`, timeout: '50ms' })
    expect(timedOut.status).toBe(408)
    expect(timedOut.headers['x-okra-emulator-error']).toBe('OKRA_EMU_WAIT_TIMEOUT')
    expect(timedOut.body.message).toBe(`Not past record ${stuck} after 50 ms of real time; a running clock is not moved`)
    expect(timedOut.body.data).toMatchObject({ reason: 'timeout', max: 50, steps: 0, settled: [], deliveries: [], waiting: [stuck] })
  })
})

describe('GET /__admin/records/:id?wait=completed', () => {
  it('answers at once for a record that has finished, and without wait as it stands', async () => {
    const tok = await fresh()
    const record = await refresh(tok)
    const now = await server.get(`/__admin/records/${record}`, { token: tok })
    expect([now.status, now.body.data.state]).toStrictEqual([200, 'running'])
    await advance(tok, { by: '3s' })
    const done = await server.get(`/__admin/records/${record}?wait=completed&timeout=50ms`, { token: tok })
    expect([done.status, done.body.message, done.body.data.state, done.body.data.ended_at]).toStrictEqual([200, 'Record finished', 'done', '2026-11-02T09:00:03.000Z'])
  })

  it('answers 408 with the record as it stood at the timeout', async () => {
    const tok = await fresh()
    const record = await refresh(tok)
    const began = performance.now()
    const answer = await server.get(`/__admin/records/${record}?wait=completed&timeout=50ms`, { token: tok })
    expect(performance.now() - began).toBeGreaterThanOrEqual(49)
    expect(answer.status).toBe(408)
    expect(answer.headers['x-okra-emulator-error']).toBe('OKRA_EMU_WAIT_TIMEOUT')
    expect(answer.body.message).toBe(`Record ${record} was still running after 50 ms`)
    expect(answer.body.data.record).toMatchObject({ id: record, state: 'running', ended_at: null })
  })

  it('wakes when the record finishes: here, failed by an admin call, which the poll does not count as its own', async () => {
    const tok = await fresh()
    const record = await refresh(tok)
    const arrived = arrival(`/__admin/records/${record}?`)
    const waiting = server.get(`/__admin/records/${record}?wait=completed&timeout=10s`, { token: tok })
    await arrived
    await server.post(`/__admin/records/${record}/fail`, { failure: { kind: 'timeout' } }, { token: tok })
    const answer = await waiting
    expect([answer.status, answer.body.data.state, answer.body.data.failure]).toStrictEqual([200, 'failed', { kind: 'timeout' }])
    // The poll only waited through that change: the run manifest lists the call that made it, not the poll.
    const { calls } = (await server.get('/__admin/manifest', { token: tok })).body.data
    expect(calls.items.map((c: { method: string, path: string }) => `${c.method} ${c.path}`)).toStrictEqual(
      expect.arrayContaining([`POST /__admin/records/${record}/fail`]))
    expect(calls.items.filter((c: { path: string }) => c.path.includes('wait=completed'))).toStrictEqual([])
  })

  it('refuses a bad wait or timeout, and an unknown record', async () => {
    const tok = await fresh()
    const record = await refresh(tok)
    expect((await server.get(`/__admin/records/${record}?wait=soon`, { token: tok })).body.message).toBe('Invalid field "wait": must be completed')
    expect((await server.get(`/__admin/records/${record}?wait=completed&timeout=2m`, { token: tok })).body.message).toBe('Invalid field "timeout": must be at most 60s')
    expect((await server.get(`/__admin/records/${record}?wait=completed&timeout=soon`, { token: tok })).body.message)
      .toBe('Invalid field "timeout": must be a duration such as "5s" or "500ms", at most 60s')
    expect((await server.get('/__admin/records/nope?wait=completed', { token: tok })).status).toBe(404)
  })
})

describe('GET /__admin/requests?wait=1', () => {
  const lookUp = (tok: string) => server.post('/v2/balance/getByAccount', { account_id: ACCOUNT }, { token: tok })

  it('answers at once when enough matching requests have arrived', async () => {
    const tok = await fresh()
    await lookUp(tok)
    const answer = await server.get('/__admin/requests?wait=1&route=balance/getByAccount&timeout=50ms', { token: tok })
    expect([answer.status, answer.body.data.count, answer.body.data.requests[0].route]).toStrictEqual([200, 1, 'balance/getByAccount'])
  })

  it('answers 408 with the page as it stood when fewer than count arrived', async () => {
    const tok = await fresh()
    await lookUp(tok)
    const answer = await server.get('/__admin/requests?wait=1&count=2&route=balance/getByAccount&timeout=50ms', { token: tok })
    expect(answer.status).toBe(408)
    expect(answer.body.message).toBe('1 of the 2 requests waited for had arrived after 50 ms')
    expect(answer.body.data).toMatchObject({ wanted: 2, count: 1, dropped: 0 })
    expect(answer.body.data.requests.map((r: { route: string, status: number }) => [r.route, r.status])).toStrictEqual([['balance/getByAccount', 200]])
  })

  it('wakes when a matching request arrives, not on another', async () => {
    const tok = await fresh()
    const arrived = arrival('/__admin/requests?wait=1')
    const waiting = server.get(`/__admin/requests?wait=1&route=balance/getByAccount&account=${ACCOUNT}&timeout=10s`, { token: tok })
    await arrived
    await server.post('/v2/balance/getByCustomer', { customer: '65e0fb087fcd5c0200000000' }, { token: tok })
    await lookUp(tok)
    const answer = await waiting
    expect(answer.status).toBe(200)
    expect(answer.body.data.count).toBe(1)
    expect(answer.body.data.requests.map((r: { route: string, account: string }) => [r.route, r.account])).toStrictEqual([['balance/getByAccount', ACCOUNT]])
  })
})

describe('GET /__admin/webhooks?wait=1', () => {
  it('answers at once with the deliveries that succeeded, filtered by record', async () => {
    const tok = await fresh()
    const first = await refresh(tok)
    await refresh(tok, OTHER_ACCOUNT)
    await advance(tok, { by: '3s' })
    const answer = await server.get(`/__admin/webhooks?wait=1&record=${first}&timeout=50ms`, { token: tok })
    expect(answer.status).toBe(200)
    expect(answer.body.data.deliveries.map((d: { event: { record: string }, state: string }) => [d.event.record, d.state])).toStrictEqual([[first, 'delivered']])
    const all = await server.get('/__admin/webhooks?state=delivered', { token: tok })
    expect(all.body.data.deliveries.length).toBe(2)
  })

  it('answers 408 with the deliveries of the record as they stood, a failed attempt included', async () => {
    const tok = await fresh()
    receiver.answerNext(500)
    const record = await refresh(tok)
    await advance(tok, { by: '3s' })
    const answer = await server.get(`/__admin/webhooks?wait=1&record=${record}&timeout=50ms`, { token: tok })
    expect(answer.status).toBe(408)
    expect(answer.headers['x-okra-emulator-error']).toBe('OKRA_EMU_WAIT_TIMEOUT')
    expect(answer.body.message).toBe('Fewer than 1 deliveries delivered after 50 ms')
    expect(answer.body.data.wanted).toBe(1)
    expect(answer.body.data.deliveries.map((d: { state: string, next_attempt_at: string }) => [d.state, d.next_attempt_at])).toStrictEqual([['pending', '2026-11-02T09:00:33.000Z']])
    expect(attempts(answer.body.data.deliveries[0])).toStrictEqual(['2026-11-02T09:00:03.000Z failed'])
  })

  it('wakes when the delivery succeeds, after an advance made by another request', async () => {
    const tok = await fresh()
    const record = await refresh(tok)
    const arrived = arrival('/__admin/webhooks?wait=1')
    const waiting = server.get(`/__admin/webhooks?wait=1&record=${record}&timeout=10s`, { token: tok })
    await arrived
    await advance(tok, { by: '3s' })
    const answer = await waiting
    expect(answer.status).toBe(200)
    expect(answer.body.data.deliveries.map((d: { event: { record: string }, state: string }) => [d.event.record, d.state])).toStrictEqual([[record, 'delivered']])
    expect(attempts(answer.body.data.deliveries[0])).toStrictEqual(['2026-11-02T09:00:03.000Z delivered'])
  })
})

describe('bounds on waits', () => {
  it('holds at most 32 waits per tenant; a wait whose client went frees its place', async () => {
    const tok = await fresh()
    const record = await refresh(tok)
    const url = `${server.url}/__admin/records/${record}?wait=completed&timeout=10s`
    const headers = { authorization: `Bearer ${tok}` }
    const gone = new AbortController()
    const arrived = Array.from({ length: 32 }, () => arrival(`/__admin/records/${record}?`))
    const leaving = request(url, { headers, signal: gone.signal }).catch(() => null)
    const held = Array.from({ length: 31 }, async () => await (await request(url, { headers })).body.json() as { data: { state: string } })
    await Promise.all(arrived)
    const refused = await server.get(`/__admin/records/${record}?wait=completed&timeout=10s`, { token: tok })
    expect([refused.status, refused.headers['x-okra-emulator-error'], refused.body.data]).toStrictEqual([409, 'OKRA_EMU_LIMIT_REACHED', { limit: 'waits', max: 32 }])
    // Another tenant has places of its own.
    const other = await fresh()
    expect((await server.get('/__admin/requests?wait=1&timeout=1ms', { token: other })).status).toBe(408)

    gone.abort()
    await leaving
    // The server hears the close a little after the client: probe with waits that end at once
    // (408) once admitted, refused (409) while the place is still taken.
    let admitted = 0
    for (let tries = 0; tries < 100 && admitted === 0; tries++) {
      const probe = await server.get(`/__admin/records/${record}?wait=completed&timeout=1ms`, { token: tok })
      if (probe.status === 408) admitted = tries + 1
      else expect(probe.status).toBe(409)
    }
    expect(admitted).toBeGreaterThan(0)
    await advance(tok, { by: '3s' })
    const answers = await Promise.all(held)
    expect(answers.map((a) => a.data.state)).toStrictEqual(Array(31).fill('done'))
  })

  it('does not keep close() from finishing: a pending wait answers at once that the emulator is closing', async () => {
    let arrive = (): void => {}
    const arrived = new Promise<void>((resolve) => { arrive = resolve })
    const own = await startTestServer({
      connections: { shutdownGraceMs: 30_000 },
      onApp: (app) => app.addHook('preHandler', (req, _reply, done) => {
        if (req.url.includes('timeout=60s')) arrive()
        done()
      }),
    })
    const tok = 'closing'
    await own.post('/__admin/reset', {}, { token: tok })
    const record = (await own.post('/v2/balance/refresh', { account_id: ACCOUNT }, { token: tok })).body.data.record as string
    // Compiles the 408's serializer (lazily, on first use) before the clock starts.
    expect((await own.get(`/__admin/records/${record}?wait=completed&timeout=1ms`, { token: tok })).status).toBe(408)
    const waiting = own.get(`/__admin/records/${record}?wait=completed&timeout=60s`, { token: tok })
    await arrived
    const began = performance.now()
    await own.close()
    // Far below both the wait's 60 s and the 30 s grace that close() gives requests under way.
    expect(performance.now() - began).toBeLessThan(5_000)
    const answer = await waiting
    expect([answer.status, answer.headers['x-okra-emulator-error'], answer.body.message])
      .toStrictEqual([408, 'OKRA_EMU_WAIT_TIMEOUT', 'The emulator is closing; the wait ended before its condition held'])
    expect(answer.body.data.record.state).toBe('running')
  })
})

describe('the AdminClient helpers', () => {
  it('advanceUntilIdle answers what happened, and a cap throws WaitTimeoutError carrying it', async () => {
    const tok = await fresh()
    const admin = server.admin.as(tok)
    receiver.answerNext(500)
    const record = await refresh(tok)
    const capped = await admin.advanceUntilIdle({ maxSteps: 1 }).catch((error: unknown) => error)
    expect(capped).toBeInstanceOf(WaitTimeoutError)
    const { status, code, seen } = capped as WaitTimeoutError
    expect([status, code]).toStrictEqual([408, 'OKRA_EMU_ADVANCE_LIMIT'])
    expect(seen).toMatchObject({ reason: 'max_steps', max: 1, steps: 1, now: '2026-11-02T09:00:03.000Z' })
    const report = await admin.settle({ maxTime: '1m', timeout: '1s' })
    expect([report.now, report.steps, report.settled, report.deliveries?.map((d) => d.state)]).toStrictEqual(['2026-11-02T09:00:33.000Z', 1, [], ['delivered']])
    expect((await admin.advanceUntilRecord(record)).steps).toBe(0)
  })

  it('waitForRecord, waitForRequest and waitForWebhook answer once their event has happened', async () => {
    const tok = await fresh()
    const admin = server.admin.as(tok)
    const record = await refresh(tok)
    const arrived = arrival(`/__admin/records/${record}?`)
    const finished = admin.waitForRecord(record, { timeout: '10s' })
    await arrived
    await admin.advance('3s')
    expect((await finished).ended_at).toBe('2026-11-02T09:00:03.000Z')
    expect((await admin.waitForWebhook({ record }, { timeout: 50 })).deliveries.map((d) => d.state)).toStrictEqual(['delivered'])
    const page = await admin.waitForRequest({ route: 'balance/refresh' }, { count: 1, timeout: '50ms' })
    expect(page.requests.map((r) => r.account)).toStrictEqual([ACCOUNT])
    const late = await admin.waitForRequest({ route: 'balance/check' }, { timeout: '1ms' }).catch((error: unknown) => error)
    expect(late).toBeInstanceOf(WaitTimeoutError)
    expect((late as WaitTimeoutError).seen).toStrictEqual({ wanted: 1, count: 0, dropped: 0, requests: [] })
  })
})
