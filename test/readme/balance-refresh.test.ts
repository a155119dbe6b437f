import { AdminClient } from 'okra-emulator'
import { Balance } from 'okra-node'
import { beforeEach, expect, inject, it } from 'vitest'

const url = inject('okraEmulatorUrl')
// A token per test file: files run in parallel, and each token is a sandbox of its own.
const token = `test-${import.meta.url}`
const admin = new AdminClient(url, { token })

beforeEach(async () => { await admin.reset() })

function okraBalance () {
  const balance = new Balance(token, 'sandbox')
  balance.apiBaseUrl = `${url}/v2/`
  return balance
}

it('sees a new balance after a refresh completes', async () => {
  const account = '65e0fafe7fcd5c0300000000'
  await admin.setBalance(account, { ledger_balance: 5000, available_balance: 4200 })
  // okra-node answers the envelope's data: here the record and where to poll it.
  const started = await okraBalance().refresh({ account_id: account }) as { callback_url: string }
  await admin.advance('3s')
  const done = await fetch(started.callback_url, { headers: { authorization: `Bearer ${token}` } })
  const { data } = await done.json() as { data: { balance: { ledger_balance: number }, balance_changed: boolean } }
  expect(data.balance.ledger_balance).toBe(5000)
  expect(data.balance_changed).toBe(true)
})

it('handles a bank time-out', async () => {
  await admin.addFault({ match: { route: 'balance/getByAccount' }, action: { kind: 'timeout' }, times: 1 })
  await expect(okraBalance().get({ account_id: '65e0fafe7fcd5c0300000000' })).rejects.toMatchObject({ http_error_code: 503 })
  expect((await admin.requests({ status: 503 })).count).toBe(1)
})
