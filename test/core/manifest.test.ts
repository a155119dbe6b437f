import { describe, expect, it } from 'vitest'
import type { Dataset } from '../../src/core/dataset.js'
import { DomainError } from '../../src/core/errors.js'
import { checkManifestState, fromManifestState, toManifestState, type ManifestState } from '../../src/core/manifest.js'
import type { BalanceOverlay } from '../../src/core/overlays.js'
import type { EmulatedRecord } from '../../src/core/records.js'
import { buildSandboxCustomer, type SandboxCustomer, type SandboxCustomerInput } from '../../src/core/sandbox.js'
import { TENANT_LIMITS, type Tenant, type TenantState } from '../../src/core/tenant.js'
import { Tenants } from '../../src/core/tenants.js'
import type { FaultRule } from '../../src/core/faults.js'
import type { WebhookDelivery, WebhookEvent } from '../../src/core/webhooks.js'
import { JsonDataset } from '../../src/dataset/json.js'
import { OWNER, runningRecord, SANDBOX_BANK, sandboxInput, tinyFixture } from './tiny-fixture.js'

const START = Date.parse('2026-11-02T09:00:00.000Z')
/** Date.UTC(9900, 0, 1), the clock's end, written out so a changed bound fails here. */
const LATEST = 250_246_627_200_000
const CLOCK_RANGE = 'must be from 0 up to 250246627200000'
/** What may be due after the clock's end: up to the longest duration (100 years) past it. */
const LATEST_DUE = LATEST + 36_500 * 86_400_000
const DUE_RANGE = `must be from 0 up to ${LATEST_DUE}`

// The first fixture balance, its account and customer have ObjectIds, so a sandbox id can clash with each.
const FB = '5f0000000000000000000b01'
const FA = '5f0000000000000000000a01'
const FC = '5f0000000000000000000c01'
const file = tinyFixture([
  { id: FB, customer: FC, created: '2026-01-01T00:00:00.000Z', ledger: 100, available: 90 },
  { id: 'b2', customer: 'c2', created: '2026-01-02T00:00:00.000Z', ledger: 200 },
])
file.accounts[0]!._id = FA
file.balances[0]!.account = FA
const fixtures = new JsonDataset(file)

const knownBank = (id: string): boolean => id === SANDBOX_BANK._id

let counter = 0
const nextId = (): string => `6a000000aaaaaaaaaa${(++counter).toString(16).padStart(6, '0')}`

/** A sandbox customer as the sandbox routes make it, with ids no other call of this file gets. */
function sandboxCustomer (overrides: Partial<SandboxCustomerInput> = {}): SandboxCustomer {
  return buildSandboxCustomer(sandboxInput(overrides), nextId, START, OWNER)
}

function state (fields: Partial<ManifestState> = {}): ManifestState {
  return {
    clock: { mode: 'frozen', now: START },
    policy: { kind: 'delay', ms: 3000 },
    webhook: { url: null, token: null, secret: null },
    ids: 0,
    seq: 0,
    overlays: {},
    records: [],
    bankEvents: {},
    webhooks: [],
    faults: [],
    sandbox: [],
    ...fields,
  }
}

/** A record of FA still running under a 3 s delay. */
function running (id: string, fields: Partial<EmulatedRecord> = {}): EmulatedRecord {
  return runningRecord(id, { account: FA, balance: FB, createdAt: START }, fields)
}

const RESULT = { balance_changed: false, last_checked: '2026-11-02T09:00:03.000Z', last_fetched: '2026-11-02T09:00:03.000Z' }
const done = (id: string, fields: Partial<EmulatedRecord> = {}): EmulatedRecord => running(id, { state: 'done', endedAt: START + 3000, result: RESULT, ...fields })
const failed = (id: string, fields: Partial<EmulatedRecord> = {}): EmulatedRecord =>
  running(id, { state: 'failed', endedAt: START + 3000, outcome: { kind: 'timeout' }, failure: { kind: 'timeout' }, ...fields })

function overlay (fields: Partial<BalanceOverlay> = {}): BalanceOverlay {
  return { ledger_balance: 100, last_updated: '2026-11-02T09:00:03.000Z', last_fetched: '2026-11-02T09:00:03.000Z', periodic: { ledger_balance: [], available_balance: [] }, records: [], ...fields }
}

