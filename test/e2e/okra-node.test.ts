import { readFileSync } from 'node:fs'
import { Balance } from 'okra-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FixtureFile } from '../../src/core/fixture.js'
import { startTestServer, type TestServer } from '../support/server.js'

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const customerOf = new Map(fixture.accounts.map((a) => [a._id, a.customer]))
const bigCustomer = fixture.customers[0]!._id
const expectedIds = fixture.balances.filter((b) => customerOf.get(b.account) === bigCustomer).map((b) => b._id).sort()

let server: TestServer
beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.close() })

/** The SDK unchanged, but for the base URL it posts to. */
function sdkBalance (base: string): InstanceType<typeof Balance> {
  const balance = new Balance('sk_test_sdk', 'sandbox')
  balance.apiBaseUrl = `${server.url}${base}`
  return balance
}

describe.each(['/v2/', '/v2/sandbox/'])('okra-node against %s', (base) => {
  it('walks every page of a customer with nextPage(), each balance once', async () => {
    // The SDK asks for limit 1 by default: one request per balance.
    let response: any = await sdkBalance(base).get({ customer: bigCustomer })
    const seen: string[] = response.balance.map((b: { _id: string }) => b._id)
    let pages = 1
    while (typeof response.nextPage === 'function') {
      response = await response.nextPage()
      seen.push(...response.balance.map((b: { _id: string }) => b._id))
      pages++
    }
    expect(pages).toBe(25)
    expect([...seen].sort()).toStrictEqual(expectedIds)
    expect(new Set(seen).size).toBe(seen.length)
  })

  it('gets a balance by account_id and by id', async () => {
    const target = fixture.balances[7]!
    const byAccount: any = await sdkBalance(base).get({ account_id: target.account })
    expect(byAccount.balance.map((b: { _id: string }) => b._id)).toStrictEqual([target._id])
    expect(byAccount.balance[0].account._id).toBe(target.account)
    const byId: any = await sdkBalance(base).get({ id: target._id })
    expect(byId.balance.map((b: { _id: string }) => b._id)).toStrictEqual([target._id])
    expect(byId.balance[0].ledger_balance).toBe(target.ledger_balance)
  })

  it('surfaces an error status as the SDK\'s error payload', async () => {
    await expect(sdkBalance(base).get({ id: '000000000000000000000000' })).rejects.toStrictEqual({
      error_payload: { status: 'error', message: 'No balance found with id "000000000000000000000000"' },
      http_error_code: 404,
    })
  })
})
