import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { JsonDataset } from '../../src/dataset/json.js'
import type { EmulatedRecord } from '../../src/core/records.js'
import { nextState } from '../../src/core/records.js'
import { TENANT_LIMITS, type Tenant } from '../../src/core/tenant.js'
import { Tenants } from '../../src/core/tenants.js'
import { subjectOf } from '../../src/http/subject.js'
import type { FixtureFile } from '../../src/core/fixture.js'

const START = Date.parse('2026-11-02T09:00:00.000Z')
const BYTES = new Uint8Array([1, 2, 3, 4, 5])
const base = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const withAvailable = base.balances.find((b) => b.available_balance !== undefined)!
const withoutAvailable = base.balances.find((b) => b.available_balance === undefined)!

/** A tenant over the default fixtures (optionally edited), frozen at START, that remembers what settled. */
function tenantOver (edit: (file: FixtureFile) => void = () => {}): { tenant: Tenant, settled: EmulatedRecord[] } {
  const file = structuredClone(base)
  edit(file)
  const settled: EmulatedRecord[] = []
  const tenants = new Tenants(new JsonDataset(file), {
    clock: { mode: 'frozen', startMs: START },
    policy: { kind: 'delay', ms: 3000 },
    webhook: { url: null, token: null, secret: null },
  }, () => 0, (_tenant, record) => settled.push(record), BYTES)
  return { tenant: tenants.get('t'), settled }
}

const url = (id: string) => `http://emulator/v2/callback?record=${id}`

describe('record state machine', () => {
  it('moves running records to done or failed and nothing else', () => {
    const record = { _id: 'r', state: 'running' } as EmulatedRecord
    expect(nextState(record, 'complete')).toBe('done')
    expect(nextState(record, 'fail')).toBe('failed')
    expect(nextState(record, 'stall')).toBe('running')
    for (const state of ['done', 'failed'] as const) {
      for (const event of ['complete', 'fail', 'stall', 'repolicy'] as const) {
        expect(() => nextState({ _id: 'r', state } as EmulatedRecord, event)).toThrow(`Record r is ${state}`)
      }
    }
  })
})