/** `n` history entries as a tenant writes them: ObjectIds, ISO instants, the fixtures' owner. */
const history = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({
  _id: `6b0000000000000000${(from + i).toString(16).padStart(6, '0')}`,
  amount: 100 + i,
  owner: OWNER,
  last_updated: new Date(START + i * 1000).toISOString(),
}))
const recordIds = (n: number) => Array.from({ length: n }, (_, i) => `6c0000000000000000${i.toString(16).padStart(6, '0')}`)

function delivery (state: WebhookDelivery['state'], nextAttemptAt: number | null = state === 'pending' ? START : null): WebhookDelivery {
  return { id: 'd', url: 'http://hooks.invalid/', token: null, event: {} as WebhookEvent, state, attempts: [], nextAttemptAt, replayOf: null, fault: null, held: false }
}

const rule = (id: string): FaultRule => ({ id, match: {}, action: { kind: 'timeout' }, times: null, share: null, seed: 0, matched: 0, applied: 0, rng: 0 })

/** A tenant over the fixtures, its clock frozen at `startMs`, records due 3 s after they start. */
function tenantAt (startMs: number): Tenant {
  return new Tenants(fixtures, {
    clock: { mode: 'frozen', startMs },
    policy: { kind: 'delay', ms: 3000 },
    webhook: { url: null, token: null, secret: null },
  }, () => 0, () => {}, new Uint8Array([1, 2, 3, 4, 5])).get('t')
}

/** 'accepted', or the message of the OKRA_EMU_INVALID_FIELD the check threw (anything else is rethrown). */
function verdict (s: ManifestState, dataset: Dataset = fixtures): string {
  try {
    checkManifestState(s, dataset, knownBank)
    return 'accepted'
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'OKRA_EMU_INVALID_FIELD') throw error
    return error.message
  }
}
const refused = (path: string, problem: string): string => `Invalid field "state.${path}": ${problem}`

