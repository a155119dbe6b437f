import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import type { FixtureFile } from '../../src/core/fixture.js'
import { cli, exited, firstLine, killCliProcesses, ROOT } from '../support/cli.js'

const dirs: string[] = []
afterEach(() => {
  killCliProcesses()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const base = JSON.parse(readFileSync(join(ROOT, 'fixtures/default.json'), 'utf8')) as FixtureFile
const account = base.accounts[0]!
const headers = { authorization: 'Bearer unbreakable', 'content-type': 'application/json' }

/** A scenario of the default fixtures' first account alone, edited. */
function scenario (edit: (file: FixtureFile) => void): FixtureFile {
  const balance = base.balances.find((b) => b.account === account._id)!
  const file: FixtureFile = {
    ...base,
    banks: base.banks.filter((b) => b._id === account.bank),
    customers: base.customers.filter((c) => c._id === account.customer),
    accounts: [structuredClone(account)],
    balances: [structuredClone(balance)],
  }
  edit(file)
  return file
}

async function call (url: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number, error?: string, body: { status: string, message: string, data?: unknown } }> {
  const answer = await request(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  const error = answer.headers['x-okra-emulator-error']
  return { status: answer.statusCode, ...(typeof error === 'string' ? { error } : {}), body: await answer.body.json() as { status: string, message: string } }
}

/** Everything the control API shows of the tenant's state. */
async function observed (url: string): Promise<unknown[]> {
  const paths = ['/__admin/clock', '/__admin/records', '/__admin/webhooks', '/__admin/faults', '/__admin/snapshots', '/__admin/policy', `/__admin/accounts/${account._id}`, '/__admin/tenants']
  return await Promise.all(paths.map(async (path) => (await call(url, 'GET', path)).body))
}

async function started (): Promise<{ url: string, child: ReturnType<typeof cli> }> {
  const child = cli(['--port', '0', '--clock', 'frozen', '--clock-start', '2030-01-01T00:00:00Z'])
  const url = /listening on (\S+)/.exec(await firstLine(child))![1]!
  return { url, child }
}

describe('issue 14: what once crashed the CLI or broke a tenant is refused whole, as a 400 that changes nothing', () => {
  it('refuses a bank script step past 100 years ("36501d"), and keeps serving', async () => {
    const { url, child } = await started()
    const valid = await call(url, 'POST', '/__admin/scenario', scenario(() => {}))
    expect(valid.status).toBe(200)
    const before = await observed(url)
    const refused = await call(url, 'POST', '/__admin/scenario', scenario((file) => {
      file.accounts[0]!.emulator = { bank: [{ after: '36501d', posting: 5 }] }
    }))
    expect(refused).toStrictEqual({
      status: 400,
      error: 'OKRA_EMU_INVALID_SCENARIO',
      body: { status: 'error', message: 'scenario: $.accounts[0].emulator.bank[0].after must be at most 100 years (36500d)' },
    })
    expect(await observed(url)).toStrictEqual(before)
    // Where the process once died: a check on the account, then the record settling.
    const check = await call(url, 'POST', '/v2/balance/check', { account_id: account._id })
    expect(check.status).toBe(200)
    expect((await call(url, 'POST', '/__admin/clock/advance', { by: '1h' })).status).toBe(200)
    const records = (await call(url, 'GET', '/__admin/records')).body.data as { records: Array<{ state: string }> }
    expect(records.records.map((r) => r.state)).toStrictEqual(['done'])
    expect([child.exitCode, child.signalCode]).toStrictEqual([null, null])
  })

  it('refuses a policy delay past 100 years in a scenario', async () => {
    const { url } = await started()
    const before = await observed(url)
    const refused = await call(url, 'POST', '/__admin/scenario', scenario((file) => {
      file.accounts[0]!.emulator = { policy: { kind: 'delay', after: '36501d' } }
    }))
    expect([refused.status, refused.body.message]).toStrictEqual([400, 'scenario: $.accounts[0].emulator.policy.after must be at most 100 years (36500d)'])
    expect(await observed(url)).toStrictEqual(before)
  })

  it('refuses a scenario balance of 1e308, so no posting can meet one', async () => {
    const { url } = await started()
    const before = await observed(url)
    const refused = await call(url, 'POST', '/__admin/scenario', scenario((file) => { file.balances[0]!.ledger_balance = 1e308 }))
    expect(refused).toStrictEqual({
      status: 400,
      error: 'OKRA_EMU_INVALID_SCENARIO',
      body: { status: 'error', message: 'scenario: $.balances[0].ledger_balance must be at most 90071992547409.9' },
    })
    expect(await observed(url)).toStrictEqual(before)
    const posted = await call(url, 'POST', `/__admin/accounts/${account._id}/balance`, { posting: 100 })
    expect(posted.status).toBe(200)
  })

  it('refuses a bank script whose steps add up past the bound, and a date past 9900', async () => {
    const { url } = await started()
    const before = await observed(url)
    const overflow = await call(url, 'POST', '/__admin/scenario', scenario((file) => {
      file.accounts[0]!.emulator = { bank: [{ after: '1d', posting: 90_000_000_000_000 }, { after: '2d', posting: 90_000_000_000_000 }] }
    }))
    expect([overflow.status, overflow.body.message]).toStrictEqual([400, 'scenario: $.accounts[0].emulator.bank[1] takes the bank\'s available_balance past ±90071992547409.9'])
    const late = await call(url, 'POST', '/__admin/scenario', scenario((file) => { file.balances[0]!.last_updated = '9950-01-01T00:00:00.000Z' }))
    expect([late.status, late.body.message]).toStrictEqual([400, 'scenario: $.balances[0].last_updated must be from 1970-01-01 up to (not including) 9900-01-01T00:00:00.000Z'])
    expect(await observed(url)).toStrictEqual(before)
  })

  it('refuses the same fixture at start with --fixtures: one line, exit 1, before listening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'okra-unbreakable-'))
    dirs.push(dir)
    const path = join(dir, 'far.json')
    writeFileSync(path, JSON.stringify(scenario((file) => { file.accounts[0]!.emulator = { bank: [{ after: '36501d', posting: 5 }] } })))
    const result = await exited(cli(['--port', '0', '--fixtures', path]))
    expect([result.code, result.stdout, result.stderr]).toStrictEqual([1, '', `okra-emulator: ${path}: $.accounts[0].emulator.bank[0].after must be at most 100 years (36500d)\n`])
  })
})
