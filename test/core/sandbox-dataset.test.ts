import { describe, expect, it } from 'vitest'
import type { Dataset } from '../../src/core/dataset.js'
import { buildSandboxCustomer, SandboxCustomers, SandboxDataset, VOLUME, type SandboxCustomer, type SandboxCustomerInput } from '../../src/core/sandbox.js'
import { JsonDataset } from '../../src/dataset/json.js'
import { OWNER, SANDBOX_BANK, sandboxInput, tinyFixture } from './tiny-fixture.js'

const base = new JsonDataset(tinyFixture([
  { id: 'b1', customer: 'c1', created: '2026-01-01T00:00:00.000Z', ledger: 10, available: 9 },
  { id: 'b2', customer: 'c2', created: '2026-01-03T00:00:00.000Z', ledger: 20 },
  { id: 'b3', customer: 'c1', created: '2026-01-05T00:00:00.000Z', ledger: 30, available: 30 },
]))

const input = sandboxInput

/** Ids as a tenant hands them out: a fixed middle, a counter. */
function idsFrom (start = 0): () => string {
  let counter = start
  return () => `6a000000aaaaaaaaaa${(++counter).toString(16).padStart(6, '0')}`
}

function made (day: string, overrides: Partial<SandboxCustomerInput> = {}, ids = idsFrom()): SandboxCustomer {
  return buildSandboxCustomer(input(overrides), ids, Date.parse(`2026-01-${day}T00:00:00.000Z`), OWNER)
}

/** Every position read back through every index the Dataset offers. */
function walk (dataset: Dataset) {
  return Array.from({ length: dataset.stats.balances }, (_, p) => {
    const balance = dataset.balanceAt(p)
    expect(dataset.positionOf(balance._id)).toBe(p)
    expect(dataset.balance(balance._id)).toBe(balance)
    expect(dataset.accountBalance(balance.account)).toBe(balance)
    expect(dataset.createdMsAt(p)).toBe(Date.parse(balance.created_at))
    expect(dataset.amountAt(p, 'ledger_balance')).toBe(balance.ledger_balance)
    expect(dataset.amountAt(p, 'available_balance')).toBe(balance.available_balance)
    return balance._id
  })
}

describe('buildSandboxCustomer', () => {
  it('makes a customer, its accounts and balances from fresh ids, the same for the same ids', () => {
    const customer = made('04', { noOfAccount: 2, type: 'corp', internetSpeed: 2 })
    expect(customer.customer).toStrictEqual({ _id: '6a000000aaaaaaaaaa000001', name: 'Ada Obi' })
    expect(customer.accounts.map((a) => [a._id, a.name, a.customer, a.bank, a.currency, a.emulator])).toStrictEqual([
      ['6a000000aaaaaaaaaa000002', 'ADA OBI LTD', '6a000000aaaaaaaaaa000001', 'sandbox-bank', 'NGN', { policy: { kind: 'delay', after: '2m' } }],
      ['6a000000aaaaaaaaaa000006', 'ADA OBI LTD', '6a000000aaaaaaaaaa000001', 'sandbox-bank', 'NGN', { policy: { kind: 'delay', after: '2m' } }],
    ])
    // The NUBAN is 0, eight digits from the account id's counter, and the bank's check digit.
    expect(customer.accounts.map((a) => a.nuban)).toStrictEqual([`0${String((2 * 7_654_321 + 13_579) % 1e8).padStart(8, '0')}7`, `0${String((6 * 7_654_321 + 13_579) % 1e8).padStart(8, '0')}7`])
    const [low, high] = VOLUME.medium.opening
    for (const balance of customer.balances) {
      expect(balance.ledger_balance).toBeGreaterThanOrEqual(low)
      expect(balance.ledger_balance).toBeLessThan(high)
      expect(balance.available_balance).toBe(balance.ledger_balance)
      expect(balance.periodic.ledger_balance).toStrictEqual([{ _id: expect.any(String), amount: balance.ledger_balance, owner: OWNER, last_updated: '2026-01-04T00:00:00.000Z' }])
    }
    expect(customer.balances[0]!.ledger_balance).not.toBe(customer.balances[1]!.ledger_balance)
    expect(customer.settings).toStrictEqual({ noOfAccount: 2, bank: 'sandbox-bank', username: 'u', password: 'p', type: 'corp', volume: 'medium', identity: 100, internetSpeed: 2 })
    expect(made('04', { noOfAccount: 2, type: 'corp', internetSpeed: 2 })).toStrictEqual(customer)
  })
})

