import { EventEmitter, once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import type { Tenant } from '../../src/core/tenant.js'
import { Tenants } from '../../src/core/tenants.js'
import type { WebhookDelivery, WebhookEvent } from '../../src/core/webhooks.js'
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js'
import { defaultFixtures, TEST_CLOCK_START } from '../support/server.js'

const START = Date.parse(TEST_CLOCK_START)
const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => { for (const cleanup of cleanups.splice(0).reverse()) await cleanup() })

/** A receiver on 127.0.0.1 that hands every request to `handle`; it never answers on its own. */
async function receiver (handle: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ url: string, server: Server }> {
  const server = createServer(handle)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(async () => {
    server.closeAllConnections()
    server.close()
    await once(server, 'close')
  })
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, server }
}

async function tenantWith (url: string, deliveries: number): Promise<Tenant> {
  const tenants = new Tenants(await defaultFixtures(), {
    clock: { mode: 'frozen', startMs: START },
    policy: { kind: 'immediate' },
    webhook: { url, token: 'hook-token', secret: null },
  }, () => START, () => {}, new Uint8Array(5))
  const tenant = tenants.get('t')
  for (let n = 0; n < deliveries; n++) {
    const event = { record: `r${n}` } as unknown as WebhookEvent
    tenant.webhooks.add({ id: `d${n}`, url, token: 'hook-token', event, state: 'pending', attempts: [], nextAttemptAt: START, replayOf: null, fault: null, held: false })
  }
  return tenant
}

function dispatcher (options: ConstructorParameters<typeof WebhookDispatcher>[0]): WebhookDispatcher {
  const made = new WebhookDispatcher(options)
  cleanups.push(async () => { await made.close(0) })
  return made
}

/** Fires 'arrived' as each request reaches a receiver, for a test to wait on. */
const arrivals = new EventEmitter()
const outcomes = (tenant: Tenant) => tenant.webhooks.list().map((d: WebhookDelivery) => d.attempts.map((a) => [a.outcome, a.responseCode, a.error]))