describe('toManifestState and fromManifestState', () => {
  const tenantState: TenantState = {
    clock: { mode: 'running', now: START + 5 },
    policy: { kind: 'polls', polls: 2 },
    webhook: { url: 'http://hooks.invalid/', token: 'tok', secret: null },
    ids: 7,
    seq: 3,
    overlays: [[FB, overlay({ ledger_balance: 1 })], ['b2', overlay({ ledger_balance: 2 })]],
    records: [done('6c0000000000000000000001')],
    bankEvents: [[FA, [{ at: START, posting: 5 }]], ['acc-b2', [{ at: START + 1, ledger_balance: 9 }]]],
    webhooks: [delivery('delivered')],
    faults: [rule('f1')],
    sandbox: [],
  }

  it('writes the overlay and bank event pairs as objects keyed by balance and by account, the rest as it is', () => {
    const manifest = toManifestState(tenantState)
    expect(manifest).toStrictEqual({
      clock: { mode: 'running', now: START + 5 },
      policy: { kind: 'polls', polls: 2 },
      webhook: { url: 'http://hooks.invalid/', token: 'tok', secret: null },
      ids: 7,
      seq: 3,
      overlays: { [FB]: overlay({ ledger_balance: 1 }), b2: overlay({ ledger_balance: 2 }) },
      records: [done('6c0000000000000000000001')],
      bankEvents: { [FA]: [{ at: START, posting: 5 }], 'acc-b2': [{ at: START + 1, ledger_balance: 9 }] },
      webhooks: [delivery('delivered')],
      faults: [rule('f1')],
      sandbox: [],
    })
    expect(Object.keys(manifest.overlays)).toStrictEqual([FB, 'b2'])
    expect(Object.keys(manifest.bankEvents)).toStrictEqual([FA, 'acc-b2'])
  })

  it('reads the objects back into the pairs, in the same order', () => {
    expect(fromManifestState(toManifestState(tenantState))).toStrictEqual(tenantState)
    expect(fromManifestState(state({ overlays: { b2: overlay() }, bankEvents: { 'acc-b2': [] } }))).toStrictEqual({
      ...state(),
      overlays: [['b2', overlay()]],
      bankEvents: [['acc-b2', []]],
    })
  })

  it('passes the state a tenant exports, sandbox customers, records, overlays, bank events and faults included, and gives it back whole', () => {
    const tenant = tenantAt(START)
    const [customer] = tenant.addSandboxCustomers([{ noOfAccount: 2, name: 'Ada', bank: { fixture: SANDBOX_BANK, nuban: (s) => `${s}7` }, username: 'u', password: 'p', type: 'ind', volume: 'low', identity: 100, internetSpeed: 4 }])
    const sandboxAccount = customer!.accounts[1]!._id
    const url = (id: string) => `http://emulator/v2/callback?record=${id}`
    tenant.startRecord('BALANCE', FA, url)
    // Its refresh settling posts to the sandbox account's bank: a bank event of a sandbox account.
    tenant.startRecord('BALANCE', sandboxAccount, url)
    tenant.changeBankBalance(FA, { posting: 10 })
    tenant.advance(3000)
    tenant.startRecord('CHECK_BALANCE', 'acc-b2', url)
    tenant.addFault({ action: { kind: 'timeout' } })
    const exported = tenant.exportState()
    const manifest = toManifestState(exported)
    expect([Object.keys(manifest.overlays), Object.keys(manifest.bankEvents)]).toStrictEqual([[FB, customer!.balances[1]!._id, 'b2'], [FA, sandboxAccount]])
    expect(manifest.records.map((r) => [r.account, r.state])).toStrictEqual([[FA, 'done'], [sandboxAccount, 'done'], ['acc-b2', 'running']])
    expect(verdict(manifest)).toBe('accepted')
    // As it travels: JSON.
    expect(verdict(JSON.parse(JSON.stringify(manifest)) as ManifestState)).toBe('accepted')
    expect(fromManifestState(manifest)).toStrictEqual(exported)
  })

  // The clock may be advanced up to LATEST_MS itself (VirtualClock.advance refuses only moving past it).
  it('passes the state of a tenant whose clock was advanced to its very end', () => {
    const tenant = tenantAt(START)
    tenant.advance(LATEST - START)
    expect(verdict(toManifestState(tenant.exportState()))).toBe('accepted')
  })

  // A record started near the clock's end is due (createdAt + delay) past LATEST_MS.
  it('passes the state of a tenant with a record started in the clock\'s last seconds', () => {
    const tenant = tenantAt(LATEST - 1000)
    tenant.startRecord('BALANCE', FA, (id) => `http://emulator/v2/callback?record=${id}`)
    expect(verdict(toManifestState(tenant.exportState()))).toBe('accepted')
  })
})

describe('checkManifestState: the clock', () => {
  it('accepts a time from 0 up to the clock\'s end', () => {
    expect([0, START, LATEST].map((now) => verdict(state({ clock: { mode: 'frozen', now } })))).toStrictEqual(['accepted', 'accepted', 'accepted'])
  })

  it('refuses a time before 0, at the clock\'s end or not a number', () => {
    for (const now of [-1, LATEST + 1, Number.NaN]) {
      expect(verdict(state({ clock: { mode: 'running', now } }))).toBe(refused('clock.now', CLOCK_RANGE))
    }
  })
})