describe('record policies', () => {
  it('completes a delayed record exactly when its delay has passed', () => {
    const { tenant } = tenantOver()
    const record = tenant.startRecord('CHECK_BALANCE', withAvailable.account, url)
    expect(record.dueAt).toBe(START + 3000)
    expect(tenant.advance(2999)).toStrictEqual([])
    expect(record.state).toBe('running')
    expect(tenant.advance(1).map((r) => r._id)).toStrictEqual([record._id])
    expect(record.state).toBe('done')
    expect(record.endedAt).toBe(START + 3000)
  })

  it('settles records in due order, each at its own due time', () => {
    const { tenant, settled } = tenantOver()
    const first = tenant.startRecord('CHECK_BALANCE', withAvailable.account, url)
    tenant.setRecordPolicy(first._id, { kind: 'delay', ms: 10_000 })
    const second = tenant.startRecord('CHECK_BALANCE', withAvailable.account, url)
    tenant.advance(60_000)
    expect(settled.map((r) => r._id)).toStrictEqual([second._id, first._id])
    expect(second.result?.last_checked).toBe(new Date(START + 3000).toISOString())
    expect(first.result?.last_checked).toBe(new Date(START + 10_000).toISOString())
  })

  it('completes an immediate record before startRecord returns', () => {
    const { tenant } = tenantOver()
    tenant.policy = { kind: 'immediate' }
    expect(tenant.startRecord('BALANCE', withAvailable.account, url).state).toBe('done')
  })

  it('completes a polls record on its Nth poll', () => {
    const { tenant } = tenantOver((f) => { f.accounts.find((a) => a._id === withAvailable.account)!.emulator = { policy: { kind: 'polls', polls: 3 } } })
    const record = tenant.startRecord('BALANCE', withAvailable.account, url)
    expect(tenant.advance(3_600_000)).toStrictEqual([])
    expect([1, 2, 3].map(() => tenant.poll(record._id, 'BALANCE').state)).toStrictEqual(['running', 'running', 'done'])
    expect(record.polls).toBe(3)
  })

  it('keeps a manual record running until told', () => {
    const { tenant } = tenantOver()
    tenant.policy = { kind: 'manual' }
    const record = tenant.startRecord('CHECK_BALANCE', withAvailable.account, url)
    tenant.advance(86_400_000)
    expect(tenant.poll(record._id, 'CHECK_BALANCE').state).toBe('running')
    tenant.completeNow(record._id)
    expect(record.state).toBe('done')
    expect(() => tenant.completeNow(record._id)).toThrow(/is done; it cannot complete/)
  })

  it('stalls a delayed record when its policy becomes manual', () => {
    const { tenant } = tenantOver()
    const record = tenant.startRecord('CHECK_BALANCE', withAvailable.account, url)
    tenant.setRecordPolicy(record._id, { kind: 'manual' })
    tenant.advance(60_000)
    expect(record.state).toBe('running')
  })

  it('fails with the account\'s scripted outcome, or as told', () => {
    const { tenant } = tenantOver((f) => { f.accounts.find((a) => a._id === withAvailable.account)!.emulator = { outcome: { kind: 'timeout' } } })
    const record = tenant.startRecord('BALANCE', withAvailable.account, url)
    tenant.advance(3000)
    expect([record.state, record.failure]).toStrictEqual(['failed', { kind: 'timeout' }])
    const other = tenant.startRecord('BALANCE', withoutAvailable.account, url)
    tenant.completeNow(other._id, { kind: 'bank_error', message: 'Bank is down' })
    expect([other.state, other.failure, other.result]).toStrictEqual(['failed', { kind: 'bank_error', message: 'Bank is down' }, null])
  })

  it('answers 404-worthy errors for unknown accounts and records, and a mismatch for the wrong method', () => {
    const { tenant } = tenantOver()
    expect(() => tenant.startRecord('BALANCE', 'nope', url)).toThrow('No account found with id "nope"')
    expect(() => tenant.poll('nope', 'BALANCE')).toThrow('No record found with id "nope"')
    const record = tenant.startRecord('CHECK_BALANCE', withAvailable.account, url)
    expect(() => tenant.poll(record._id, 'BALANCE')).toThrow(`Record ${record._id} is a CHECK_BALANCE record, not BALANCE`)
  })

  it('returns the running refresh of an account instead of starting another (debounce)', () => {
    const { tenant } = tenantOver()
    const first = tenant.startRecord('BALANCE', withAvailable.account, url)
    tenant.advance(1000)
    expect(tenant.startRecord('BALANCE', withAvailable.account, url)).toBe(first)
    tenant.advance(2000)
    expect(tenant.startRecord('BALANCE', withAvailable.account, url)).not.toBe(first)
  })
})

