import { readFileSync } from 'node:fs'
import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FixtureFile } from '../../src/core/fixture.js'
import { resolveOptions, UsageError } from '../../src/options.js'
import { Receiver } from '../support/receiver.js'
import { startTestServer, type TestServer } from '../support/server.js'

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const account = fixture.balances[0]!.account
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`
const OTHER_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`

let receiver: Receiver
let server: TestServer
beforeAll(async () => {
  receiver = await Receiver.start()
  server = await startTestServer({ webhook: { url: receiver.url }, webhookSecret: SECRET })
})
afterAll(async () => {
  await server.close()
  await receiver.close()
})

let tenants = 0
/** A tenant of its own and a receiver emptied for it. */
function fresh () {
  const token = `delivery-${++tenants}`
  receiver.received.length = 0
  return {
    token,
    refresh: async () => (await server.post('/v2/balance/refresh', { account_id: account }, { token })).body.data.record as string,
    advance: (by: string) => server.post('/__admin/clock/advance', { by }, { token }),
    log: async () => (await server.get('/__admin/webhooks', { token })).body.data,
    settings: (body: unknown) => server.send('PUT', '/__admin/webhooks/settings', { token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  }
}

describe('webhook delivery ids', () => {
  it('keeps one id across a retry, with every attempt listed under it', async () => {
    const t = fresh()
    receiver.answerNext(500)
    await t.refresh()
    await t.advance('3s')
    await t.advance('30s')
    const { deliveries } = await t.log()
    expect(deliveries).toHaveLength(1)
    const [delivery] = deliveries
    expect(receiver.ids).toStrictEqual([delivery.id, delivery.id])
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toStrictEqual([delivery.id, delivery.id])
    expect(delivery.attempts.map((a: { attempt: number, responseCode: number }) => [a.attempt, a.responseCode])).toStrictEqual([[1, 500], [2, 200]])
    expect([delivery.state, delivery.replay_of]).toStrictEqual(['delivered', null])
  })

  it('replays as a new delivery with a new id that names the original', async () => {
    const t = fresh()
    await t.refresh()
    await t.advance('3s')
    const [original] = (await t.log()).deliveries
    const replay = await server.post(`/__admin/webhooks/${original.id}/replay`, {}, { token: t.token })
    expect(replay.status).toBe(200)
    expect(replay.body.data.id).not.toBe(original.id)
    expect([replay.body.data.replay_of, replay.body.data.state]).toStrictEqual([original.id, 'delivered'])
    expect(receiver.ids).toStrictEqual([original.id, replay.body.data.id])
    expect(receiver.received[1]!.text).toBe(receiver.received[0]!.text)
    expect((await t.log()).deliveries.map((d: { id: string, replay_of: string | null }) => [d.id, d.replay_of])).toStrictEqual([
      [original.id, null], [replay.body.data.id, original.id],
    ])
  })
})

describe('the pending deliveries bound', () => {
  it('refuses a replay while 1,000 deliveries are pending, as it refuses a new record, and changes nothing', async () => {
    const t = fresh()
    await t.refresh()
    await t.advance('3s')
    const manifest = (await server.get('/__admin/manifest', { token: t.token })).body.data
    const [delivered] = manifest.state.webhooks
    // Pending, each due at the clock's end: nothing sends them while the test runs.
    manifest.state.webhooks = Array.from({ length: 1000 }, (_, i) => ({ ...delivered, id: `pending-${i}`, state: 'pending', attempts: [], nextAttemptAt: Date.UTC(9900, 0, 1) }))
    const full = fresh()
    expect((await server.post('/__admin/manifest', manifest, { token: full.token })).status).toBe(200)
    const refused = await server.post('/__admin/webhooks/pending-0/replay', {}, { token: full.token })
    expect([refused.status, refused.body.data]).toStrictEqual([409, { limit: 'pendingWebhooks', max: 1000 }])
    expect((await server.post('/v2/balance/refresh', { account_id: account }, { token: full.token })).status).toBe(409)
    expect((await full.log()).deliveries).toHaveLength(1000)
  })
})

describe('Standard Webhooks signing', () => {
  it('signs with --webhook-secret: standardwebhooks verifies the body as sent, and refuses another secret', async () => {
    const t = fresh()
    await t.refresh()
    await t.advance('3s')
    const [hook] = receiver.received
    const headers = hook!.headers as Record<string, string>
    expect(new Webhook(SECRET).verify(hook!.text, headers)).toStrictEqual(hook!.body)
    expect(() => new Webhook(OTHER_SECRET).verify(hook!.text, headers)).toThrow(WebhookVerificationError)
    expect(() => new Webhook(SECRET).verify(hook!.text.replace('BALANCE', 'BALANCF'), headers)).toThrow(WebhookVerificationError)
    // The wall clock's second, not the emulator's (frozen at 2026-11-02T09:00:03Z): receivers allow five minutes.
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60)
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/)
  })

  it('takes a secret per tenant, lists it masked, keeps the default when omitted and stops signing on null', async () => {
    const t = fresh()
    const saved = await t.settings({ url: receiver.url, secret: OTHER_SECRET })
    expect(saved.body.data).toStrictEqual({ url: receiver.url, token: null, secret: `whsec_…${OTHER_SECRET.slice(-4)}` })
    expect((await t.log()).settings.secret).toBe(`whsec_…${OTHER_SECRET.slice(-4)}`)
    expect(JSON.stringify((await t.log()))).not.toContain(OTHER_SECRET.slice(6, 20))
    await t.refresh()
    await t.advance('3s')
    const signed = receiver.received[0]!
    expect(new Webhook(OTHER_SECRET).verify(signed.text, signed.headers as Record<string, string>)).toStrictEqual(signed.body)

    expect((await t.settings({ url: receiver.url })).body.data.secret).toBe(`whsec_…${SECRET.slice(-4)}`)
    expect((await t.settings({ url: receiver.url, secret: null })).body.data.secret).toBeNull()
    await t.refresh()
    await t.advance('3s')
    const unsigned = receiver.received[1]!
    expect(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => unsigned.headers[h])).toStrictEqual([undefined, undefined, undefined])
    expect(unsigned.headers['x-okra-emulator-delivery']).toBe((await t.log()).deliveries[1].id)
  })

  it('refuses a secret that is not whsec_ and 24 to 64 bytes of base64, naming it and changing nothing', async () => {
    const t = fresh()
    await t.settings({ url: receiver.url, secret: OTHER_SECRET })
    const short = `whsec_${Buffer.alloc(16).toString('base64')}`
    for (const [secret, message] of [
      ['sekrit', 'Invalid field "secret": must be "whsec_" followed by a key of 24 to 64 bytes in base64, or null'],
      ['whsec_not base64!', 'Invalid field "secret": must be "whsec_" followed by the key in base64'],
      [short, 'Invalid field "secret": must hold a key of 24 to 64 bytes, not 16'],
    ]) {
      const refused = await t.settings({ url: 'http://127.0.0.1:9/elsewhere', secret })
      expect([refused.status, refused.body]).toStrictEqual([400, { status: 'error', message, data: { field: 'secret' } }])
    }
    expect((await t.log()).settings).toStrictEqual({ url: receiver.url, token: null, secret: `whsec_…${OTHER_SECRET.slice(-4)}` })
  })

  it('keeps a tenant\'s secret out of its manifest; a tenant rebuilt from one signs with the emulator\'s', async () => {
    const t = fresh()
    await t.settings({ url: receiver.url, secret: OTHER_SECRET })
    const manifest = await server.get('/__admin/manifest', { token: t.token })
    expect(manifest.status).toBe(200)
    expect(manifest.text).not.toContain(OTHER_SECRET.slice(6))
    const rebuilt = fresh()
    expect((await server.post('/__admin/manifest', manifest.body.data, { token: rebuilt.token })).status).toBe(200)
    expect((await rebuilt.log()).settings).toStrictEqual({ url: receiver.url, token: null, secret: `whsec_…${SECRET.slice(-4)}` })
  })

  it('refuses a bad --webhook-secret at start-up', async () => {
    await expect(resolveOptions(['--webhook-secret', 'sekrit'], {})).rejects.toThrow(new UsageError('--webhook-secret must be "whsec_" followed by the key in base64'))
    await expect(resolveOptions(['--webhook-secret', SECRET], {})).resolves.toMatchObject({ start: { webhookSecret: SECRET } })
  })
})
