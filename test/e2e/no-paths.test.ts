import { copyFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { cli, readyUrl } from '../support/cli.js'
import { scratchDbPerTest } from '../support/db.js'

const ACCOUNT = '65e0fafe7fcd5c0300000000'
const CUSTOMER = '65e0fb087fcd5c0200000000'

let dir: string
let db: string
scratchDbPerTest('paths', (folder, path) => { dir = folder; db = path })

describe('answers and where the files are', () => {
  it('never show the absolute path of --db or --fixtures: not in health, the dashboard\'s data, nor any admin answer', async () => {
    const fixtures = join(dir, 'fixtures.json')
    copyFileSync(new URL('../../fixtures/default.json', import.meta.url), fixtures)
    const url = await readyUrl(cli(['--port', '0', '--clock', 'frozen', '--db', db, '--fixtures', fixtures]))
    const texts: string[] = []
    const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<{ status: number, json: any }> => {
      const answer = await request(`${url}${path}`, {
        method,
        headers: { authorization: 'Bearer paths', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await answer.body.text()
      texts.push(`${method} ${path} ${answer.statusCode}: ${text}`)
      return { status: answer.statusCode, json: JSON.parse(text) }
    }

    const health = await call('GET', '/__admin/health')
    expect([health.status, health.json.data.persistence]).toStrictEqual([200, 'state'])
    // Changes, so that every list below has something in it, and a few refusals.
    const refresh = await call('POST', '/v2/balance/refresh', { account_id: ACCOUNT })
    expect(refresh.status).toBe(200)
    await call('POST', '/__admin/faults', { match: { route: 'balance/getByAccount' }, action: { kind: 'timeout' }, times: 1 })
    await call('POST', '/v2/balance/getByAccount', { account: ACCOUNT })
    await call('POST', '/__admin/snapshots', { name: 'before' })
    await call('POST', `/__admin/accounts/${ACCOUNT}/balance`, { posting: -100 })
    await call('POST', '/__admin/clock/advance', { by: '1h' })
    await call('PUT', '/__admin/webhooks/settings', { url: 'http://127.0.0.1:9/hook' })
    await call('POST', '/__admin/scenario', { name: 'no-such-scenario' })
    await call('POST', '/__admin/scenario', { banks: 'not a fixture' })
    await call('POST', '/__admin/snapshots/missing/restore')
    await call('POST', '/v2/balance/getByCustomer', { customer: CUSTOMER })
    for (const path of ['/__admin/health', '/__admin/tenants', '/__admin/accounts', '/__admin/clock', '/__admin/records', '/__admin/policy',
      '/__admin/webhooks', '/__admin/snapshots', '/__admin/faults', '/__admin/requests']) {
      expect((await call('GET', path)).status).toBe(200)
    }

    const all = texts.join('\n')
    // The journal and the lists above did see the requests: the check below reads real answers.
    expect(all).toContain(ACCOUNT)
    for (const path of new Set([dir, realpathSync(dir)])) expect(all).not.toContain(path)
    expect(all).not.toContain('fixtures.json')
  }, 30_000)
})
