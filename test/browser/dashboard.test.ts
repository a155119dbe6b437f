import { once } from 'node:events'
import { createServer } from 'node:http'
import type { Browser, Page } from 'playwright-core'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../support/server.js'
import { launchChromium } from './browser.js'

const ACCOUNT = '65e0fafe7fcd5c0300000000'

let browser: Browser
beforeAll(async () => { browser = await launchChromium() })
afterAll(async () => { await browser?.close() })

async function open (server: TestServer, path: string): Promise<Page> {
  const page = await browser.newPage()
  // Nothing here sleeps: each wait ends as soon as the page shows what it waits for.
  page.setDefaultTimeout(10_000)
  await page.goto(`${server.url}${path}`)
  return page
}

/** Waits until the page's status line says what a control call did. */
async function said (page: Page, text: string): Promise<void> {
  await page.getByRole('status').filter({ hasText: text }).waitFor()
}

/** Polls a callback_url as an Okra client would. */
async function follow (callbackUrl: string) {
  const response = await request(callbackUrl, { headers: { authorization: 'Bearer test-token' } })
  return { status: response.statusCode, body: await response.body.json() as { status: string, message: string } }
}

describe('the dashboard', () => {
  let server: TestServer
  beforeAll(async () => { server = await startTestServer() })
  afterAll(async () => { await server?.close() })

  it('shows a refresh made over HTTP and completes it from the keyboard', async () => {
    const page = await open(server, '/')
    await page.getByText('No tenant yet').waitFor()

    const started = await server.post('/v2/balance/refresh', { account_id: ACCOUNT })
    const { record, callback_url: callbackUrl } = started.body.data as { record: string, callback_url: string }
    expect(await follow(callbackUrl)).toStrictEqual({ status: 200, body: expect.objectContaining({ message: 'Balance checking...' }) })

    // The page picks the new tenant up on its own, and the record with it.
    await page.getByRole('button', { name: 'Tenant test-token' }).waitFor()
    const complete = page.getByRole('button', { name: `Complete record ${record}` })
    await complete.focus()
    await page.keyboard.press('Enter')
    await complete.waitFor({ state: 'detached' })

    // The clock is frozen, so only the page's click can have completed it.
    const done = await follow(callbackUrl)
    expect(done.status).toBe(200)
    expect(done.body).toMatchObject({ status: 'success', message: 'Succesfully fetched updated balance!' })
    expect(await page.getByRole('status').textContent()).toBe(`Record ${record} completed`)
    await page.close()
  })

  it('posts to a bank balance and advances the clock', async () => {
    const page = await open(server, '/__admin/ui')
    await page.getByRole('button', { name: 'Tenant test-token' }).click()
    const first = async () => (await server.get('/__admin/accounts?limit=1')).body.data.accounts[0]
    const { account } = await first()
    await page.getByLabel(`Amount to post to account ${account} (negative for a debit)`).fill('-5000')
    await page.getByRole('button', { name: `Post to account ${account}` }).click()
    await said(page, `Posted -5000 to ${account}`)
    const after = await first()
    expect(after.live.ledger_balance).toBe(after.okra.ledger_balance - 5000)

    const before = (await server.get('/__admin/clock')).body.data.now as string
    await page.getByLabel('Advance by').fill('90s')
    await page.getByRole('button', { name: 'Advance', exact: true }).click()
    await said(page, 'Clock advanced by 90s')
    expect((await server.get('/__admin/clock')).body.data.now).toBe(new Date(Date.parse(before) + 90_000).toISOString())
    await page.close()
  })

  it('adds and removes a fault rule, snapshots and restores, resumes and freezes the clock', async () => {
    const page = await open(server, '/__admin/ui')
    await page.getByRole('button', { name: 'Tenant test-token' }).click()
    await page.getByLabel('Route').fill('balance/getByType')
    await page.getByLabel('Action').selectOption('latency')
    await page.getByLabel('Status or ms').fill('250')
    await page.getByLabel('Times').fill('2')
    await page.getByRole('button', { name: 'Add fault' }).click()
    await said(page, 'Fault rule added')
    const [rule] = (await server.get('/__admin/faults')).body.data.faults
    expect(rule).toMatchObject({ match: { route: 'balance/getByType' }, action: { kind: 'latency', ms: 250 }, times: 2 })
    await page.getByRole('button', { name: `Remove fault rule ${rule.id}` }).click()
    await page.getByRole('button', { name: `Remove fault rule ${rule.id}` }).waitFor({ state: 'detached' })
    expect((await server.get('/__admin/faults')).body.data.faults).toStrictEqual([])

    await page.getByLabel('Snapshot name').fill('before-debit')
    await page.getByRole('button', { name: 'Take snapshot' }).click()
    await said(page, 'Snapshot before-debit taken')
    await server.post(`/__admin/accounts/${ACCOUNT}/balance`, { ledger_balance: 1 })
    await page.getByRole('button', { name: 'Restore snapshot before-debit' }).click()
    await said(page, 'Snapshot before-debit restored')
    expect((await server.get('/__admin/snapshots')).body.data.snapshots).toStrictEqual(['before-debit'])
    const listed = (await server.get('/__admin/accounts?limit=100')).body.data.accounts.find((a: { account: string }) => a.account === ACCOUNT)
    expect(listed.live.ledger_balance).not.toBe(1)

    await page.getByRole('button', { name: 'Resume' }).click()
    await said(page, 'Clock running')
    expect((await server.get('/__admin/clock')).body.data.mode).toBe('running')
    await page.getByRole('button', { name: 'Freeze' }).click()
    await said(page, 'Clock frozen')
    expect((await server.get('/__admin/clock')).body.data.mode).toBe('frozen')
    await page.close()
  })
})

