import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { FixtureFile } from '../../src/core/fixture.js'
import { startTestServer, type TestServer } from '../support/server.js'

/** The README's recipe for each ready-made scenario, step by step. */
const load = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/${name}.json`, import.meta.url), 'utf8')) as FixtureFile

let server: TestServer
beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.close() })
beforeEach(async () => { await server.admin.reset() })

const refresh = async (account: string) => server.post('/v2/balance/refresh', { account_id: account })
const poll = (record: string) => server.get(`/v2/callback?record=${record}&method=BALANCE`)
const CHECKING = 'Balance checking...'
const DONE = 'Succesfully fetched updated balance!'

describe('ready-made scenarios, as the README describes them', () => {
  it('default: a customer with 25 balances over 3 pages', async () => {
    await server.admin.scenario({ name: 'default' })
    const page = await server.post('/v2/balance/getByCustomer', { customer: '65e0fb087fcd5c0200000000' })
    expect([page.body.data.balance.length, page.body.data.pagination.totalDocs, page.body.data.pagination.totalPages]).toStrictEqual([10, 25, 3])
  })

  it('empty: nothing to list, nothing to refresh', async () => {
    await server.admin.scenario({ name: 'empty' })
    expect((await server.post('/v2/products/balances', {})).body.data.pagination.totalDocs).toBe(0)
    expect((await refresh(load('default').accounts[0]!._id)).status).toBe(404)
  })

  it('slow-banks: the first account needs 3 polls, the others take 2 or 10 minutes', async () => {
    const file = load('slow-banks')
    await server.admin.scenario({ name: 'slow-banks' })
    const first = (await refresh(file.accounts[0]!._id)).body.data.record
    // A running record's callback answers Okra's "Balance checking..." again; a done one, the result.
    const message = async (record: string) => (await poll(record)).body.message
    expect([await message(first), await message(first), await message(first)]).toStrictEqual([CHECKING, CHECKING, DONE])
    const twoMinutes = (await refresh(file.accounts[1]!._id)).body.data.record
    const tenMinutes = (await refresh(file.accounts[3]!._id)).body.data.record
    const pending = await poll(twoMinutes)
    expect([pending.status, pending.headers['retry-after'], pending.body.message]).toStrictEqual([200, '120', CHECKING])
    expect((await poll(tenMinutes)).headers['retry-after']).toBe('600')
    await server.admin.advance('2m')
    expect([await message(twoMinutes), await message(tenMinutes)]).toStrictEqual([DONE, CHECKING])
  })

  it('failing-banks: a time-out, a bank error, then accounts that work', async () => {
    const file = load('failing-banks')
    await server.admin.scenario({ name: 'failing-banks' })
    const timedOut = await poll((await refresh(file.accounts[0]!._id)).body.data.record)
    expect([timedOut.status, timedOut.body.message]).toStrictEqual([503, 'Our data source has returned a timeout response. Please retry the request. '])
    const failed = await poll((await refresh(file.accounts[1]!._id)).body.data.record)
    expect([failed.status, failed.body.message]).toStrictEqual([400, 'The bank is unavailable at the moment'])
    expect((await poll((await refresh(file.accounts[2]!._id)).body.data.record)).status).toBe(200)
  })

  it('no-available-balance: no balance has the key, and a refresh adds none', async () => {
    const file = load('no-available-balance')
    await server.admin.scenario({ name: 'no-available-balance' })
    const all = await server.post('/v2/products/balances', { limit: 100 })
    expect(all.body.data.balances.length).toBe(file.balances.length)
    expect(all.body.data.balances.filter((b: object) => 'available_balance' in b)).toStrictEqual([])
    await server.admin.addPosting(file.accounts[0]!._id, 100)
    const record = (await refresh(file.accounts[0]!._id)).body.data.record
    await server.admin.advance('3s')
    const done = await poll(record)
    // The bank rounds to kobo, as the emulator's postings do.
    expect(done.body.data.balance.ledger_balance).toBe(Math.round((file.balances.find((b) => b.account === file.accounts[0]!._id)!.ledger_balance + 100) * 100) / 100)
    expect('available_balance' in done.body.data.balance).toBe(false)
  })
})