describe('balance_changed', () => {
  type Step = ['check', boolean] | ['refresh', boolean] | ['post', number] | ['set', number]
  // Each sequence runs on a fresh tenant; a check or refresh step states the balance_changed it must report.
  const sequences: Array<[string, Step[]]> = [
    ['nothing changed', [['check', false], ['check', false]]],
    ['a posting, then checks until a refresh', [['check', false], ['post', -500], ['check', true], ['check', true], ['refresh', true], ['check', false]]],
    ['a change undone before the check', [['post', 250], ['post', -250], ['check', false]]],
    ['a refresh with nothing new', [['refresh', false], ['check', false]]],
    ['the ledger set to its own value', [['set', withAvailable.ledger_balance], ['check', false]]],
    ['the ledger set elsewhere', [['set', 1.23], ['check', true], ['refresh', true], ['check', false], ['post', 1], ['check', true]]],
  ]
  it.each(sequences)('%s', (_name, steps) => {
    const { tenant } = tenantOver()
    const account = withAvailable.account
    for (const [i, [action, value]] of steps.entries()) {
      if (action === 'post') tenant.changeBankBalance(account, { posting: value })
      else if (action === 'set') tenant.changeBankBalance(account, { ledger_balance: value })
      else {
        const record = tenant.startRecord(action === 'check' ? 'CHECK_BALANCE' : 'BALANCE', account, url)
        tenant.advance(3000)
        expect([i, record.result?.balance_changed]).toStrictEqual([i, value])
      }
      tenant.advance(60_000)
    }
  })

  it('stores what a refresh fetched, dates it, and adds it to periodic', () => {
    const { tenant } = tenantOver()
    tenant.changeBankBalance(withAvailable.account, { posting: 1000.5 })
    const record = tenant.startRecord('BALANCE', withAvailable.account, url)
    tenant.advance(3000)
    const at = new Date(START + 3000).toISOString()
    const view = tenant.reader.byId(withAvailable._id, true)
    const cents = (n: number) => Math.round(n * 100) / 100
    expect([view.ledger_balance, view.available_balance]).toStrictEqual([cents(withAvailable.ledger_balance + 1000.5), cents(withAvailable.available_balance! + 1000.5)])
    expect(view.last_updated).toBe(at)
    expect(view.periodic!.ledger_balance.length).toBe(withAvailable.periodic.ledger_balance.length + 1)
    expect(view.periodic!.ledger_balance.at(-1)).toMatchObject({ amount: view.ledger_balance, last_updated: at, owner: base.owner })
    expect(view.record.at(-1)).toStrictEqual({ _id: record._id, status: { process: { running: false, completed: true } } })
    expect(record.result).toStrictEqual({ balance_changed: true, last_checked: at, last_fetched: at })
  })

  it('reports a check\'s last_fetched as the last refresh, or the fixture\'s last update', () => {
    const { tenant } = tenantOver()
    const check = tenant.startRecord('CHECK_BALANCE', withAvailable.account, url)
    tenant.advance(3000)
    expect(check.result!.last_fetched).toBe(withAvailable.last_updated)
  })

  it('never gives an available balance to an account whose bank reports none', () => {
    const { tenant } = tenantOver()
    tenant.changeBankBalance(withoutAvailable.account, { ledger_balance: 10, available_balance: 5 })
    tenant.changeBankBalance(withoutAvailable.account, { posting: 3 })
    tenant.startRecord('BALANCE', withoutAvailable.account, url)
    tenant.advance(3000)
    const view = tenant.reader.byId(withoutAvailable._id, true)
    expect(view.ledger_balance).toBe(13)
    expect('available_balance' in view).toBe(false)
    expect(view.periodic!.available_balance).toStrictEqual(withoutAvailable.periodic.available_balance)
  })

  it('follows the bank script of the fixtures, relative to the clock start', () => {
    const { tenant } = tenantOver((f) => {
      f.accounts.find((a) => a._id === withAvailable.account)!.emulator = { bank: [{ after: '1h', posting: -100 }] }
    })
    const before = tenant.startRecord('CHECK_BALANCE', withAvailable.account, url)
    tenant.advance(3000)
    expect(before.result!.balance_changed).toBe(false)
    tenant.advance(3_600_000)
    const after = tenant.startRecord('CHECK_BALANCE', withAvailable.account, url)
    tenant.advance(3000)
    expect(after.result!.balance_changed).toBe(true)
  })

  it('leaves other tenants untouched', () => {
    const file = structuredClone(base)
    const tenants = new Tenants(new JsonDataset(file), {
      clock: { mode: 'frozen', startMs: START }, policy: { kind: 'immediate' }, webhook: { url: null, token: null, secret: null },
    }, () => 0, () => {}, BYTES)
    const a = tenants.get('a')
    const b = tenants.get('b')
    a.changeBankBalance(withAvailable.account, { posting: 5 })
    const record = a.startRecord('BALANCE', withAvailable.account, url)
    expect(b.reader.byId(withAvailable._id, false).ledger_balance).toBe(withAvailable.ledger_balance)
    expect(() => b.poll(record._id, 'BALANCE')).toThrow('No record found')
  })
})

