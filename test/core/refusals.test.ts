import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { MAX_AMOUNT } from '../../src/core/bank.js'
import type { FixtureFile } from '../../src/core/fixture.js'
import type { Tenant } from '../../src/core/tenant.js'
import { Tenants } from '../../src/core/tenants.js'
import { JsonDataset } from '../../src/dataset/json.js'
import { FIXTURE_SCHEMA_PATH } from '../../src/dataset/load.js'

const START = Date.parse('2026-11-02T09:00:00.000Z')
const base = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const account = base.balances[0]!.account
const url = (id: string) => `http://emulator/v2/callback?record=${id}`

/** A running tenant whose real time the test sets, so a record can be due and not yet settled. */
function runningTenant (): { tenant: Tenant, real: { now: number } } {
  const real = { now: 0 }
  const tenant = new Tenants(new JsonDataset(base), {
    clock: { mode: 'running', startMs: START }, policy: { kind: 'delay', ms: 3000 }, webhook: { url: null, token: null, secret: null },
  }, () => real.now, () => {}, new Uint8Array(5)).get('t')
  return { tenant, real }
}

/** Runs `act`, which must throw `message`, and returns whether the tenant's state moved. */
function refusedUnchanged (tenant: Tenant, act: () => unknown, message: string): boolean {
  const before = tenant.exportState()
  const revision = tenant.revision
  expect(act).toThrow(message)
  return JSON.stringify(tenant.exportState()) === JSON.stringify(before) && tenant.revision === revision
}

describe('a refused call changes nothing, not even the settling of records due', () => {
  it('a posting that would take the balance out of range', () => {
    const { tenant, real } = runningTenant()
    tenant.startRecord('CHECK_BALANCE', account, url)
    real.now = 3000
    expect(refusedUnchanged(tenant, () => tenant.changeBankBalance(account, { posting: MAX_AMOUNT }), 'must keep the balance within')).toBe(true)
    expect(tenant.settleDue()).toHaveLength(1)
  })

  it('an unknown account, record or fault rule over its bound', () => {
    const { tenant, real } = runningTenant()
    const record = tenant.startRecord('CHECK_BALANCE', account, url)
    real.now = 3000
    expect(refusedUnchanged(tenant, () => tenant.startRecord('BALANCE', 'nope', url), 'No account found')).toBe(true)
    expect(refusedUnchanged(tenant, () => tenant.poll('nope', 'CHECK_BALANCE'), 'No record found')).toBe(true)
    expect(refusedUnchanged(tenant, () => tenant.poll(record._id, 'BALANCE'), 'is a CHECK_BALANCE record')).toBe(true)
    expect(refusedUnchanged(tenant, () => tenant.completeNow('nope'), 'No record found')).toBe(true)
    expect(refusedUnchanged(tenant, () => tenant.setRecordPolicy('nope', { kind: 'manual' }), 'No record found')).toBe(true)
    expect(refusedUnchanged(tenant, () => tenant.faults.add(() => tenant.newId(), { action: { kind: 'latency', ms: 1e9 } }), 'action.ms')).toBe(true)
    expect(record.state).toBe('running')
  })
})

describe('the fixture schema\'s amount bound', () => {
  it('is the bank\'s MAX_AMOUNT', () => {
    const schema = JSON.parse(readFileSync(FIXTURE_SCHEMA_PATH, 'utf8')) as { definitions: { amount: { minimum: number, maximum: number } } }
    expect([schema.definitions.amount.minimum, schema.definitions.amount.maximum]).toStrictEqual([-MAX_AMOUNT, MAX_AMOUNT])
  })
})