describe('checkManifestState: sandbox customers', () => {
  it('accepts a state written before sandbox customers existed, which has none', () => {
    const { sandbox: _, ...older } = state({ records: [done('r1')] })
    expect(verdict(older as ManifestState)).toBe('accepted')
  })

  it('accepts up to the tenant\'s bound of customers and refuses one more', () => {
    const customers = Array.from({ length: TENANT_LIMITS.sandboxCustomers + 1 }, () => sandboxCustomer())
    expect(verdict(state({ sandbox: customers.slice(1) }))).toBe('accepted')
    expect(verdict(state({ sandbox: customers }))).toBe(refused('sandbox', `holds more than ${TENANT_LIMITS.sandboxCustomers} customers`))
  })

  it('accepts customers of several accounts at each internet speed', () => {
    const sandbox = ([2, 3, 4] as const).map((internetSpeed) => sandboxCustomer({ noOfAccount: 3, internetSpeed }))
    expect(sandbox.map((c) => c.accounts[2]!.emulator)).toStrictEqual(['2m', '30s', '3s'].map((after) => ({ policy: { kind: 'delay', after } })))
    expect(verdict(state({ sandbox }))).toBe('accepted')
  })

  it('refuses a customer, account or balance id that is no ObjectId', () => {
    const customer = sandboxCustomer()
    customer.customer._id = customer.customer._id.toUpperCase()
    expect(verdict(state({ sandbox: [customer] }))).toBe(refused('sandbox[0].customer._id', 'must be 24 lowercase hex digits'))
    const account = sandboxCustomer({ noOfAccount: 2 })
    account.accounts[1]!._id = `${account.accounts[1]!._id}0`
    expect(verdict(state({ sandbox: [account] }))).toBe(refused('sandbox[0].accounts[1]._id', 'must be 24 lowercase hex digits'))
    const balance = sandboxCustomer()
    balance.balances[0]!._id = `x${balance.balances[0]!._id}`
    expect(verdict(state({ sandbox: [balance] }))).toBe(refused('sandbox[0].balances[0]._id', 'must be 24 lowercase hex digits'))
  })

  it('refuses an id used twice, whether by two customers or by a customer and an account or balance', () => {
    const [first, second] = [sandboxCustomer(), sandboxCustomer()]
    const twice = structuredClone(second)
    twice.customer._id = first.customer._id
    expect(verdict(state({ sandbox: [first, twice] }))).toBe(refused('sandbox[1].customer._id', `"${first.customer._id}" is used twice`))
    const account = structuredClone(second)
    account.accounts[0]!._id = second.customer._id
    expect(verdict(state({ sandbox: [first, account] }))).toBe(refused('sandbox[1].accounts[0]._id', `"${second.customer._id}" is used twice`))
    const balance = structuredClone(second)
    balance.balances[0]!._id = first.accounts[0]!._id
    expect(verdict(state({ sandbox: [first, balance] }))).toBe(refused('sandbox[1].balances[0]._id', `"${first.accounts[0]!._id}" is used twice`))
  })

  it('refuses a customer, account or balance id that the fixtures use', () => {
    const customer = sandboxCustomer()
    customer.customer._id = FC
    expect(verdict(state({ sandbox: [customer] }))).toBe(refused('sandbox[0].customer._id', `"${FC}" is a fixture's id`))
    const account = sandboxCustomer()
    account.accounts[0]!._id = FA
    expect(verdict(state({ sandbox: [account] }))).toBe(refused('sandbox[0].accounts[0]._id', `"${FA}" is a fixture's id`))
    const balance = sandboxCustomer()
    balance.balances[0]!._id = FB
    expect(verdict(state({ sandbox: [balance] }))).toBe(refused('sandbox[0].balances[0]._id', `"${FB}" is a fixture's id`))
  })

  it('refuses a bank Okra does not list, or a bank other than the one its settings name', () => {
    const unlisted = sandboxCustomer()
    unlisted.settings.bank = 'nowhere'
    expect(verdict(state({ sandbox: [unlisted] }))).toBe(refused('sandbox[0].settings.bank', '"nowhere" is not a bank Okra lists'))
    const other = sandboxCustomer()
    other.bank = { ...SANDBOX_BANK, _id: 'other-bank' }
    expect(verdict(state({ sandbox: [sandboxCustomer(), other] }))).toBe(refused('sandbox[1].bank._id', 'must be settings.bank'))
  })

  it('refuses a created_at that is no date', () => {
    const customer = sandboxCustomer()
    customer.created_at = 'yesterday'
    expect(verdict(state({ sandbox: [customer] }))).toBe(refused('sandbox[0].created_at', 'must be a date-time'))
  })

  it('refuses accounts, balances or refresh counts that are not settings.noOfAccount', () => {
    for (const field of ['accounts', 'balances', 'refreshes'] as const) {
      const customer = sandboxCustomer({ noOfAccount: 2 })
      customer[field].pop()
      expect(verdict(state({ sandbox: [customer] }))).toBe(refused(`sandbox[0].${field}`, 'must hold settings.noOfAccount entries'))
    }
    const more = sandboxCustomer({ noOfAccount: 2 })
    more.refreshes.push(0)
    expect(verdict(state({ sandbox: [more] }))).toBe(refused('sandbox[0].refreshes', 'must hold settings.noOfAccount entries'))
  })

  it('refuses an account of another customer or another bank', () => {
    const [a, b] = [sandboxCustomer({ noOfAccount: 2 }), sandboxCustomer({ noOfAccount: 2 })]
    a.accounts[1]!.customer = b.customer._id
    expect(verdict(state({ sandbox: [a] }))).toBe(refused('sandbox[0].accounts[1].customer', 'must be the customer\'s _id'))
    b.accounts[1]!.bank = 'other-bank'
    expect(verdict(state({ sandbox: [b] }))).toBe(refused('sandbox[0].accounts[1].bank', 'must be the customer\'s bank'))
  })

  it('refuses an account whose policy is not the delay of the customer\'s internet speed', () => {
    // No emulator block, one without a policy, another kind, another delay, a delay of no length.
    const emulators = [undefined, {}, { policy: { kind: 'polls', polls: 1 } }, { policy: { kind: 'delay', after: '3s' } }, { policy: { kind: 'delay' } }] as const
    for (const emulator of emulators) {
      const customer = sandboxCustomer({ internetSpeed: 3 })
      if (emulator === undefined) delete customer.accounts[0]!.emulator
      else customer.accounts[0]!.emulator = emulator as never
      expect(verdict(state({ sandbox: [customer] }))).toBe(refused('sandbox[0].accounts[0].emulator.policy', 'must be the delay of internetSpeed 3'))
    }
    const fast = sandboxCustomer({ internetSpeed: 4 })
    fast.accounts[0]!.emulator = { policy: { kind: 'delay', after: '30s' } }
    expect(verdict(state({ sandbox: [fast] }))).toBe(refused('sandbox[0].accounts[0].emulator.policy', 'must be the delay of internetSpeed 4'))
  })

  it('refuses a balance of another of the customer\'s accounts than its place says', () => {
    const customer = sandboxCustomer({ noOfAccount: 2 })
    customer.balances[1]!.account = customer.accounts[0]!._id
    expect(verdict(state({ sandbox: [customer] }))).toBe(refused('sandbox[0].balances[1].account', 'must be accounts[1]._id'))
  })

  it('refuses a balance created_at or last_updated that is no date', () => {
    for (const field of ['created_at', 'last_updated'] as const) {
      const customer = sandboxCustomer()
      customer.balances[0]![field] = ''
      expect(verdict(state({ sandbox: [customer] }))).toBe(refused(`sandbox[0].balances[0].${field}`, 'must be a date-time'))
    }
  })

  it('reads records, overlays and bank events over the fixtures with the sandbox customers added', () => {
    const customer = sandboxCustomer()
    const account = customer.accounts[0]!._id
    const balance = customer.balances[0]!._id
    const named = { records: [done('r1', { account, balance })], overlays: { [balance]: overlay() }, bankEvents: { [account]: [{ at: START, posting: 1 }] } }
    expect(verdict(state({ sandbox: [customer], ...named }))).toBe('accepted')
    // Without the customer, each names nothing.
    expect(verdict(state({ records: named.records }))).toBe(refused('records[0].balance', `is not the balance of a fixture or sandbox account "${account}"`))
    expect(verdict(state({ overlays: named.overlays }))).toBe(refused(`overlays.${balance}`, 'is not a fixture or sandbox balance'))
    expect(verdict(state({ bankEvents: named.bankEvents }))).toBe(refused(`bankEvents.${account}`, 'is not a fixture or sandbox account with a balance'))
  })
})

