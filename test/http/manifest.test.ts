import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FixtureFile } from '../../src/core/fixture.js'
import { BANK_CATALOGUE } from '../../src/dataset/banks.js'
import { startTestServer, TEST_CLOCK_START, type TestServer } from '../support/server.js'

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
const balance = fixture.balances.find((b) => b.available_balance !== undefined)!
const account = balance.account
const slowBanks = JSON.parse(readFileSync(new URL('../../fixtures/slow-banks.json', import.meta.url), 'utf8')) as FixtureFile

let server: TestServer
beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.close() })

let count = 0
const fresh = () => `manifest-${++count}`
const put = (path: string, body: unknown, token: string) =>
  server.send('PUT', path, { token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const manifestOf = async (token: string) => {
  const answer = await server.get('/__admin/manifest', { token })
  expect(answer.status).toBe(200)
  return answer.body.data
}

/** A tenant with records, a fetched balance, a bank posting, clock moves and a fault rule that fired once. */
async function buildState (token: string): Promise<string> {
  const first = await server.post('/v2/balance/refresh', { account_id: account }, { token })
  await server.post('/__admin/clock/advance', { by: '3s' }, { token })
  await server.post(`/__admin/accounts/${account}/balance`, { posting: 1250.5 }, { token })
  await server.post('/v2/balance/refresh', { account_id: account }, { token })
  await server.post('/__admin/clock/advance', { by: '1m' }, { token })
  await server.post('/__admin/faults', { match: { route: 'balance/getByAccount' }, action: { kind: 'timeout' }, times: 2 }, { token })
  // A pure look-up changes nothing and is no call of the manifest; a faulted one counts the rule.
  expect((await server.post('/v2/balance/getByCustomer', { customer: fixture.customers[0]!._id }, { token })).status).toBe(200)
  expect((await server.post('/v2/balance/getByAccount', { account }, { token })).status).toBe(503)
  return first.body.data.record as string
}

describe('GET /__admin/manifest', () => {
  it('says what made the state: version, fixtures, options, clock, state and the calls that changed it', async () => {
    const token = fresh()
    const record = await buildState(token)
    const manifest = await manifestOf(token)
    expect(manifest.format).toBe('okra-emulator/manifest')
    expect(manifest.version).toBe(1)
    expect(manifest.emulator).toBe(version)
    const digest = createHash('sha256').update(JSON.stringify(fixture)).digest('hex')
    expect(manifest.fixtures).toStrictEqual({ digest: `sha256:${digest}`, kind: 'file', seed: 42 })
    expect(manifest.options).toMatchObject({ clock: { mode: 'frozen', start: TEST_CLOCK_START }, recordDelayMs: 3000, webhook: false, webhookSecret: false, pendingCallback: 200, tokens: 'any', adminToken: false, db: false })
    expect(manifest.clock).toStrictEqual({ now: '2026-11-02T09:01:03.000Z', mode: 'frozen' })
    expect(manifest.scenario).toBe(null)
    expect(manifest.state.clock).toStrictEqual({ mode: 'frozen', now: Date.parse('2026-11-02T09:01:03.000Z') })
    expect(manifest.state.records.map((r: { _id: string, state: string }) => [r._id, r.state])).toStrictEqual([[record, 'done'], [expect.any(String), 'done']])
    expect(manifest.state.overlays[balance._id].ledger_balance).toBe(Math.round((balance.ledger_balance + 1250.5) * 100) / 100)
    expect(manifest.state.bankEvents[account]).toStrictEqual([{ at: Date.parse('2026-11-02T09:00:03.000Z'), posting: 1250.5 }])
    expect(manifest.state.faults).toMatchObject([{ match: { route: 'balance/getByAccount' }, action: { kind: 'timeout' }, times: 2, matched: 1, applied: 1 }])
    expect(manifest.calls.dropped).toBe(0)
    expect(manifest.calls.items.map((c: { method: string, path: string, status: number, at: string }) => `${c.method} ${c.path} ${c.status} ${c.at}`)).toStrictEqual([
      'POST /v2/balance/refresh 200 2026-11-02T09:00:00.000Z',
      'POST /__admin/clock/advance 200 2026-11-02T09:00:00.000Z',
      `POST /__admin/accounts/${account}/balance 200 2026-11-02T09:00:03.000Z`,
      'POST /v2/balance/refresh 200 2026-11-02T09:00:03.000Z',
      'POST /__admin/clock/advance 200 2026-11-02T09:00:03.000Z',
      'POST /__admin/faults 200 2026-11-02T09:01:03.000Z',
      'POST /v2/balance/getByAccount 503 2026-11-02T09:01:03.000Z',
    ])
    expect(manifest.calls.items[2]).toMatchObject({ body: '{"posting":1250.5}', bodyBytes: 18 })
  })

  it('keeps the newest 500 calls and 2 KiB of each body, and counts those it let go', async () => {
    const token = fresh()
    await server.post('/__admin/reset', {}, { token })
    for (let i = 0; i < 510; i++) await server.post('/__admin/clock/advance', { by: `${i + 1}ms` }, { token })
    const { calls } = await manifestOf(token)
    expect(calls.dropped).toBe(11)
    expect(calls.items.length).toBe(500)
    expect(calls.items[0].body).toBe('{"by":"11ms"}')
    expect(calls.items[499].body).toBe('{"by":"510ms"}')

    const big = fresh()
    const rule = JSON.stringify({ action: { kind: 'error', status: 502, body: { big: 'x'.repeat(5000) } } })
    await server.post('/__admin/faults', rule, { token: big })
    const [call] = (await manifestOf(big)).calls.items
    expect([call.body, call.bodyBytes]).toStrictEqual([rule.slice(0, 2048), rule.length])
  })
})

describe('POST /__admin/manifest', () => {
  it('rebuilds the same state in another tenant, which then answers the same look-ups', async () => {
    const from = fresh()
    const record = await buildState(from)
    const manifest = await manifestOf(from)
    const to = fresh()
    // The receiving tenant had state of its own: all of it goes.
    await put('/__admin/policy', { policy: { kind: 'manual' } }, to)
    const loaded = await server.post('/__admin/manifest', manifest, { token: to })
    expect(loaded.status).toBe(200)
    expect(loaded.body.data).toMatchObject({ clock: manifest.clock, scenario: null, records: 2, faults: 1 })
    const again = await manifestOf(to)
    expect(again.state).toStrictEqual(manifest.state)
    expect(again.clock).toStrictEqual(manifest.clock)
    expect(again.calls.items.map((c: { path: string }) => c.path)).toStrictEqual(['/__admin/manifest'])

    for (const [method, path, body] of [
      ['GET', `/v2/callback?record=${record}&method=BALANCE`, undefined],
      ['POST', '/v2/balance/getByCustomer', { customer: fixture.accounts.find((a) => a._id === account)!.customer }],
      ['POST', '/v2/balance/getByAccount', { account }],
      ['POST', '/v2/balance/getByAccount', { account }],
      ['GET', '/__admin/records', undefined],
      ['GET', '/__admin/accounts?limit=100', undefined],
    ] as const) {
      const ask = (token: string) => method === 'GET' ? server.get(path, { token }) : server.post(path, body, { token })
      const [a, b] = [await ask(from), await ask(to)]
      expect([b.status, b.body]).toStrictEqual([a.status, a.body])
    }
    // Both tenants' fault rules fired their second and last time above.
    expect((await server.post('/v2/balance/getByAccount', { account }, { token: to })).status).toBe(200)
  })

  it('loads a manifest that carries its scenario whatever its fixtures digest', async () => {
    const from = fresh()
    await server.post('/__admin/scenario', { name: 'slow-banks' }, { token: from })
    await server.post('/v2/balance/refresh', { account_id: slowBanks.accounts[0]!._id }, { token: from })
    const manifest = await manifestOf(from)
    expect(manifest.scenario).toStrictEqual({ name: 'slow-banks' })
    const to = fresh()
    const loaded = await server.post('/__admin/manifest', { ...manifest, fixtures: { digest: `sha256:${'0'.repeat(64)}` } }, { token: to })
    expect(loaded.status).toBe(200)
    expect(loaded.body.data.scenario).toBe('slow-banks')
    expect((await manifestOf(to)).state).toStrictEqual(manifest.state)

    const inline = fresh()
    await server.post('/__admin/scenario', slowBanks, { token: inline })
    const carried = await manifestOf(inline)
    expect(carried.scenario).toStrictEqual(slowBanks)
    expect((await server.post('/__admin/manifest', carried, { token: fresh() })).body.data.scenario).toBe('inline')
  })

  it('refuses a bad document whole, naming the field, and changes nothing', async () => {
    const from = fresh()
    await buildState(from)
    const manifest = await manifestOf(from)
    const to = fresh()
    await put('/__admin/policy', { policy: { kind: 'polls', polls: 2 } }, to)
    const before = await manifestOf(to)
    const overlayOf = (state: any) => state.overlays[balance._id]
    expect(overlayOf(manifest.state).periodic.ledger_balance).toHaveLength(2)
    const withState = (change: (state: any) => void) => {
      const copy = structuredClone(manifest)
      change(copy.state)
      return copy
    }
    const cases: Array<[unknown, number, string]> = [
      [{ ...manifest, state: undefined }, 400, 'Missing required field "state"'],
      [{ ...manifest, format: 'other' }, 400, 'Invalid field "format": must be "okra-emulator/manifest"'],
      [withState((s) => { s.records[1].method = 'PAYMENT' }), 400, 'Invalid field "state.records.1.method": must be equal to one of the allowed values'],
      [withState((s) => { s.clock.now = -1 }), 400, 'Invalid field "state.clock.now": must be >= 0'],
      [withState((s) => { s.bankEvents.nope = [] }), 400, 'Invalid field "state.bankEvents.nope": is not a fixture or sandbox account with a balance'],
      [withState((s) => { s.records[1].account = fixture.accounts.find((a) => a._id !== account)!._id }), 400, 'Invalid field "state.records[1].balance"'],
      [withState((s) => { s.records[1].state = 'running' }), 400, 'Invalid field "state.records[1].state"'],
      [withState((s) => { s.records[1]._id = s.records[0]._id }), 400, 'Invalid field "state.records[1]._id"'],
      [withState((s) => { Object.assign(s.records[1], { state: 'failed', result: null, failure: { kind: 'success' } }) }), 400, 'Invalid field "state.records[1].state"'],
      // A tenant keeps a balance's history packed (src/core/overlays.ts): what it could not give back exactly is refused.
      [withState((s) => { overlayOf(s).periodic.ledger_balance[0].owner = 'someone else' }), 400, `Invalid field "state.overlays.${balance._id}.periodic.ledger_balance[0].owner": must be the fixtures' owner`],
      [withState((s) => { overlayOf(s).periodic.ledger_balance[1]._id = 'entry-2' }), 400, `Invalid field "state.overlays.${balance._id}.periodic.ledger_balance[1]._id": must be 24 lowercase hex digits`],
      [withState((s) => { overlayOf(s).periodic.ledger_balance[0].last_updated = '2026-01-01T00:00:00Z' }), 400, `Invalid field "state.overlays.${balance._id}.periodic.ledger_balance[0].last_updated": must be an ISO instant`],
      [withState((s) => { overlayOf(s).records.push('not-an-id') }), 400, `Invalid field "state.overlays.${balance._id}.records": each must be 24 lowercase hex digits`],
      [{ ...manifest, fixtures: { digest: `sha256:${'0'.repeat(64)}` } }, 409, 'The manifest was made over other fixtures'],
      [{ ...manifest, scenario: { name: 'no-such-scenario' } }, 400, 'No ready-made scenario named "no-such-scenario"'],
    ]
    for (const [body, status, message] of cases) {
      const answer = await server.post('/__admin/manifest', body, { token: to })
      expect([answer.status, answer.body.message]).toStrictEqual([status, expect.stringContaining(message)])
    }
    const after = await manifestOf(to)
    expect(after.state).toStrictEqual(before.state)
    expect(after.calls).toStrictEqual(before.calls)
  })

  it('carries sandbox customers: their accounts answer the same in the tenant it loads into', async () => {
    const from = fresh()
    const bank = BANK_CATALOGUE[1]!.bank._id
    const made = await server.post('/v2/sandbox/customers/create', [{ noOfAccount: 2, name: 'Ada Obi', bank, volume: 'high', internetSpeed: 4 }], { token: from })
    expect(made.status).toBe(200)
    const [customer] = made.body.data
    const sandboxAccount = customer.accounts[1]._id as string
    const refresh = await server.post('/v2/balance/refresh', { account_id: sandboxAccount }, { token: from })
    await server.post('/__admin/clock/advance', { by: '3s' }, { token: from })
    const manifest = await manifestOf(from)
    expect(manifest.state.sandbox.map((c: { customer: { _id: string }, refreshes: number[] }) => [c.customer._id, c.refreshes])).toStrictEqual([[customer._id, [0, 1]]])
    expect(Object.keys(manifest.state.overlays)).toStrictEqual([customer.accounts[1].balance])

    const to = fresh()
    expect((await server.post('/__admin/manifest', manifest, { token: to })).status).toBe(200)
    expect((await manifestOf(to)).state).toStrictEqual(manifest.state)
    for (const [method, path, body] of [
      ['GET', `/v2/callback?record=${refresh.body.data.record}&method=BALANCE`, undefined],
      ['POST', '/v2/balance/getByAccount', { account: sandboxAccount }],
      ['POST', '/v2/balance/getByCustomer', { customer: customer._id }],
      ['POST', '/v2/sandbox/customers/get', { customer: customer._id }],
      ['POST', '/v2/sandbox/customers/list', {}],
      ['GET', '/__admin/records', undefined],
    ] as const) {
      const ask = (token: string) => method === 'GET' ? server.get(path, { token }) : server.post(path, body, { token })
      const [a, b] = [await ask(from), await ask(to)]
      expect([b.status, b.body]).toStrictEqual([a.status, a.body])
    }
    // The next refresh of each goes the same way: a debit, after the credit above.
    for (const token of [from, to]) await server.post('/v2/balance/refresh', { account_id: sandboxAccount }, { token })
    for (const token of [from, to]) await server.post('/__admin/clock/advance', { by: '3s' }, { token })
    const [a, b] = [await server.post('/v2/sandbox/customers/get', { customer: customer._id }, { token: from }), await server.post('/v2/sandbox/customers/get', { customer: customer._id }, { token: to })]
    expect(b.body).toStrictEqual(a.body)
    expect(b.body.data.accounts[1].ledger_balance).toBe(customer.accounts[1].ledger_balance)
  })

  it('loads a manifest written before sandbox customers, and refuses a bad sandbox customer whole, naming the field', async () => {
    const from = fresh()
    await server.post('/v2/sandbox/customers/create', [{ noOfAccount: 1, bank: BANK_CATALOGUE[0]!.bank._id, internetSpeed: 4 }], { token: from })
    const account = (await server.post('/v2/sandbox/customers/list', {}, { token: from })).body.data.customers[0].accounts[0]._id
    await server.post('/v2/balance/refresh', { account_id: account }, { token: from })
    const manifest = await manifestOf(from)
    const plain = fresh()
    await buildState(plain)
    const older = await manifestOf(plain)
    expect(older.state.sandbox).toStrictEqual([])
    delete older.state.sandbox
    const old = fresh()
    expect((await server.post('/__admin/manifest', older, { token: old })).status).toBe(200)
    expect((await manifestOf(old)).state).toStrictEqual({ ...older.state, sandbox: [] })

    const to = fresh()
    const before = await manifestOf(to)
    const withSandbox = (change: (sandbox: any[], state: any) => void) => {
      const copy = structuredClone(manifest)
      change(copy.state.sandbox, copy.state)
      return copy
    }
    const first = fixture.accounts[0]!
    const cases: Array<[unknown, string]> = [
      [withSandbox((s) => { s[0].settings.volume = 'huge' }), 'Invalid field "state.sandbox.0.settings.volume": must be equal to one of the allowed values'],
      [withSandbox((s) => { s[0].accounts[0].nuban = '123' }), 'Invalid field "state.sandbox.0.accounts.0.nuban": '],
      [withSandbox((s) => { s.push(...Array.from({ length: 100 }, () => s[0])) }), 'Invalid field "state.sandbox": must NOT have more than 100 items'],
      [withSandbox((s) => { s[0].accounts[0]._id = 'nope' }), 'Invalid field "state.sandbox[0].accounts[0]._id": must be 24 lowercase hex digits'],
      [withSandbox((s) => { s[0].customer._id = first.customer }), `Invalid field "state.sandbox[0].customer._id": "${first.customer}" is a fixture's id`],
      [withSandbox((s) => { s[0].accounts[0]._id = first._id }), `Invalid field "state.sandbox[0].accounts[0]._id": "${first._id}" is a fixture's id`],
      [withSandbox((s) => { s[0].balances[0]._id = s[0].accounts[0]._id }), 'Invalid field "state.sandbox[0].balances[0]._id": '],
      [withSandbox((s) => { s.push(structuredClone(s[0])) }), 'Invalid field "state.sandbox[1].customer._id": '],
      [withSandbox((s) => { s[0].settings.bank = 'no-such-bank' }), 'Invalid field "state.sandbox[0].settings.bank": "no-such-bank" is not a bank Okra lists'],
      [withSandbox((s) => { s[0].bank._id = BANK_CATALOGUE[1]!.bank._id }), 'Invalid field "state.sandbox[0].bank._id": must be settings.bank'],
      [withSandbox((s) => { s[0].settings.noOfAccount = 2 }), 'Invalid field "state.sandbox[0].accounts": must hold settings.noOfAccount entries'],
      [withSandbox((s) => { s[0].accounts[0].emulator.policy = { kind: 'manual' } }), 'Invalid field "state.sandbox[0].accounts[0].emulator.policy": must be the delay of internetSpeed 4'],
      [withSandbox((s) => { s[0].balances[0].account = first._id }), 'Invalid field "state.sandbox[0].balances[0].account": must be accounts[0]._id'],
      // Without its customer, the running record names an account nobody has.
      [withSandbox((s) => { s.length = 0 }), 'Invalid field "state.records[0].balance": is not the balance of a fixture or sandbox account'],
    ]
    for (const [body, message] of cases) {
      const answer = await server.post('/__admin/manifest', body, { token: to })
      expect([answer.status, answer.body.message]).toStrictEqual([400, expect.stringContaining(message)])
    }
    const after = await manifestOf(to)
    expect(after.state).toStrictEqual(before.state)
  })

  it('round-trips through the AdminClient', async () => {
    const from = server.admin.as(fresh())
    await from.advance('90s')
    await from.addPosting(account, -20)
    const manifest = await from.manifest()
    const to = server.admin.as(fresh())
    expect((await to.loadManifest(manifest)).clock).toStrictEqual(manifest.clock)
    expect((await to.manifest()).state).toStrictEqual(manifest.state)
    await expect(to.loadManifest({ ...manifest, version: 2 as 1 })).rejects.toMatchObject({ status: 400, code: 'OKRA_EMU_INVALID_FIELD' })
  })
})
