import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TENANT_LIMITS } from '../../src/core/tenant.js'
import { scratchDbPerTest } from '../support/db.js'
import { startTestServer, type Answer, type TestServer } from '../support/server.js'

const ACCOUNT = '65e0fafe7fcd5c0300000000'
const CUSTOMER = '65e0fb087fcd5c0200000000'
let db: string
scratchDbPerTest('caps', (_folder, path) => { db = path })
const started: TestServer[] = []
// Registered after the scratch folder's, so it runs before that folder is removed (hooks run as a stack).
afterEach(async () => {
  // close() fails the test when an answer broke openapi.yaml, an undocumented cap status included.
  for (const server of started.splice(0)) await server.close()
})

async function serve (options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer(options)
  started.push(server)
  return server
}

const seen = (answer: Answer): [number, unknown] => [answer.status, answer.headers['x-okra-emulator-error']]

describe('every cap is a documented answer of the route that gives it', () => {
  it('409 OKRA_EMU_LIMIT_REACHED', async () => {
    const server = await serve()
    for (let i = 0; i < TENANT_LIMITS.snapshots; i++) expect((await server.post('/__admin/snapshots', { name: `s${i}` })).status).toBe(200)
    expect(seen(await server.post('/__admin/snapshots', { name: 'one-more' }))).toStrictEqual([409, 'OKRA_EMU_LIMIT_REACHED'])
    expect(server.contract.checked.get('POST /__admin/snapshots 409')).toBe(1)
  })

  it('503 OKRA_EMU_TOO_MANY_TENANTS', async () => {
    const server = await serve({ maxTenants: 1 })
    expect((await server.post('/v2/balance/refresh', { account_id: ACCOUNT }, { token: 'first' })).status).toBe(200)
    expect(seen(await server.post('/v2/balance/refresh', { account_id: ACCOUNT }, { token: 'second' }))).toStrictEqual([503, 'OKRA_EMU_TOO_MANY_TENANTS'])
    expect(server.contract.checked.get('POST /v2/balance/refresh 503')).toBe(1)
  })

  it('503 for a change a failing --db could not save', async () => {
    const server = await serve({ db })
    expect((await server.post('/__admin/clock/advance', { by: '1s' })).status).toBe(200)
    rmSync(join(db, 'tenants'), { recursive: true })
    writeFileSync(join(db, 'tenants'), '')
    expect((await server.post('/__admin/clock/advance', { by: '1s' })).status).toBe(503)
    expect(server.contract.checked.get('POST /__admin/clock/advance 503')).toBe(1)
    // The disk comes back, so that closing can save what is pending.
    rmSync(join(db, 'tenants'))
    mkdirSync(join(db, 'tenants'))
  })

  it('413 for a body over the limit, and 400 for one nested too deep', async () => {
    const server = await serve()
    expect(seen(await server.post('/v2/balance/getByCustomer', JSON.stringify({ customer: CUSTOMER, pad: 'x'.repeat(1024 * 1024) })))).toStrictEqual([413, 'OKRA_EMU_BODY_TOO_LARGE'])
    expect(seen(await server.post('/__admin/clock/freeze', '['.repeat(100)))).toStrictEqual([400, 'OKRA_EMU_INVALID_JSON'])
    expect([server.contract.checked.get('POST /v2/balance/getByCustomer 413'), server.contract.checked.get('POST /__admin/clock/freeze 400')]).toStrictEqual([1, 1])
  })
})