describe('SandboxDataset', () => {
  it('merges added balances into the stable order, before, between and after the fixtures', () => {
    const ids = idsFrom()
    const early = made('02', {}, ids)
    const late = made('09', { noOfAccount: 2 }, ids)
    const first = made('01', {}, ids)
    const layered = new SandboxDataset(base, [early, late, first])
    expect(layered.stats).toStrictEqual({ customers: 5, accounts: 7, balances: 7 })
    expect(walk(layered)).toStrictEqual([first.balances[0]!._id, 'b1', early.balances[0]!._id, 'b2', 'b3', late.balances[0]!._id, late.balances[1]!._id])
    expect(layered.positionsOfCustomer('c1')).toStrictEqual([1, 4])
    expect(layered.positionsOfCustomer(late.customer._id)).toStrictEqual([5, 6])
    expect(layered.positionsOfCustomer('nobody')).toStrictEqual([])
    expect(layered.createdBetween(Date.parse('2026-01-02T00:00:00.000Z'), Date.parse('2026-01-06T00:00:00.000Z'))).toStrictEqual([2, 5])
    expect(layered.account(early.accounts[0]!._id)).toStrictEqual({
      fixture: early.accounts[0],
      view: { _id: early.accounts[0]!._id, bank: SANDBOX_BANK, nuban: early.accounts[0]!.nuban, name: 'ADA OBI' },
      customer: early.customer,
      behaviour: { policy: { kind: 'delay', after: '30s' } },
    })
    expect(layered.account('acc-b2')).toBe(base.account('acc-b2'))
    expect([layered.owner, layered.env]).toStrictEqual([base.owner, base.env])
    // The base is read, never changed.
    expect(walk(base)).toStrictEqual(['b1', 'b2', 'b3'])
  })

  it('breaks a tie of created_at with the base by _id', () => {
    const tie = made('03', {}, idsFrom(0x100))
    const layered = new SandboxDataset(base, [tie])
    // "6a…" sorts before "b2", so the added balance comes first at the same instant.
    expect(walk(layered)).toStrictEqual(['b1', tie.balances[0]!._id, 'b2', 'b3'])
  })
})

describe('SandboxCustomers', () => {
  it('serves the base itself until a customer is added, then a layered Dataset kept until the next change', () => {
    let changes = 0
    const customers = new SandboxCustomers(() => { changes += 1 })
    expect(customers.over(base)).toBe(base)
    const one = made('04')
    customers.add([one])
    const layered = customers.over(base)
    expect(layered).not.toBe(base)
    expect(customers.over(base)).toBe(layered)
    expect(layered.stats.balances).toBe(4)
    expect(customers.get(one.customer._id)).toBe(one)
    customers.load([])
    expect(customers.over(base)).toBe(base)
    expect(changes).toBe(2)
  })

  it('alternates a credit and a debit of the volume\'s posting, refresh by refresh', () => {
    const customers = new SandboxCustomers(() => {})
    const high = made('04', { volume: 'high' })
    customers.add([high])
    const account = high.accounts[0]!._id
    const postings = []
    for (let i = 0; i < 3; i++) {
      postings.push(customers.refreshPosting(account))
      customers.countRefresh(account)
    }
    expect(postings).toStrictEqual([1_000_000, -1_000_000, 1_000_000])
    expect(customers.refreshPosting('acc-b1')).toBeUndefined()
  })
})