describe('tenant state: snapshot, restore, reset, scenario', () => {
  const account = withAvailable.account

  it('restores a snapshot exactly: records, balances, bank, clock and ids', () => {
    const { tenant } = tenantOver()
    tenant.startRecord('BALANCE', account, url)
    tenant.snapshot('before')
    const saved = tenant.exportState()
    const steps = (): unknown => {
      tenant.changeBankBalance(account, { posting: 500 })
      tenant.advance(10_000)
      return [tenant.startRecord('CHECK_BALANCE', account, url)._id, tenant.exportState()]
    }
    const first = steps() as [string, unknown]
    expect(first[1]).not.toStrictEqual(saved)
    tenant.restore('before')
    expect(tenant.exportState()).toStrictEqual(saved)
    expect(tenant.records.get(first[0])).toBeUndefined()
    // Clock and id generator went back too: the same steps give the same ids and the same state.
    expect(steps()).toStrictEqual(first)
  })

  it('keeps a snapshot apart from later changes to the live state', () => {
    const { tenant } = tenantOver()
    tenant.changeBankBalance(account, { posting: 1 })
    tenant.snapshot('one')
    const saved = tenant.exportState()
    tenant.changeBankBalance(account, { posting: 2 })
    tenant.restore('one')
    tenant.changeBankBalance(account, { posting: 3 })
    tenant.restore('one')
    expect(tenant.exportState()).toStrictEqual(saved)
  })

  it('resets to a tenant nobody has used, journal and faults included, keeping named snapshots', () => {
    const { tenant } = tenantOver()
    const fresh = tenant.exportState()
    tenant.snapshot('empty')
    tenant.startRecord('BALANCE', account, url)
    tenant.advance(60_000)
    tenant.faults.add('f', { action: { kind: 'timeout' } })
    tenant.journal.add({ at: '', method: 'POST', url: '/', route: null, body: null, status: 200, account: null, customer: null, fault: null })
    tenant.reset()
    expect(tenant.exportState()).toStrictEqual(fresh)
    expect(tenant.journal.size).toBe(0)
    expect([...tenant.snapshots.keys()]).toStrictEqual(['empty'])
    expect(() => tenant.restore('missing')).toThrow('No snapshot named "missing"')
  })

  it('loads a scenario into one tenant only, and reset brings back the shared fixtures', () => {
    const file = structuredClone(base)
    const tenants = new Tenants(new JsonDataset(file), { clock: { mode: 'frozen', startMs: START }, policy: { kind: 'immediate' }, webhook: { url: null, token: null, secret: null } }, () => 0, () => {}, BYTES)
    const [a, b] = [tenants.get('a'), tenants.get('b')]
    const scenario = { ...structuredClone(base), customers: base.customers.slice(0, 1) }
    scenario.accounts = scenario.accounts.filter((x) => x.customer === scenario.customers[0]!._id)
    const kept = new Set(scenario.accounts.map((x) => x._id))
    scenario.balances = scenario.balances.filter((x) => kept.has(x.account))
    a.loadScenario(tenants.scenarioData(scenario, 'inline', new JsonDataset(scenario)))
    expect(a.dataset.stats).toStrictEqual({ customers: 1, accounts: 25, balances: 25 })
    expect(b.dataset.stats).toStrictEqual({ customers: 40, accounts: 113, balances: 113 })
    expect(a.scenario.label).toBe('inline')
    a.reset()
    expect(a.dataset.stats.balances).toBe(113)
    expect(a.scenario).toMatchObject({ label: null, scenario: null })
  })

  it('names the account and customer a request is about, from the body, a balance id or a polled record', () => {
    const { tenant } = tenantOver()
    const customer = base.accounts.find((x) => x._id === account)!.customer
    expect(subjectOf(tenant, 'balance/getByAccount', { account_id: account }, {})).toStrictEqual({ route: 'balance/getByAccount', account, customer })
    expect(subjectOf(tenant, 'balance/getById', { id: withAvailable._id }, {})).toMatchObject({ account, customer })
    const record = tenant.startRecord('BALANCE', account, url)
    expect(subjectOf(tenant, 'callback', undefined, { record: record._id })).toMatchObject({ account, customer })
    expect(subjectOf(tenant, 'balance/getByCustomer', 'not an object', {})).toStrictEqual({ route: 'balance/getByCustomer', account: undefined, customer: undefined })
  })
})

