/**
 * Writes docs/dashboard.png, the README's picture of the dashboard: `npx tsx test/browser/screenshot.ts`.
 * It sets up a tenant with something in every panel, the way a test run would, then photographs the
 * page. pngquant (apt-get install pngquant), when present, brings the file from ~300 KB to well under 200 KB.
 */
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http'
import { startEmulator } from '../../src/server.js'
import { launchChromium } from './browser.js'

const OUT = new URL('../../docs/dashboard.png', import.meta.url)

const receiver = createServer((_request, response) => { response.writeHead(200).end('{}') })
receiver.listen(0, '127.0.0.1')
await once(receiver, 'listening')
const address = receiver.address() as { port: number }

const emulator = await startEmulator({ clock: { mode: 'frozen', start: '2026-11-02T09:00:00Z' }, token: 'checkout-service-tests' })
const browser = await launchChromium()
try {
  const { admin, url } = emulator
  const okra = async (path: string, body: unknown, token = emulator.token) => {
    const response = await fetch(`${url}/v2/${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    return (await response.json() as { data: { record: string } }).data
  }
  const listed = await fetch(`${url}/__admin/accounts?limit=2`, { headers: { authorization: `Bearer ${emulator.token}` } })
  const [first, second] = (await listed.json() as { data: { accounts: Array<{ account: string }> } }).data.accounts.map((a) => a.account) as [string, string]
  await okra('balance/getByAccount', { account: first }, 'ledger-sync-tests')
  await admin.setWebhook(`http://127.0.0.1:${address.port}/okra/webhook`)
  await okra('balance/getByCustomer', { customer: '65e0fb087fcd5c0200000000' })
  await admin.addPosting(first, 25000)
  await okra('balance/refresh', { account_id: first })
  await admin.advance('3s')
  await okra('balance/check', { account_id: second })
  const stuck = await okra('balance/refresh', { account_id: second })
  await admin.stall(stuck.record)
  await admin.addPosting(second, 12500)
  await admin.addFault({ match: { route: 'balance/getByType' }, action: { kind: 'rate_limit' }, times: 2 })
  await admin.snapshot('ready')
  await okra('balance/getById', { id: 'no-such-balance' })

  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
  await page.goto(`${url}/__admin/ui`)
  await page.getByRole('button', { name: `Tenant ${emulator.token}` }).click()
  await page.getByRole('button', { name: `Complete record ${stuck.record}` }).waitFor()
  await page.screenshot({ path: OUT.pathname, fullPage: true, type: 'png' })
  try {
    execFileSync('pngquant', ['--force', '--skip-if-larger', '--quality', '80-100', '--output', OUT.pathname, OUT.pathname])
  } catch (error) {
    console.warn(`pngquant did not run (${(error as Error).message}); the PNG is left as Chromium wrote it`)
  }
  console.log(`wrote ${OUT.pathname}`)
} finally {
  await browser.close()
  await emulator.close()
  receiver.close()
}