describe('the dashboard and webhooks', () => {
  const received: string[] = []
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      received.push(Buffer.concat(chunks).toString())
      response.writeHead(200).end('{}')
    })
  })
  let server: TestServer
  beforeAll(async () => {
    receiver.listen(0, '127.0.0.1')
    await once(receiver, 'listening')
    const { port } = receiver.address() as { port: number }
    server = await startTestServer({ webhook: { url: `http://127.0.0.1:${port}/hook` } })
  })
  afterAll(async () => {
    await server?.close()
    receiver.close()
  })

  it('stalls a record, fails it as a bank time-out and replays its webhook', async () => {
    const started = await server.post('/v2/balance/refresh', { account_id: ACCOUNT })
    const { record, callback_url: callbackUrl } = started.body.data as { record: string, callback_url: string }
    const page = await open(server, '/__admin/ui')
    await page.getByRole('button', { name: `Stall record ${record}` }).click()
    await page.getByRole('button', { name: `Stall record ${record}` }).waitFor({ state: 'detached' })
    expect((await server.get('/__admin/records')).body.data.records[0].policy).toStrictEqual({ kind: 'manual' })

    await page.getByRole('button', { name: `Fail record ${record} with a bank time-out` }).click()
    await said(page, `Record ${record} failed`)
    expect((await follow(callbackUrl)).status).toBe(503)
    const [delivery] = (await server.get('/__admin/webhooks')).body.data.deliveries
    expect(delivery).toMatchObject({ state: 'delivered', event: { okra_emulator: { event: 'balance.failed' }, record } })

    await page.getByRole('button', { name: `Replay webhook delivery ${delivery.id}` }).click()
    await said(page, `Delivery ${delivery.id} replayed`)
    const deliveries = (await server.get('/__admin/webhooks')).body.data.deliveries
    expect(deliveries).toHaveLength(2)
    expect(deliveries[1]).toMatchObject({ state: 'delivered', event: { record } })
    expect(received.map((body) => JSON.parse(body).okra_emulator.event)).toStrictEqual(['balance.failed', 'balance.failed'])
    await page.close()
  })
})

describe('the dashboard of an emulator with --admin-token', () => {
  let server: TestServer
  beforeAll(async () => { server = await startTestServer({ adminToken: 'sesame' }) })
  afterAll(async () => { await server?.close() })

  it('asks for the token, keeps it for the tab and sends it', async () => {
    // A refresh: only a tenant that changed something is kept, and listed.
    await server.post('/v2/balance/refresh', { account_id: ACCOUNT })
    const page = await open(server, '/__admin/ui')
    const field = page.getByLabel('Admin token')
    await field.fill('wrong')
    await page.getByRole('button', { name: 'Unlock' }).click()
    await page.getByText('That admin token was refused.').waitFor()
    await field.fill('sesame')
    await page.getByRole('button', { name: 'Unlock' }).click()
    await page.getByRole('button', { name: 'Tenant test-token' }).waitFor()
    expect(await page.evaluate('sessionStorage.getItem("okra-emulator.admin-token")')).toBe('sesame')
    expect(await field.isVisible()).toBe(false)
    await page.close()
  })
})
