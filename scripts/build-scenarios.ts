/**
 * Writes the ready-made scenarios in fixtures/ (all but default.json, which `npm run fixtures`
 * writes). Each is a small, seeded slice of generated data with the emulator behaviour its name
 * promises; run `npm run scenarios` after changing the generator and commit the result.
 */
import { writeFile } from 'node:fs/promises'
import { generateFixture, serializeFixture } from '../src/dataset/generate.js'
import type { AccountBehaviourFixture, FixtureFile } from '../src/core/fixture.js'

/** Four ordinary customers (the generator's first two are pinned to 25 and 12 accounts). */
function slice (seed: number): FixtureFile {
  const file = generateFixture({ seed, customers: 6, accountsPerCustomer: { min: 1, max: 3 }, periodicLength: 3, referenceDate: '2026-11-01T00:00:00.000Z' })
  const customers = file.customers.slice(2)
  const keep = new Set(customers.map((c) => c._id))
  const accounts = file.accounts.filter((a) => keep.has(a.customer))
  const accountIds = new Set(accounts.map((a) => a._id))
  const bankIds = new Set(accounts.map((a) => a.bank))
  return {
    ...file,
    banks: file.banks.filter((b) => bankIds.has(b._id)),
    customers,
    accounts,
    balances: file.balances.filter((b) => accountIds.has(b.account)),
  }
}

function withBehaviour (file: FixtureFile, behaviourOf: (index: number) => AccountBehaviourFixture | undefined): FixtureFile {
  return {
    ...file,
    accounts: file.accounts.map((account, index) => {
      const emulator = behaviourOf(index)
      return emulator === undefined ? account : { ...account, emulator }
    }),
  }
}

const scenarios: Record<string, FixtureFile> = {
  empty: { ...slice(101), banks: [], customers: [], accounts: [], balances: [] },
  // Okra's real two minutes, ten at every third account, and one account that needs three polls.
  'slow-banks': withBehaviour(slice(102), (i) => i === 0
    ? { policy: { kind: 'polls', polls: 3 } }
    : { policy: { kind: 'delay', after: i % 3 === 0 ? '10m' : '2m' } }),
  // The first account's bank times out, the second's answers an error, the rest work for contrast.
  'failing-banks': withBehaviour(slice(114), (i) => i === 0
    ? { policy: { kind: 'immediate' }, outcome: { kind: 'timeout' } }
    : i === 1
      ? { policy: { kind: 'immediate' }, outcome: { kind: 'bank_error', message: 'The bank is unavailable at the moment' } }
      : { policy: { kind: 'immediate' } }),
  'no-available-balance': (() => {
    const file = slice(115)
    return {
      ...file,
      balances: file.balances.map(({ available_balance: _none, periodic, ...balance }) => ({
        ...balance,
        periodic: { available_balance: [], ledger_balance: periodic.ledger_balance },
      })),
    }
  })(),
}

for (const [name, file] of Object.entries(scenarios)) {
  await writeFile(new URL(`../fixtures/${name}.json`, import.meta.url), serializeFixture(file))
  process.stdout.write(`fixtures/${name}.json: ${file.customers.length} customers, ${file.accounts.length} accounts, ${file.balances.length} balances\n`)
}