describe('a tenant\'s bounds', () => {
  const { finishedRecords, recordsPerBalance, historyPerBalance, bankEventsPerAccount } = TENANT_LIMITS

  it('keeps the newest finished records, record ids and history entries per balance, never a running record', () => {
    const { tenant } = tenantOver()
    tenant.policy = { kind: 'immediate' }
    const ids: string[] = []
    for (let i = 0; i < finishedRecords + 5; i++) ids.push(tenant.startRecord('BALANCE', withAvailable.account, url)._id)
    const check = tenant.startRecord('CHECK_BALANCE', withAvailable.account, url)
    // Six more finished than kept: the first six went.
    expect(tenant.records.size).toBe(finishedRecords)
    expect(() => tenant.records.of(ids[5]!)).toThrow(`No record found with id "${ids[5]}"`)
    expect(tenant.records.of(ids[6]!).state).toBe('done')
    expect(tenant.records.of(check._id).state).toBe('done')
    tenant.policy = { kind: 'manual' }
    const stalled = tenant.startRecord('CHECK_BALANCE', withAvailable.account, url)
    tenant.policy = { kind: 'immediate' }
    const [, stored] = tenant.exportState().overlays.find(([id]) => id === withAvailable._id)!
    expect(stored.records.length).toBe(recordsPerBalance)
    expect(stored.records.at(-1)).toBe(stalled._id)
    expect([stored.periodic.ledger_balance.length, stored.periodic.available_balance.length]).toStrictEqual([historyPerBalance, historyPerBalance])
    // A restored tenant goes on dropping from the same place, and still never a running record.
    tenant.importState(tenant.exportState())
    for (let i = 0; i < finishedRecords; i++) tenant.startRecord('BALANCE', withAvailable.account, url)
    expect(tenant.records.of(stalled._id).state).toBe('running')
    expect(tenant.records.size).toBe(finishedRecords + 1)
    expect(() => tenant.records.of(check._id)).toThrow()
  })

  it('folds old bank postings into one event, keeping the balance exact', () => {
    const { tenant } = tenantOver()
    let expected = withAvailable.ledger_balance
    for (let i = 0; i < 2 * bankEventsPerAccount + 50; i++) {
      tenant.advance(1000)
      const posting = (i % 7) - 3.25
      expected = Math.round((expected + posting) * 100) / 100
      expect(tenant.changeBankBalance(withAvailable.account, { posting }).ledger_balance).toBe(expected)
    }
    const stored = tenant.exportState().bankEvents.find(([account]) => account === withAvailable.account)![1]
    expect(stored.length).toBeLessThanOrEqual(2 * bankEventsPerAccount)
    expect(tenant.bank.balanceAt(withAvailable.account, withAvailable, tenant.clock.now()).ledger_balance).toBe(expected)
  })
})