describe('checkManifestState: records', () => {
  it('accepts running, done and failed records of fixture accounts', () => {
    const records = [
      running('r1'),
      running('r2', { account: 'acc-b2', balance: 'b2', policy: { kind: 'polls', polls: 2 }, dueAt: null }),
      running('r3', { policy: { kind: 'manual' }, dueAt: null }),
      running('r4', { policy: { kind: 'immediate' }, createdAt: 0, dueAt: 0 }),
      done('r5'),
      failed('r6', { outcome: { kind: 'bank_error', message: 'no' }, failure: { kind: 'bank_error', message: 'no' } }),
      done('r7', { createdAt: LATEST, endedAt: LATEST, dueAt: null, policy: { kind: 'manual' } }),
      done('r8', { createdAt: LATEST - 1, endedAt: LATEST, dueAt: LATEST_DUE }),
    ]
    expect(verdict(state({ records }))).toBe('accepted')
  })

  it('refuses a record id used twice', () => {
    expect(verdict(state({ records: [done('r1'), running('r2'), failed('r1')] }))).toBe(refused('records[2]._id', '"r1" is used twice'))
  })

  it('refuses a record whose balance is not its account\'s, or whose account is unknown', () => {
    expect(verdict(state({ records: [done('r1'), done('r2', { balance: 'b2' })] }))).toBe(refused('records[1].balance', `is not the balance of a fixture or sandbox account "${FA}"`))
    expect(verdict(state({ records: [done('r1', { account: 'acc-none' })] }))).toBe(refused('records[0].balance', 'is not the balance of a fixture or sandbox account "acc-none"'))
  })

  it('refuses a createdAt, dueAt or endedAt outside the clock\'s range', () => {
    for (const ms of [-1, LATEST + 1, Number.NaN]) {
      expect(verdict(state({ records: [done('r1', { createdAt: ms })] }))).toBe(refused('records[0].createdAt', CLOCK_RANGE))
      expect(verdict(state({ records: [done('r1', { endedAt: ms })] }))).toBe(refused('records[0].endedAt', CLOCK_RANGE))
    }
    for (const ms of [-1, LATEST_DUE + 1, Number.NaN]) {
      expect(verdict(state({ records: [done('r1', { dueAt: ms })] }))).toBe(refused('records[0].dueAt', DUE_RANGE))
    }
  })

  it('refuses a running record with an endedAt, a result or a failure', () => {
    for (const fields of [{ endedAt: START }, { result: RESULT }, { failure: { kind: 'timeout' } }] as const) {
      expect(verdict(state({ records: [running('r1', fields)] }))).toBe(refused('records[0].state', 'a running record has no endedAt, result or failure'))
    }
  })

  it('refuses a running record not due when its policy makes it due', () => {
    const wrong = [
      { dueAt: START + 2999 },
      { dueAt: START + 3001 },
      { dueAt: null },
      { policy: { kind: 'polls', polls: 1 }, dueAt: START },
      { policy: { kind: 'immediate' }, dueAt: START + 3000 },
    ] as const
    for (const fields of wrong) {
      expect(verdict(state({ records: [running('r1', fields)] }))).toBe(refused('records[0].dueAt', 'must be when its policy makes it due'))
    }
  })

  it('refuses a finished record without an end, a done one without a result or with a failure, a failed one with a result or no failure', () => {
    const wrong = [
      done('r1', { endedAt: null }),
      failed('r1', { endedAt: null }),
      done('r1', { failure: { kind: 'timeout' } }),
      done('r1', { result: null }),
      failed('r1', { failure: null }),
      failed('r1', { result: RESULT }),
      // A success is no failure.
      failed('r1', { failure: { kind: 'success' } as unknown as EmulatedRecord['failure'] }),
    ]
    for (const record of wrong) {
      expect(verdict(state({ records: [record] }))).toBe(refused('records[0].state', 'a done record has endedAt and result, a failed one endedAt and failure'))
    }
  })

  it('accepts up to the tenant\'s bound of running and of finished records, and refuses one more of either', () => {
    const { runningRecords, finishedRecords } = TENANT_LIMITS
    const runs = Array.from({ length: runningRecords + 1 }, (_, i) => running(`run-${i}`))
    const ends = Array.from({ length: finishedRecords + 1 }, (_, i) => (i % 2 === 0 ? done : failed)(`end-${i}`))
    expect(verdict(state({ records: [...runs.slice(1), ...ends.slice(1)] }))).toBe('accepted')
    expect(verdict(state({ records: [...runs, ...ends.slice(1)] }))).toBe(refused('records', `holds more than ${runningRecords} running records`))
    expect(verdict(state({ records: [...runs.slice(1), ...ends] }))).toBe(refused('records', `holds more than ${finishedRecords} finished records`))
  })
})

