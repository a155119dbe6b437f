import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FixtureFile } from '../../src/core/fixture.js'
import { startTestServer, type TestServer } from '../support/server.js'

/*
 * A balance's `record`, route by route, as each route's own Okra sample shows it: ids alone for
 * getByCustomer (reference Balance1), `{_id, status}` for getByAccount (Balance2) and the routes with
 * no sample, `{_id, env, owner}` for products/balances (the product page).
 */
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
// The fourth balance in created_at order: two records, in the first page of products/balances at limit 100.
const target = fixture.balances[3]!
const account = fixture.accounts.find((a) => a._id === target.account)!
const DONE = { running: false, completed: true }

let server: TestServer
beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.close() })

const find = (items: Array<{ _id: string }>) => items.find((b) => b._id === target._id) as { record: unknown } | undefined

describe('record, as each route\'s Okra sample shows it', () => {
  it('holds the fixture\'s two records, for this test to mean anything', () => {
    expect([target._id, target.record, account.customer]).toStrictEqual([
      '65e0fb167fcd5c0400000003', ['65e0fb017fcd5c0500000006', '662743fc7fcd5c0500000007'], '65e0fb087fcd5c0200000000',
    ])
  })

  it('getByCustomer: the record ids, in the key\'s usual place', async () => {
    const answer = await server.post('/v2/balance/getByCustomer', { customer: account.customer, limit: 10, includePeriodic: false })
    expect(find(answer.body.data.balance)?.record).toStrictEqual(['65e0fb017fcd5c0500000006', '662743fc7fcd5c0500000007'])
    expect(answer.text).toContain('"owner":["6361b3007fcd5c0100000000"],"record":["65e0fb017fcd5c0500000006","662743fc7fcd5c0500000007"],"connected":[')
  })

  it('getByAccount, getById and the date and type look-ups: {_id, status: {process}}', async () => {
    const expected = [{ _id: '65e0fb017fcd5c0500000006', status: { process: DONE } }, { _id: '662743fc7fcd5c0500000007', status: { process: DONE } }]
    const day = target.created_at.slice(0, 10)
    const answers = await Promise.all([
      server.post('/v2/balance/getByAccount', { account: account._id }),
      server.post('/v2/balance/getById', { id: target._id }),
      server.post('/v2/balance/getByDate', { from: day, to: day, limit: 100 }),
      server.post('/v2/balance/getByCustomerDate', { customer: account.customer, from: day, to: day, limit: 100 }),
      server.post('/v2/balance/getByType', { type: 'ledger_balance', value: target.ledger_balance, limit: 100 }),
    ])
    expect(answers.map((answer) => find(answer.body.data.balance)?.record)).toStrictEqual(Array(5).fill(expected))
  })

  it('products/balances: {_id, env, owner}', async () => {
    const answer = await server.post('/v2/products/balances', { limit: 100 })
    expect(find(answer.body.data.balances)?.record).toStrictEqual([
      { _id: '65e0fb017fcd5c0500000006', env: 'production-sandbox', owner: '6361b3007fcd5c0100000000' },
      { _id: '662743fc7fcd5c0500000007', env: 'production-sandbox', owner: '6361b3007fcd5c0100000000' },
    ])
  })

  it('shows a running refresh\'s record each route\'s way', async () => {
    const token = 'record-shapes-running'
    const started = await server.post('/v2/balance/refresh', { account_id: account._id }, { token })
    const record: string = started.body.data.record
    const [byCustomer, byAccount, listed] = await Promise.all([
      server.post('/v2/balance/getByCustomer', { customer: account.customer, limit: 10 }, { token }),
      server.post('/v2/balance/getByAccount', { account: account._id }, { token }),
      server.post('/v2/products/balances', { limit: 100 }, { token }),
    ])
    expect((find(byCustomer.body.data.balance)?.record as string[]).at(-1)).toBe(record)
    expect((find(byAccount.body.data.balance)?.record as unknown[]).at(-1)).toStrictEqual({ _id: record, status: { process: { running: true, completed: false } } })
    expect((find(listed.body.data.balances)?.record as unknown[]).at(-1)).toStrictEqual({ _id: record, env: 'production-sandbox', owner: '6361b3007fcd5c0100000000' })
  })
})