describe('revision: every change moves it, a look-up never does', () => {
  it.each([
    ['advance', () => {}, (t: Tenant) => t.advance(1)],
    ['advance by zero', () => {}, (t: Tenant) => t.advance(0)],
    ['resume', () => {}, (t: Tenant) => t.clock.resume()],
    ['freeze', (t: Tenant) => t.clock.resume(), (t: Tenant) => t.clock.freeze()],
  ] as const)('moves by one on a clock change: %s', (_name, setup, change) => {
    const { tenant } = tenantOver()
    setup(tenant)
    const before = tenant.revision
    change(tenant)
    expect(tenant.revision).toBe(before + 1)
  })

  it('stays put for look-ups and for a freeze of a frozen clock', () => {
    const { tenant } = tenantOver()
    const record = tenant.startRecord('BALANCE', withAvailable.account, url)
    const before = tenant.revision
    tenant.clock.freeze()
    tenant.clock.now()
    tenant.exportState()
    tenant.reader.byId(withAvailable._id, true)
    tenant.reader.byCustomer(base.accounts.find((a) => a._id === withAvailable.account)!.customer, { page: 1, limit: 10 }, true)
    tenant.records.get(record._id)
    tenant.nextDueAt()
    tenant.settleDue()
    subjectOf(tenant, 'callback', {}, { record: record._id })
    expect(tenant.revision).toBe(before)
  })

  it('moves on settings, faults and the webhook log, and on a refused change never', () => {
    const { tenant } = tenantOver()
    const moves = (change: () => unknown): number => { const before = tenant.revision; change(); return tenant.revision - before }
    expect(moves(() => { tenant.policy = { kind: 'manual' } })).toBeGreaterThan(0)
    expect(moves(() => { tenant.webhook = { url: 'http://127.0.0.1:9/', token: null, secret: null } })).toBeGreaterThan(0)
    expect(moves(() => tenant.faults.add('f', { action: { kind: 'timeout' } }))).toBeGreaterThan(0)
    expect(moves(() => tenant.faults.pick({ route: 'callback', account: undefined, customer: undefined }))).toBeGreaterThan(0)
    expect(moves(() => tenant.faults.clear())).toBeGreaterThan(0)
    expect(moves(() => expect(() => tenant.changeBankBalance(withAvailable.account, { posting: Number.MAX_VALUE })).toThrow('must be within'))).toBe(0)
    expect(moves(() => expect(() => tenant.changeBankBalance('nope', { posting: 1 })).toThrow('No account found'))).toBe(0)
  })
})

describe('record ids', () => {
  const steps = (tenant: Tenant): string[] => [1, 2, 3].map(() => tenant.startRecord('CHECK_BALANCE', withAvailable.account, url)._id)
  const registry = (bytes: Uint8Array) => new Tenants(new JsonDataset(base), {
    clock: { mode: 'frozen', startMs: START }, policy: { kind: 'delay', ms: 3000 }, webhook: { url: null, token: null, secret: null },
  }, () => 0, () => {}, bytes)

  it('lay out emulator seconds, the process\'s bytes plus the tenant\'s number, then a counter', () => {
    const tenants = registry(new Uint8Array([1, 2, 3, 4, 0xff]))
    const seconds = (START / 1000).toString(16)
    expect(steps(tenants.get('a'))).toStrictEqual([`${seconds}01020304ff000001`, `${seconds}01020304ff000002`, `${seconds}01020304ff000003`])
    expect(steps(tenants.get('b'))[0]).toBe(`${seconds}0102030500000001`)
  })

  it('differ between two tenants taking the same steps, and between two processes', () => {
    const one = registry(BYTES)
    const [a, b] = [steps(one.get('a')), steps(one.get('b'))]
    const restarted = steps(registry(new Uint8Array([9, 9, 9, 9, 9])).get('a'))
    expect(new Set([...a, ...b, ...restarted]).size).toBe(9)
  })

  it('go on from the restored counter after a restart, with the new process\'s bytes', () => {
    const tenant = registry(BYTES).get('a')
    const before = steps(tenant)
    const after = registry(new Uint8Array([9, 9, 9, 9, 9])).get('a')
    after.importState(tenant.exportState())
    const next = steps(after)
    expect(next.map((id) => id.slice(18))).toStrictEqual(['000004', '000005', '000006'])
    expect(next.some((id) => before.includes(id))).toBe(false)
  })
})
