import { describe, expect, it } from 'vitest'
import { DomainError } from '../../src/core/errors.js'
import type { FixtureFile } from '../../src/core/fixture.js'
import type { EmulatedRecord } from '../../src/core/records.js'
import { policyFromFixture, TENANT_LIMITS, type Tenant } from '../../src/core/tenant.js'
import { Tenants } from '../../src/core/tenants.js'
import { JsonDataset } from '../../src/dataset/json.js'
import { BANK, OWNER, tinyFixture } from './tiny-fixture.js'

const START = Date.parse('2026-11-02T09:00:00.000Z')
const url = (id: string): string => `http://emulator/cb?record=${id}`

function fixture (): FixtureFile {
  const file = tinyFixture([
    { id: 'b1', customer: 'c1', created: '2026-01-01T00:00:00.000Z', ledger: 100, available: 90 },
    { id: 'b2', customer: 'c2', created: '2026-01-02T00:00:00.000Z', ledger: 200 },
  ])
  // An account Okra holds no balance for.
  file.accounts.push({ _id: 'acc-empty', customer: 'c1', bank: BANK, name: 'EMPTY', nuban: '1999999999', currency: 'NGN' })
  return file
}

/** A tenant over the tiny fixture, frozen at START, records due 3 s after they start. */
function tenantOver (): Tenant {
  return new Tenants(new JsonDataset(fixture()), {
    clock: { mode: 'frozen', startMs: START },
    policy: { kind: 'delay', ms: 3000 },
    webhook: { url: 'http://hooks.invalid/a', token: 'tok', secret: null },
  }, () => 0, () => {}, new Uint8Array([1, 2, 3, 4, 5])).get('t')
}

function thrown (fn: () => unknown): DomainError {
  try { fn() } catch (error) { if (error instanceof DomainError) return error }
  throw new Error('expected a DomainError')
}

describe('tenant settings', () => {
  it('keeps its own copy of the webhook settings, and the policy beside them', () => {
    const tenant = tenantOver()
    expect(tenant.webhook).toStrictEqual({ url: 'http://hooks.invalid/a', token: 'tok', secret: null })
    const given = { url: 'http://hooks.invalid/b', token: null, secret: null }
    tenant.webhook = given
    given.url = 'http://hooks.invalid/changed'
    expect(tenant.webhook).toStrictEqual({ url: 'http://hooks.invalid/b', token: null, secret: null })
    expect(tenant.policy).toStrictEqual({ kind: 'delay', ms: 3000 })
  })

  it('reads every fixture policy kind', () => {
    expect(policyFromFixture({ kind: 'delay', after: '1m30s' })).toStrictEqual({ kind: 'delay', ms: 90_000 })
    expect(policyFromFixture({ kind: 'polls', polls: 4 })).toStrictEqual({ kind: 'polls', polls: 4 })
    expect(policyFromFixture({ kind: 'immediate' })).toStrictEqual({ kind: 'immediate' })
    expect(policyFromFixture({ kind: 'manual' })).toStrictEqual({ kind: 'manual' })
    expect(() => policyFromFixture({ kind: 'delay', after: 'soon' })).toThrow('Invalid field "after"')
  })
})

