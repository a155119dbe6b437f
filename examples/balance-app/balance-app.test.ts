// The app's tests, as its team would write them with okra-emulator/vitest: no sleeps, no polling
// loops. The emulator's clock is frozen; `settle()` runs Okra's side to the end in one call.
import { randomBytes } from 'node:crypto'
import { useOkraEmulator } from 'okra-emulator/vitest'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { startBalanceApp, type BalanceApp } from './app.js'

const okra = useOkraEmulator()
// An account of the emulator's default fixtures (README, "A walk-through with curl").
const ACCOUNT = '65e0fafe7fcd5c0300000000'
const SECRET = `whsec_${randomBytes(32).toString('base64')}`

let app: BalanceApp
beforeEach(async () => {
  await okra.admin.reset()
  app = await startBalanceApp({ okraBaseUrl: okra.okraBaseUrl, okraToken: okra.token, webhookSecret: SECRET })
})
afterEach(async () => { await app.close() })

async function call (method: 'GET' | 'POST', path: string): Promise<{ status: number, body: any }> {
  const response = await fetch(`${app.url}${path}`, { method })
  const text = await response.text()
  return { status: response.status, body: text === '' ? null : JSON.parse(text) }
}

/** What Okra holds for the account before the test moves anything. */
async function okraLedger (): Promise<number> {
  const answer = await fetch(`${okra.okraBaseUrl}balance/getByAccount`, {
    method: 'POST',
    headers: { authorization: `Bearer ${okra.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ account: ACCOUNT }),
  })
  const { data } = await answer.json() as { data: { balance: Array<{ ledger_balance: number }> } }
  return data.balance[0]!.ledger_balance
}

it('shows the bank\'s new balance once the refresh it polled completes', async () => {
  const before = await okraLedger()
  await okra.admin.addPosting(ACCOUNT, -5000)

  const started = await call('POST', `/accounts/${ACCOUNT}/refresh`)
  expect(started.status).toBe(202)
  const { record } = started.body
  expect((await call('GET', `/refreshes/${record}`)).body.status).toBe('pending')

  const report = await okra.admin.settle()
  expect(report.settled.map((r) => r.id)).toStrictEqual([record])

  expect((await call('GET', `/refreshes/${record}`)).body.status).toBe('done')
  expect((await call('GET', `/accounts/${ACCOUNT}/balance`)).body.ledger).toBe(Math.round((before - 5000) * 100) / 100)
})

it('completes a refresh nobody polled from Okra\'s signed webhook', async () => {
  await okra.admin.setWebhook(`${app.url}/webhooks/okra`, null, SECRET)
  const { record } = (await call('POST', `/accounts/${ACCOUNT}/refresh`)).body

  const report = await okra.admin.settle()
  expect((report.deliveries ?? []).map((d) => [d.event.record, d.state])).toStrictEqual([[record, 'delivered']])
  expect(app.refreshes.get(record)?.status).toBe('done')
  expect(app.balances.get(ACCOUNT)?.ledger).toBe(await okraLedger())
})

it('refuses a webhook signed with another secret, so Okra retries it', async () => {
  await okra.admin.setWebhook(`${app.url}/webhooks/okra`, null, `whsec_${randomBytes(32).toString('base64')}`)
  const { record } = (await call('POST', `/accounts/${ACCOUNT}/refresh`)).body

  // settle() runs Okra's six attempts over 170 minutes of emulator time, in one call.
  const report = await okra.admin.settle()
  expect((report.deliveries ?? []).map((d) => [d.state, d.attempts.map((a) => a.responseCode)])).toStrictEqual([['failed', [401, 401, 401, 401, 401, 401]]])
  expect(app.refreshes.get(record)?.status).toBe('pending')
})

it('handles a webhook Okra sends twice only once', async () => {
  await okra.admin.setWebhook(`${app.url}/webhooks/okra`, null, SECRET)
  await okra.admin.addFault({ action: { kind: 'duplicate' }, times: 1 })
  const { record } = (await call('POST', `/accounts/${ACCOUNT}/refresh`)).body

  await okra.admin.settle()
  const [delivery] = (await okra.admin.webhooks()).deliveries
  expect(delivery?.attempts.length).toBe(2)
  expect(app.refreshes.get(record)?.status).toBe('done')
  // Each handled webhook makes the app read the balance once: the duplicate made no second read.
  expect((await okra.admin.requests({ route: 'balance/getByAccount' })).count).toBe(1)
})

it('shows a refresh the bank timed out as failed, with Okra\'s message', async () => {
  await okra.admin.setWebhook(`${app.url}/webhooks/okra`, null, SECRET)
  const { record } = (await call('POST', `/accounts/${ACCOUNT}/refresh`)).body
  await okra.admin.fail(record, { kind: 'timeout' })

  await okra.admin.settle()
  expect(app.refreshes.get(record)).toMatchObject({ status: 'failed' })
  expect(app.balances.has(ACCOUNT)).toBe(false)
})
