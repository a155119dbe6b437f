/** Hand-written fixtures for the core's unit tests: a few balances whose every field a test can predict. */
import type { AccountBehaviourFixture, BalanceFixture, FixtureFile } from '../../src/core/fixture.js'

export const OWNER = 'o0000000000000000000000o'
export const BANK = 'b0000000000000000000000b'

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
    banks: [{
      _id: BANK,
      name: 'Test Bank',
      colors: { accent: '#000000', primary: '#111111', button: '#222222', icon: '#333333' },
      icon: 'https://bank.invalid/icon.png',
      logo: 'https://bank.invalid/logo.png',
      v2_icon: 'https://bank.invalid/v2_icon.png',
      v2_logo: 'https://bank.invalid/v2_logo.png',
    }],
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