describe('tenant records', () => {
  it('starts a check beside a running refresh of the same account, and a second refresh returns the first', () => {
    const tenant = tenantOver()
    const refresh = tenant.startRecord('BALANCE', 'acc-b1', url)
    const check = tenant.startRecord('CHECK_BALANCE', 'acc-b1', url)
    expect(check).not.toBe(refresh)
    expect(check.method).toBe('CHECK_BALANCE')
    expect(tenant.startRecord('BALANCE', 'acc-b1', url)).toBe(refresh)
  })

  it('names the record, both methods and the code when polled with the wrong method', () => {
    const tenant = tenantOver()
    const record = tenant.startRecord('CHECK_BALANCE', 'acc-b1', url)
    const error = thrown(() => tenant.poll(record._id, 'BALANCE'))
    expect([error.code, error.message, error.data]).toStrictEqual([
      'OKRA_EMU_RECORD_METHOD_MISMATCH', `Record ${record._id} is a CHECK_BALANCE record, not BALANCE`, { record: record._id, method: 'BALANCE' },
    ])
  })

  it('counts no polls on a finished record, and never finishes a timed record on a poll', () => {
    const tenant = tenantOver()
    const record = tenant.startRecord('CHECK_BALANCE', 'acc-b1', url)
    expect(tenant.poll(record._id, 'CHECK_BALANCE').state).toBe('running')
    expect(record.polls).toBe(1)
    tenant.advance(3000)
    const revision = tenant.revision
    expect(tenant.poll(record._id, 'CHECK_BALANCE').state).toBe('done')
    expect(record.polls).toBe(1)
    expect(tenant.revision).toBe(revision)
  })

  it('says which move an ended record cannot make when told to complete or fail', () => {
    const tenant = tenantOver()
    const record = tenant.startRecord('CHECK_BALANCE', 'acc-b1', url)
    tenant.completeNow(record._id)
    expect(thrown(() => tenant.completeNow(record._id, { kind: 'timeout' })).message).toBe(`Record ${record._id} is done; it cannot fail`)
    expect(thrown(() => tenant.completeNow(record._id)).message).toBe(`Record ${record._id} is done; it cannot complete`)
  })

  it('answers the earliest instant a record or a webhook retry falls due', () => {
    const tenant = tenantOver()
    expect(tenant.nextDueAt()).toBeNull()
    const record = tenant.startRecord('CHECK_BALANCE', 'acc-b1', url)
    expect(tenant.nextDueAt()).toBe(START + 3000)
    tenant.webhooks.add({ id: 'w', url: 'u', token: null, event: tenant.eventOf(record, 'u'), state: 'pending', attempts: [], nextAttemptAt: START + 1000, replayOf: null, fault: null, held: false })
    expect(tenant.nextDueAt()).toBe(START + 1000)
  })

  it('refuses an account without a balance, or unknown, as not found', () => {
    const tenant = tenantOver()
    for (const account of ['acc-empty', 'acc-nobody']) {
      const error = thrown(() => tenant.startRecord('BALANCE', account, url))
      expect([error.code, error.message]).toStrictEqual(['OKRA_EMU_ACCOUNT_NOT_FOUND', `No account found with id "${account}"`])
    }
    expect(tenant.records.size).toBe(0)
  })

  it('names the account of a balance and the customer of an account, and nothing for unknown ids', () => {
    const tenant = tenantOver()
    expect([tenant.accountOfBalance('b2'), tenant.customerOf('acc-b2')]).toStrictEqual(['acc-b2', 'c2'])
    expect([tenant.accountOfBalance('nope'), tenant.customerOf('nope')]).toStrictEqual([undefined, undefined])
  })

  it('answers OKRA_EMU_SNAPSHOT_NOT_FOUND naming an unknown snapshot', () => {
    const error = thrown(() => tenantOver().restore('nope'))
    expect([error.code, error.message]).toStrictEqual(['OKRA_EMU_SNAPSHOT_NOT_FOUND', 'No snapshot named "nope"'])
  })
})

describe('a bank change and the records due before it', () => {
  it('settles the records already due first, unless the change is refused', () => {
    const tenant = tenantOver()
    const record = tenant.startRecord('CHECK_BALANCE', 'acc-b1', url)
    tenant.clock.advance(5000)
    expect(() => tenant.changeBankBalance('acc-b1', { posting: 1e300 })).toThrow('Invalid field "posting"')
    expect(record.state).toBe('running')
    expect(tenant.changeBankBalance('acc-b1', { posting: 10 })).toStrictEqual({ ledger_balance: 110, available_balance: 100 })
    expect(record.state).toBe('done')
    expect(record.result?.balance_changed).toBe(false)
  })
})

describe('records inside a balance', () => {
  it('show their progress, and as completed once the tenant no longer keeps them', () => {
    const tenant = tenantOver()
    tenant.policy = { kind: 'immediate' }
    const first = tenant.startRecord('CHECK_BALANCE', 'acc-b1', url)
    for (let i = 0; i < TENANT_LIMITS.finishedRecords; i++) tenant.startRecord('CHECK_BALANCE', 'acc-b2', url)
    tenant.policy = { kind: 'manual' }
    const running = tenant.startRecord('CHECK_BALANCE', 'acc-b1', url)
    expect(tenant.records.get(first._id)).toBeUndefined()
    expect(tenant.reader.byId('b1', false).record).toStrictEqual([
      { _id: first._id, status: { process: { running: false, completed: true } } },
      { _id: running._id, status: { process: { running: true, completed: false } } },
    ])
  })
})

describe('the webhook event of a record', () => {
  it('carries the tenant\'s env and owner and the account\'s customer and bank, or empty ids for an unknown account', () => {
    const tenant = tenantOver()
    const record = tenant.startRecord('CHECK_BALANCE', 'acc-b2', url)
    tenant.advance(3000)
    expect(tenant.eventOf(record, 'u')).toMatchObject({ env: 'test-env', owner: OWNER, customerId: 'c2', bankId: BANK, callbackURL: 'u', record: record._id, okra_emulator: { account: 'acc-b2' } })
    const stray: EmulatedRecord = { ...record, account: 'acc-nobody' }
    expect(tenant.eventOf(stray, 'u')).toMatchObject({ customerId: '', bankId: '' })
  })
})
