import { afterEach, describe, expect, it } from 'vitest'
import { TENANT_LIMITS } from '../../src/core/tenant.js'
import { startTestServer, type TestServer } from '../support/server.js'

const CUSTOMER = '65e0fb087fcd5c0200000000'
const ACCOUNT = '65e0fafe7fcd5c0300000000'
const LOOK_UP = '/v2/balance/getByCustomer'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Runs `count` calls, `width` at a time, so thousands finish quickly without thousands of sockets. */
async function inBatches (count: number, width: number, call: (i: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < count; start += width) {
    await Promise.all(Array.from({ length: Math.min(width, count - start) }, async (_, k) => { await call(start + k) }))
  }
}

function stateOf (s: TestServer, token: string) {
  return s.app.tenants.get(token).exportState()
}

describe('tenants are kept from their first change', () => {
  it('keeps nothing for 10,000 distinct tokens that only look things up', async () => {
    const s = server = await startTestServer()
    await inBatches(10_000, 50, async (i) => {
      expect((await s.post(LOOK_UP, { customer: CUSTOMER }, { token: `reader-${i}` })).status).toBe(200)
    })
    expect(s.app.tenants.size).toBe(0)
    expect((await s.get('/__admin/tenants', { token: null })).body.data.total).toBe(0)
  }, 120_000)

  it('keeps nothing for a 15 KB token that looks something up, and keeps a token that changed something', async () => {
    const s = server = await startTestServer()
    const long = 'x'.repeat(15_000)
    const answer = await s.post(LOOK_UP, { customer: CUSTOMER }, { token: long })
    expect(answer.status).toBe(200)
    expect(answer.body.status).toBe('success')
    expect((await s.admin.as(long).requests()).count).toBe(0)
    expect(s.app.tenants.size).toBe(0)
    await s.admin.as(long).advance('1m')
    // Its journal starts with its first change: the look-up after it is there.
    expect((await s.post(LOOK_UP, { customer: CUSTOMER }, { token: long })).status).toBe(200)
    expect((await s.admin.as(long).requests()).count).toBe(1)
    expect([...s.app.tenants.all()].map((t) => t.token)).toStrictEqual([long])
  })
})

describe('--max-tenants', () => {
  it('refuses a new token\'s first change with a 503 past the cap; its look-ups and the kept tenants still work', async () => {
    const s = server = await startTestServer({ maxTenants: 3 })
    for (const token of ['a', 'b', 'c']) expect((await s.post('/__admin/clock/advance', { by: '1m' }, { token })).status).toBe(200)
    const refused = await s.post('/__admin/clock/advance', { by: '1m' }, { token: 'd' })
    expect(refused.status).toBe(503)
    expect(refused.headers['x-okra-emulator-error']).toBe('OKRA_EMU_TOO_MANY_TENANTS')
    expect(refused.body).toStrictEqual({
      status: 'error',
      message: 'The emulator keeps at most 3 changed tenants (--max-tenants): a new token can look things up but not change them',
      data: { limit: 'tenants', max: 3 },
    })
    // A refresh is refused too, and leaves no record behind.
    expect((await s.post('/v2/balance/refresh', { account_id: ACCOUNT }, { token: 'd' })).status).toBe(503)
    expect((await s.admin.as('d').records())).toStrictEqual([])
    expect((await s.post(LOOK_UP, { customer: CUSTOMER }, { token: 'd' })).status).toBe(200)
    expect((await s.admin.as('d').clock()).now).toBe((await s.admin.as('fresh').clock()).now)
    expect([...s.app.tenants.all()].map((t) => t.token)).toStrictEqual(['a', 'b', 'c'])
    for (const token of ['a', 'b', 'c']) {
      expect((await s.post('/v2/balance/refresh', { account_id: ACCOUNT }, { token })).status).toBe(200)
      expect(await s.admin.as(token).records()).toHaveLength(1)
    }
  })
})

