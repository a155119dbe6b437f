import { readFileSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { FixtureFile } from '../src/core/fixture.js'
import { startWebhookSink } from '../src/webhook-sink.js'
import { startTestServer, type TestServer } from './support/server.js'

const fixture = JSON.parse(readFileSync(new URL('../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const account = fixture.balances[0]!.account

async function emulator (options: { webhookTimeoutMs?: number } = {}): Promise<TestServer> {
  const server = await startTestServer(options)
  onTestFinished(async () => { await server.close() })
  return server
}

/** Starts a refresh of `account` on the handle's tenant; answers its record id. */
async function refresh (server: TestServer): Promise<string> {
  const started = await server.post('/v2/balance/refresh', { account_id: account })
  expect(started.status).toBe(200)
  return started.body.data.record as string
}

describe('webhookSink()', () => {
  it('receives what the tenant posts, in arrival order, and waitFor resolves on the matching delivery', async () => {
    const server = await emulator()
    const sink = await server.webhookSink({ token: 'sink-secret' })
    expect((await server.admin.webhooks()).settings).toStrictEqual({ url: sink.url, token: 'sink-secret', secret: null })
    const record = await refresh(server)
    const arriving = sink.waitFor((d) => (d.body as { record?: string }).record === record)
    await server.admin.advance('3s')
    const delivery = await arriving
    expect(delivery).toMatchObject({ seq: 1, method: 'POST', path: '/okra-webhook', answer: 'ok' })
    expect(delivery.headers.authorization).toBe('Bearer sink-secret')
    expect(delivery.body).toStrictEqual(JSON.parse(delivery.raw))
    expect(sink.received()).toStrictEqual([delivery])
    // Kept deliveries answer at once; a delivery that never comes rejects at the timeout, saying what came.
    await expect(sink.waitFor()).resolves.toBe(delivery)
    await expect(sink.waitFor((d) => d.seq === 2, { timeout: 20 })).rejects.toThrow('No webhook delivery matched within 20 ms; the sink received 1: #1 ok {')
    expect((await server.admin.webhooks()).deliveries.map((d) => d.state)).toStrictEqual(['delivered'])
  })

  it('fails the next deliveries with a 500, and the emulator\'s retry on the virtual clock gets through', async () => {
    const server = await emulator()
    const sink = await server.webhookSink()
    sink.failNext(2, 'error')
    await refresh(server)
    await server.admin.advance('3s')
    await server.admin.advance('30s')
    expect(sink.received().map((d) => d.answer)).toStrictEqual(['error', 'error'])
    expect((await server.admin.webhooks()).deliveries[0]!.attempts.map((a) => a.responseCode)).toStrictEqual([500, 500])
    await server.admin.advance('2m')
    await expect(sink.waitFor((d) => d.answer === 'ok')).resolves.toMatchObject({ seq: 3 })
    expect((await server.admin.webhooks()).deliveries[0]!.state).toBe('delivered')
  })

  it('holds a delivery unanswered: the emulator gives up at its timeout and its retry gets through', async () => {
    const server = await emulator({ webhookTimeoutMs: 200 })
    const sink = await server.webhookSink()
    sink.failNext(1, 'hang')
    await refresh(server)
    await server.admin.advance('3s')
    const [first] = (await server.admin.webhooks()).deliveries
    expect(first!.state).toBe('pending')
    expect(first!.attempts.map((a) => [a.outcome, a.responseCode])).toStrictEqual([['failed', null]])
    await server.admin.advance('30s')
    expect(sink.received().map((d) => d.answer)).toStrictEqual(['hang', 'ok'])
    expect((await server.admin.webhooks()).deliveries[0]!.state).toBe('delivered')
  })

  it('releases held deliveries when it closes, and rejects who still waits', async () => {
    const server = await emulator()
    const sink = await server.webhookSink()
    sink.failNext(1, 'hang')
    await refresh(server)
    // The advance answers only once the attempt ends, which the held delivery never does until the sink closes.
    const advancing = server.admin.advance('3s')
    await sink.waitFor((d) => d.answer === 'hang')
    const never = sink.waitFor((d) => d.seq === 2)
    await sink.close()
    await expect(never).rejects.toThrow('The webhook sink closed before a delivery matched; it received 1')
    await advancing
    const [delivery] = (await server.admin.webhooks()).deliveries
    expect(delivery!.attempts.map((a) => [a.outcome, a.responseCode])).toStrictEqual([['failed', null]])
    await expect(sink.waitFor((d) => d.seq === 2)).rejects.toThrow('The webhook sink is closed')
  })

  it('keeps the newest deliveries only, and refuses a bad failNext', async () => {
    const sink = await startWebhookSink({ limit: 2 })
    onTestFinished(async () => { await sink.close() })
    sink.failNext(1)
    for (const n of [1, 2, 3]) await fetch(sink.url, { method: 'POST', body: `{"n":${n}}` })
    expect(sink.received().map((d) => [d.seq, d.body, d.answer])).toStrictEqual([[2, { n: 2 }, 'ok'], [3, { n: 3 }, 'ok']])
    // A run of failures is a count, however long: the next two fail, then these stay failing.
    sink.failNext(2, 'error')
    sink.failNext(Number.MAX_SAFE_INTEGER, 'error')
    for (const n of [4, 5, 6]) expect((await fetch(sink.url, { method: 'POST', body: `{"n":${n}}` })).status).toBe(500)
    expect(() => { sink.failNext(-1) }).toThrow(RangeError)
    expect(() => { sink.failNext(1, 'slow' as 'hang') }).toThrow(RangeError)
    await expect(startWebhookSink({ limit: 0 })).rejects.toThrow(RangeError)
  })
})