describe('checkManifestState: overlays', () => {
  it('accepts an overlay at the tenant\'s bounds: record ids and history entries as a tenant packs them', () => {
    const full = overlay({
      available_balance: 90,
      records: recordIds(TENANT_LIMITS.recordsPerBalance),
      periodic: { ledger_balance: history(TENANT_LIMITS.historyPerBalance), available_balance: history(TENANT_LIMITS.historyPerBalance, 100) },
    })
    expect(verdict(state({ overlays: { [FB]: full, b2: overlay() } }))).toBe('accepted')
  })

  it('refuses an overlay of no fixture balance, an account id included', () => {
    expect(verdict(state({ overlays: { [FB]: overlay(), nope: overlay() } }))).toBe(refused('overlays.nope', 'is not a fixture or sandbox balance'))
    expect(verdict(state({ overlays: { [FA]: overlay() } }))).toBe(refused(`overlays.${FA}`, 'is not a fixture or sandbox balance'))
  })

  it('refuses more record ids or history entries than a tenant keeps', () => {
    const { recordsPerBalance, historyPerBalance } = TENANT_LIMITS
    expect(verdict(state({ overlays: { b2: overlay({ records: recordIds(recordsPerBalance + 1) }) } }))).toBe(refused('overlays.b2.records', `holds more than ${recordsPerBalance}`))
    const long = { ledger_balance: history(historyPerBalance + 1), available_balance: [] }
    expect(verdict(state({ overlays: { b2: overlay({ periodic: long }) } }))).toBe(refused('overlays.b2.periodic.ledger_balance', `holds more than ${historyPerBalance}`))
    const longAvailable = { ledger_balance: history(1), available_balance: history(historyPerBalance + 1) }
    expect(verdict(state({ overlays: { b2: overlay({ periodic: longAvailable }) } }))).toBe(refused('overlays.b2.periodic.available_balance', `holds more than ${historyPerBalance}`))
  })

  it('refuses a history entry of an owner other than the fixtures\'', () => {
    const ledger = history(3)
    ledger[1]!.owner = 'someone'
    expect(verdict(state({ overlays: { b2: overlay({ periodic: { ledger_balance: ledger, available_balance: [] } }) } })))
      .toBe(refused('overlays.b2.periodic.ledger_balance[1].owner', `must be the fixtures' owner "${OWNER}"`))
    const available = history(1)
    available[0]!.owner = 'someone'
    expect(verdict(state({ overlays: { b2: overlay({ periodic: { ledger_balance: history(1), available_balance: available } }) } })))
      .toBe(refused('overlays.b2.periodic.available_balance[0].owner', `must be the fixtures' owner "${OWNER}"`))
  })

  it('refuses what cannot be packed exactly, naming the field below the overlay', () => {
    expect(verdict(state({ overlays: { [FB]: overlay({ records: ['r1'] }) } }))).toBe(refused(`overlays.${FB}.records`, 'each must be 24 lowercase hex digits'))
    const badId = history(2)
    badId[1]!._id = 'pl-1'
    expect(verdict(state({ overlays: { b2: overlay({ periodic: { ledger_balance: badId, available_balance: [] } }) } })))
      .toBe(refused('overlays.b2.periodic.ledger_balance[1]._id', 'must be 24 lowercase hex digits'))
    const badTime = history(1)
    badTime[0]!.last_updated = '2026-11-02T09:00:00Z'
    expect(verdict(state({ overlays: { b2: overlay({ periodic: { ledger_balance: [], available_balance: badTime } }) } })))
      .toBe(refused('overlays.b2.periodic.available_balance[0].last_updated', 'must be an ISO instant such as 2026-01-01T00:00:00.000Z'))
  })
})