describe('WebhookDispatcher', () => {
  it('never has more attempts open than its concurrency, however many fall due at once', async () => {
    const held: ServerResponse[] = []
    let arrived = 0
    let peak = 0
    const { url } = await receiver((request, response) => {
      request.resume()
      if (request.url === '/probe') {
        response.end()
        return
      }
      held.push(response)
      arrived += 1
      peak = Math.max(peak, held.length)
      arrivals.emit('arrived')
    })
    const until = async (count: number) => {
      for (let seen = arrived; seen < count; seen = arrived) await once(arrivals, 'arrived')
    }
    // A request sent after the dispatcher sent whatever it was going to: once the probe is in, so is that.
    const probe = async () => { await (await request(new URL('/probe', url), { method: 'POST' })).body.dump() }
    const tenant = await tenantWith(url, 12)
    const sending = dispatcher({ concurrency: 4 }).runDue(tenant)
    await until(4)
    await probe()
    expect(arrived).toBe(4)
    // Each answer frees one turn, and lets exactly one more attempt in.
    for (let next = 5; next <= 12; next++) {
      held.shift()!.writeHead(200).end()
      await until(next)
      await probe()
      expect([arrived, held.length]).toStrictEqual([next, 4])
    }
    for (const response of held.splice(0)) response.writeHead(204).end()
    await sending
    expect(peak).toBe(4)
    expect(tenant.webhooks.list().map((d) => d.state)).toStrictEqual(Array(12).fill('delivered'))
  })

  it('fails an attempt the receiver never answers once its time-out passes, and goes on with the next', async () => {
    const { url } = await receiver((request) => { request.resume() })
    const tenant = await tenantWith(url, 3)
    const began = performance.now()
    await dispatcher({ concurrency: 2, timeoutMs: 200 }).runDue(tenant)
    // Two rounds of 200 ms: the third attempt waited for a turn.
    expect(performance.now() - began).toBeGreaterThanOrEqual(400)
    expect(outcomes(tenant)).toStrictEqual(Array(3).fill([['failed', null, 'The operation was aborted due to timeout']]))
    expect(tenant.webhooks.list().map((d) => d.nextAttemptAt)).toStrictEqual(Array(3).fill(START + 30_000))
  })

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    let followed = 0
    const elsewhere = await receiver((request, response) => { followed += 1; request.resume(); response.end() })
    const { url } = await receiver((request, response) => { request.resume(); response.writeHead(302, { location: elsewhere.url }).end() })
    const tenant = await tenantWith(url, 1)
    await dispatcher({}).runDue(tenant)
    expect(outcomes(tenant)).toStrictEqual([[['failed', 302, 'receiver answered 302']]])
    expect(followed).toBe(0)
  })

  it('reads an endless answer only up to its cap, then cuts the connection', async () => {
    let written = 0
    let cut: Promise<unknown> = Promise.resolve()
    const { url } = await receiver((request, response) => {
      request.resume()
      cut = once(response, 'close')
      response.writeHead(200)
      const chunk = Buffer.alloc(16 * 1024, 'x')
      const pump = (): void => {
        while (!response.destroyed && response.write(chunk)) written += chunk.length
        if (!response.destroyed) response.once('drain', pump)
      }
      pump()
    })
    const tenant = await tenantWith(url, 1)
    await dispatcher({ maxAnswerBytes: 64 * 1024, timeoutMs: 10_000 }).runDue(tenant)
    await cut
    expect(outcomes(tenant)).toStrictEqual([[['delivered', 200, null]]])
    // What the receiver got out before the cut: the cap plus what the sockets' buffers held, far from endless.
    expect(written).toBeLessThan(64 * 1024 * 1024)
    expect(tenant.webhooks.list()[0]!.attempts[0]!.latencyMs).toBeLessThan(10_000)
  })

  it('on close, makes no queued attempt and abandons, unrecorded, one still open after the grace', async () => {
    let arrived = 0
    const { url } = await receiver((request) => { request.resume(); arrived += 1; arrivals.emit('arrived') })
    const tenant = await tenantWith(url, 3)
    const made = new WebhookDispatcher({ concurrency: 1, timeoutMs: 60_000 })
    const sending = made.runDue(tenant)
    await once(arrivals, 'arrived')
    const began = performance.now()
    await made.close(100)
    await sending
    expect(performance.now() - began).toBeGreaterThanOrEqual(100)
    expect(performance.now() - began).toBeLessThan(5_000)
    expect(arrived).toBe(1)
    expect(tenant.webhooks.list().map((d) => [d.state, d.attempts.length])).toStrictEqual(Array(3).fill(['pending', 0]))
  })

  it('marks failed, and logs, a delivery the emulator itself cannot send; the others still go', async () => {
    let arrived = 0
    const { url } = await receiver((request, response) => { request.resume(); arrived += 1; response.end() })
    const tenant = await tenantWith(url, 2)
    // Recording d0's attempt throws: a stand-in for any bug inside a delivery.
    const attempted = tenant.webhooks.attempted.bind(tenant.webhooks)
    tenant.webhooks.attempted = (delivery, attempt, atMs) => {
      if (delivery.id === 'd0') throw new Error('recording broke')
      attempted(delivery, attempt, atMs)
    }
    const logged: string[] = []
    const made = dispatcher({ logError: (error, message) => { logged.push(`${message}: ${(error as Error).message}`) } })
    await expect(made.runDue(tenant)).resolves.toBeUndefined()
    expect(tenant.webhooks.list().map((d) => [d.id, d.state, d.attempts.length, d.nextAttemptAt])).toStrictEqual([['d0', 'failed', 0, null], ['d1', 'delivered', 1, null]])
    expect(arrived).toBe(2)
    expect(logged).toStrictEqual(['webhook delivery d0 failed inside the emulator; marked failed: recording broke'])
  })
})