describe('per-tenant caps', () => {
  it(`refuses snapshot ${TENANT_LIMITS.snapshots + 1} with a 409 naming the limit; replacing one still works`, async () => {
    const s = server = await startTestServer()
    for (let i = 0; i < TENANT_LIMITS.snapshots; i++) await s.admin.snapshot(`s${i}`)
    const before = stateOf(s, 'test-token')
    const refused = await s.post('/__admin/snapshots', { name: 'one-more' })
    expect(refused.status).toBe(409)
    expect(refused.body).toStrictEqual({ status: 'error', message: 'A tenant holds at most 100 snapshots (TENANT_LIMITS.snapshots)', data: { limit: 'snapshots', max: 100 } })
    expect(refused.headers['x-okra-emulator-error']).toBe('OKRA_EMU_LIMIT_REACHED')
    expect(stateOf(s, 'test-token')).toStrictEqual(before)
    expect(await s.admin.snapshots()).toHaveLength(100)
    expect((await s.post('/__admin/snapshots', { name: 's0' })).status).toBe(200)
  })

  it(`refuses fault rule ${TENANT_LIMITS.faultRules + 1} with a 409 naming the limit, and lists the rest`, async () => {
    const s = server = await startTestServer()
    await inBatches(TENANT_LIMITS.faultRules, 25, async () => {
      expect((await s.post('/__admin/faults', { action: { kind: 'latency', ms: 1 }, route: 'balance/check' })).status).toBe(200)
    })
    const before = stateOf(s, 'test-token')
    const refused = await s.post('/__admin/faults', { action: { kind: 'latency', ms: 1 }, route: 'balance/check' })
    expect(refused.status).toBe(409)
    expect(refused.body).toStrictEqual({ status: 'error', message: 'A tenant holds at most 1000 fault rules (TENANT_LIMITS.faultRules)', data: { limit: 'faultRules', max: 1000 } })
    expect(refused.headers['x-okra-emulator-error']).toBe('OKRA_EMU_LIMIT_REACHED')
    expect(stateOf(s, 'test-token')).toStrictEqual(before)
    const listed = await s.get('/__admin/faults')
    expect([listed.status, listed.body.data.faults.length]).toStrictEqual([200, 1000])
  }, 60_000)

  it(`refuses running record ${TENANT_LIMITS.runningRecords + 1} with a 409 naming the limit`, async () => {
    const s = server = await startTestServer()
    await s.admin.setPolicy({ kind: 'manual' })
    await inBatches(TENANT_LIMITS.runningRecords, 25, async () => {
      expect((await s.post('/v2/balance/check', { account_id: ACCOUNT })).status).toBe(200)
    })
    const before = stateOf(s, 'test-token')
    const refused = await s.post('/v2/balance/check', { account_id: ACCOUNT })
    expect(refused.status).toBe(409)
    expect(refused.body).toStrictEqual({ status: 'error', message: 'A tenant holds at most 1000 running records (TENANT_LIMITS.runningRecords)', data: { limit: 'runningRecords', max: 1000 } })
    expect(refused.headers['x-okra-emulator-error']).toBe('OKRA_EMU_LIMIT_REACHED')
    expect(stateOf(s, 'test-token')).toStrictEqual(before)
  }, 60_000)

  it(`refuses a new record while ${TENANT_LIMITS.pendingWebhooks} webhook deliveries are pending`, async () => {
    const s = server = await startTestServer()
    await s.admin.setPolicy({ kind: 'immediate' })
    // Nothing listens on port 9: every delivery fails and waits, pending, for a retry the frozen clock never reaches.
    await s.admin.setWebhook('http://127.0.0.1:9/hook')
    await inBatches(TENANT_LIMITS.pendingWebhooks, 25, async () => {
      expect((await s.post('/v2/balance/check', { account_id: ACCOUNT })).status).toBe(200)
    })
    const tenant = s.app.tenants.get('test-token')
    // Each first attempt is made in the background; once all are, nothing changes until the clock moves.
    while (!tenant.webhooks.list().every((d) => d.attempts.length === 1)) await new Promise(setImmediate)
    expect(tenant.webhooks.pendingCount).toBe(1000)
    const before = tenant.exportState()
    const refused = await s.post('/v2/balance/check', { account_id: ACCOUNT })
    expect(refused.status).toBe(409)
    expect(refused.body).toStrictEqual({ status: 'error', message: 'A tenant holds at most 1000 pending webhook deliveries (TENANT_LIMITS.pendingWebhooks)', data: { limit: 'pendingWebhooks', max: 1000 } })
    expect(refused.headers['x-okra-emulator-error']).toBe('OKRA_EMU_LIMIT_REACHED')
    expect(tenant.exportState()).toStrictEqual(before)
  }, 60_000)
})