describe('checkManifestState: bank events', () => {
  it('accepts events in time order, equal times included, up to twice the tenant\'s bound per account', () => {
    const max = 2 * TENANT_LIMITS.bankEventsPerAccount
    const events = Array.from({ length: max }, (_, i) => ({ at: Math.floor(i / 2), posting: 1 }))
    expect(verdict(state({ bankEvents: { [FA]: events, 'acc-b2': [{ at: LATEST, ledger_balance: 5, available_balance: 4 }] } }))).toBe('accepted')
    expect(verdict(state({ bankEvents: { [FA]: [...events, { at: max, posting: 1 }] } }))).toBe(refused(`bankEvents.${FA}`, `holds more than ${max}`))
  })

  it('refuses events of an unknown account, a balance id included', () => {
    expect(verdict(state({ bankEvents: { [FA]: [], 'acc-none': [] } }))).toBe(refused('bankEvents.acc-none', 'is not a fixture or sandbox account with a balance'))
    expect(verdict(state({ bankEvents: { [FB]: [] } }))).toBe(refused(`bankEvents.${FB}`, 'is not a fixture or sandbox account with a balance'))
  })

  it('refuses an event outside the clock\'s range or before the one above it', () => {
    const problem = 'must be a time in order, none before the one above'
    for (const at of [-1, LATEST + 1, Number.NaN]) {
      expect(verdict(state({ bankEvents: { 'acc-b2': [{ at, posting: 1 }] } }))).toBe(refused('bankEvents.acc-b2[0].at', problem))
    }
    const late = [{ at: START, posting: 1 }, { at: START + 2, posting: 1 }, { at: START + 1, posting: 1 }]
    expect(verdict(state({ bankEvents: { 'acc-b2': late } }))).toBe(refused('bankEvents.acc-b2[2].at', problem))
  })
})

