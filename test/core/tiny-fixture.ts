/** Hand-written fixtures for the core's unit tests: a few balances whose every field a test can predict. */
import type { AccountBehaviourFixture, BalanceFixture, BankFixture, FixtureFile } from '../../src/core/fixture.js'
import type { EmulatedRecord } from '../../src/core/records.js'
import type { SandboxCustomerInput } from '../../src/core/sandbox.js'

export const OWNER = 'o0000000000000000000000o'
export const BANK = 'b0000000000000000000000b'

/** The one bank of every tiny fixture. */
export const TEST_BANK: BankFixture = {
  _id: BANK,
  name: 'Test Bank',
  colors: { accent: '#000000', primary: '#111111', button: '#222222', icon: '#333333' },
  icon: 'https://bank.invalid/icon.png',
  logo: 'https://bank.invalid/logo.png',
  v2_icon: 'https://bank.invalid/v2_icon.png',
  v2_logo: 'https://bank.invalid/v2_logo.png',
}

export interface TinyBalance {
  /** Balance id; its account is `acc-<id>`. */
  id: string
  customer: string
  created: string
  ledger: number
  available?: number
  records?: string[]
  emulator?: AccountBehaviourFixture
}

/** One bank, the customers the balances name, one account per balance. */
export function tinyFixture (balances: readonly TinyBalance[]): FixtureFile {
  const customers = [...new Set(balances.map((b) => b.customer))]
  return {
    version: 1,
    owner: OWNER,
    env: 'test-env',
    banks: [TEST_BANK],
    customers: customers.map((id) => ({ _id: id, name: `Customer ${id}` })),
    accounts: balances.map((b, i) => ({
      _id: `acc-${b.id}`,
      customer: b.customer,
      bank: BANK,
      name: `ACCOUNT ${b.id}`,
      nuban: String(1_000_000_000 + i),
      currency: 'NGN',
      ...(b.emulator === undefined ? {} : { emulator: b.emulator }),
    })),
    balances: balances.map((b): BalanceFixture => ({
      _id: b.id,
      account: `acc-${b.id}`,
      ...(b.available === undefined ? {} : { available_balance: b.available }),
      ledger_balance: b.ledger,
      created_at: b.created,
      last_updated: b.created,
      record: b.records ?? [],
      connected: [OWNER],
      periodic: {
        available_balance: b.available === undefined ? [] : [{ _id: `pa-${b.id}`, amount: b.available, owner: OWNER, last_updated: b.created }],
        ledger_balance: [{ _id: `pl-${b.id}`, amount: b.ledger, owner: OWNER, last_updated: b.created }],
      },
    })),
  }
}

/** A bank outside the tiny fixture's catalogue, for sandbox customers. */
export const SANDBOX_BANK: BankFixture = {
  _id: 'sandbox-bank',
  name: 'Sandbox Bank',
  colors: { accent: '#000000', primary: '#000000', button: '#000000', icon: '#000000' },
  icon: 'i',
  logo: 'l',
  v2_icon: 'vi',
  v2_logo: 'vl',
}

/** A tenant's refresh of `account` begun at `createdAt`, running under a 3 s delay unless `fields` say otherwise. */
export function runningRecord (id: string, at: { account: string, balance: string, createdAt: number }, fields: Partial<EmulatedRecord> = {}): EmulatedRecord {
  return {
    _id: id,
    method: 'BALANCE',
    account: at.account,
    balance: at.balance,
    seq: 1,
    createdAt: at.createdAt,
    callbackUrl: `http://emulator/v2/callback?record=${id}`,
    policy: { kind: 'delay', ms: 3000 },
    outcome: { kind: 'success' },
    state: 'running',
    polls: 0,
    dueAt: at.createdAt + 3000,
    endedAt: null,
    result: null,
    failure: null,
    ...fields,
  }
}

/** What sandbox/customers/create is asked for: one account at SANDBOX_BANK, unless `overrides` say otherwise. */
export function sandboxInput (overrides: Partial<SandboxCustomerInput> = {}): SandboxCustomerInput {
  return {
    noOfAccount: 1,
    name: 'Ada Obi',
    bank: { fixture: SANDBOX_BANK, nuban: (serial) => `${serial}7` },
    username: 'u',
    password: 'p',
    type: 'ind',
    volume: 'medium',
    identity: 100,
    internetSpeed: 3,
    ...overrides,
  }
}