describe('checkManifestState: webhooks and faults', () => {
  it('refuses a next attempt outside the clock\'s range; none (null) is fine', () => {
    expect(verdict(state({ webhooks: [delivery('pending', 0), delivery('pending', LATEST_DUE), delivery('delivered', null)] }))).toBe('accepted')
    for (const at of [-1, LATEST_DUE + 1, Number.NaN]) {
      expect(verdict(state({ webhooks: [delivery('failed'), delivery('pending', at)] }))).toBe(refused('webhooks[1].nextAttemptAt', DUE_RANGE))
    }
  })

  it('accepts up to the tenant\'s bound of pending and of settled deliveries, and refuses one more of either', () => {
    const { pendingWebhooks, settledWebhooks } = TENANT_LIMITS
    const settledStates = ['delivered', 'failed', 'dropped'] as const
    const pending = Array.from({ length: pendingWebhooks + 1 }, () => delivery('pending'))
    const settled = Array.from({ length: settledWebhooks + 1 }, (_, i) => delivery(settledStates[i % 3]!))
    expect(verdict(state({ webhooks: [...pending.slice(1), ...settled.slice(1)] }))).toBe('accepted')
    expect(verdict(state({ webhooks: [...pending, ...settled.slice(1)] }))).toBe(refused('webhooks', `holds more than ${pendingWebhooks} pending deliveries`))
    expect(verdict(state({ webhooks: [...pending.slice(1), ...settled] }))).toBe(refused('webhooks', `holds more than ${settledWebhooks} settled deliveries`))
  })

  it('accepts up to the tenant\'s bound of fault rules and refuses one more', () => {
    const rules = Array.from({ length: TENANT_LIMITS.faultRules + 1 }, (_, i) => rule(`f${i}`))
    expect(verdict(state({ faults: rules.slice(1) }))).toBe('accepted')
    expect(verdict(state({ faults: rules }))).toBe(refused('faults', `holds more than ${TENANT_LIMITS.faultRules} rules`))
  })

  it('checks each fault rule as POST /__admin/faults does, naming it: a delay past 100 years would throw where it fires', () => {
    const delay = (after: string): FaultRule => ({ ...rule('d'), action: { kind: 'delay', after } })
    expect(verdict(state({ faults: [rule('f0'), delay('36500d')] }))).toBe('accepted')
    expect(verdict(state({ faults: [rule('f0'), delay('36501d')] }))).toBe(refused('faults[1].action.after', 'must be at most 100 years (36500d)'))
    expect(verdict(state({ faults: [{ ...rule('f0'), action: { kind: 'latency', ms: 60_001 } }] }))).toBe(refused('faults[0].action.ms', 'must be at most 60000'))
    expect(verdict(state({ faults: [{ ...delay('1s'), match: { route: 'balance/check' } }] }))).toBe(refused('faults[0].match.route', 'a webhook delivery rule matches on account and customer only'))
  })
})
