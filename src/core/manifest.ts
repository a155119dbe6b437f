import { unpackable, type BalanceOverlay } from './overlays.js'
import type { BankEvent } from './bank.js'
import { LATEST_MS } from './clock.js'
import { checkFaultRule } from './faults.js'
import { MAX_DURATION_MS } from './duration.js'
import type { Dataset } from './dataset.js'
import { invalidField } from './errors.js'
import { OBJECT_ID } from './ids.js'
import { dueAtFor } from './records.js'
import { SandboxDataset, SPEED_DELAY, type SandboxCustomer } from './sandbox.js'
import { TENANT_LIMITS, type TenantState } from './tenant.js'

/**
 * A TenantState as a manifest writes it: the two lists of pairs become objects keyed by balance and
 * by account, which JSON Schema can describe (a pair is a tuple, which the Ajv draft Fastify uses cannot).
 */
export interface ManifestState extends Omit<TenantState, 'overlays' | 'bankEvents'> {
  overlays: Record<string, BalanceOverlay>
  bankEvents: Record<string, BankEvent[]>
}

export function toManifestState (state: TenantState): ManifestState {
  return { ...state, overlays: Object.fromEntries(state.overlays), bankEvents: Object.fromEntries(state.bankEvents) }
}

export function fromManifestState (state: ManifestState): TenantState {
  return { ...state, overlays: Object.entries(state.overlays), bankEvents: Object.entries(state.bankEvents) }
}

/**
 * What the schema cannot say about a manifest's state, checked whole before any of it is loaded:
 * every id it names is in `dataset`, records agree with their own state and policy, bank events are
 * in time order, and nothing holds more than a tenant may (TENANT_LIMITS). A state that loaded past
 * these would fail later, in a look-up or a timer, far from the request that brought it.
 * Throws OKRA_EMU_INVALID_FIELD naming the first problem's path.
 */
export function checkManifestState (state: ManifestState, fixtures: Dataset, knownBank: (id: string) => boolean): void {
  const at = (path: string, problem: string) => invalidField(`state.${path}`, problem)
  // The clock may stand at LATEST_MS itself, and what is due later (a record, a retry) up to a longest duration after it.
  const clockOk = (ms: number | null): boolean => ms === null || (ms >= 0 && ms <= LATEST_MS)
  const dueOk = (ms: number | null): boolean => ms === null || (ms >= 0 && ms <= LATEST_MS + MAX_DURATION_MS)
  const dueRange = `must be from 0 up to ${LATEST_MS + MAX_DURATION_MS}`
  if (!clockOk(state.clock.now)) throw at('clock.now', `must be from 0 up to ${LATEST_MS}`)
  const sandbox = state.sandbox ?? []
  checkSandbox(sandbox, fixtures, knownBank)
  // Records, overlays and bank events may name sandbox accounts: they are read over the fixtures with these added, as the tenant will.
  const dataset = sandbox.length === 0 ? fixtures : new SandboxDataset(fixtures, sandbox)
  const ids = new Set<string>()
  let running = 0
  state.records.forEach((record, i) => {
    const path = `records[${i}]`
    if (ids.has(record._id)) throw at(`${path}._id`, `"${record._id}" is used twice`)
    ids.add(record._id)
    if (dataset.accountBalance(record.account)?._id !== record.balance) throw at(`${path}.balance`, `is not the balance of a fixture or sandbox account "${record.account}"`)
    for (const field of ['createdAt', 'endedAt'] as const) if (!clockOk(record[field])) throw at(`${path}.${field}`, `must be from 0 up to ${LATEST_MS}`)
    if (!dueOk(record.dueAt)) throw at(`${path}.dueAt`, dueRange)
    if (record.state === 'running') {
      running += 1
      if (record.endedAt !== null || record.result !== null || record.failure !== null) throw at(`${path}.state`, 'a running record has no endedAt, result or failure')
      if (record.dueAt !== dueAtFor(record.policy, record.createdAt)) throw at(`${path}.dueAt`, 'must be when its policy makes it due')
    } else if (record.endedAt === null || (record.failure as { kind: string } | null)?.kind === 'success' || (record.state === 'done') !== (record.failure === null) || (record.state === 'done') !== (record.result !== null)) {
      throw at(`${path}.state`, 'a done record has endedAt and result, a failed one endedAt and failure')
    }
  })
  if (running > TENANT_LIMITS.runningRecords) throw at('records', `holds more than ${TENANT_LIMITS.runningRecords} running records`)
  if (state.records.length - running > TENANT_LIMITS.finishedRecords) throw at('records', `holds more than ${TENANT_LIMITS.finishedRecords} finished records`)
  for (const [balance, overlay] of Object.entries(state.overlays)) {
    if (dataset.balance(balance) === undefined) throw at(`overlays.${balance}`, 'is not a fixture or sandbox balance')
    if (overlay.records.length > TENANT_LIMITS.recordsPerBalance) throw at(`overlays.${balance}.records`, `holds more than ${TENANT_LIMITS.recordsPerBalance}`)
    for (const type of ['ledger_balance', 'available_balance'] as const) {
      if (overlay.periodic[type].length > TENANT_LIMITS.historyPerBalance) throw at(`overlays.${balance}.periodic.${type}`, `holds more than ${TENANT_LIMITS.historyPerBalance}`)
      // A tenant keeps history packed, with the fixtures' owner for every entry (PackedOverlay).
      const stranger = overlay.periodic[type].findIndex((entry) => entry.owner !== dataset.owner)
      if (stranger !== -1) throw at(`overlays.${balance}.periodic.${type}[${stranger}].owner`, `must be the fixtures' owner "${dataset.owner}"`)
    }
    const unfit = unpackable(overlay)
    if (unfit !== undefined) throw at(`overlays.${balance}.${unfit.field}`, unfit.problem)
  }
  for (const [account, events] of Object.entries(state.bankEvents)) {
    if (dataset.accountBalance(account) === undefined) throw at(`bankEvents.${account}`, 'is not a fixture or sandbox account with a balance')
    if (events.length > 2 * TENANT_LIMITS.bankEventsPerAccount) throw at(`bankEvents.${account}`, `holds more than ${2 * TENANT_LIMITS.bankEventsPerAccount}`)
    events.forEach((event, i) => {
      if (!clockOk(event.at) || (i > 0 && event.at < (events[i - 1] as BankEvent).at)) throw at(`bankEvents.${account}[${i}].at`, 'must be a time in order, none before the one above')
    })
  }
  state.webhooks.forEach((delivery, i) => {
    if (!dueOk(delivery.nextAttemptAt)) throw at(`webhooks[${i}].nextAttemptAt`, dueRange)
  })
  const pending = state.webhooks.filter((d) => d.state === 'pending').length
  if (pending > TENANT_LIMITS.pendingWebhooks) throw at('webhooks', `holds more than ${TENANT_LIMITS.pendingWebhooks} pending deliveries`)
  if (state.webhooks.length - pending > TENANT_LIMITS.settledWebhooks) throw at('webhooks', `holds more than ${TENANT_LIMITS.settledWebhooks} settled deliveries`)
  if (state.faults.length > TENANT_LIMITS.faultRules) throw at('faults', `holds more than ${TENANT_LIMITS.faultRules} rules`)
  // As POST /__admin/faults checks them: a delay rule's `after` is read again each time it fires.
  state.faults.forEach((rule, i) => { checkFaultRule(rule, `state.faults[${i}].`) })
}

/**
 * Sandbox customers as buildSandboxCustomer makes them: ids that are ObjectIds, used once and by no
 * fixture; every account and balance the customer's own, one balance per account; the bank one Okra
 * lists (`knownBank`, the catalogue outside the core). SandboxDataset relies on all of it.
 */
function checkSandbox (sandbox: readonly SandboxCustomer[], fixtures: Dataset, knownBank: (id: string) => boolean): void {
  const at = (path: string, problem: string) => invalidField(`state.sandbox${path}`, problem)
  if (sandbox.length > TENANT_LIMITS.sandboxCustomers) throw at('', `holds more than ${TENANT_LIMITS.sandboxCustomers} customers`)
  const ids = new Set<string>()
  const fresh = (id: string, path: string, clashes: boolean): void => {
    if (!OBJECT_ID.test(id)) throw at(path, 'must be 24 lowercase hex digits')
    if (ids.has(id)) throw at(path, `"${id}" is used twice`)
    if (clashes) throw at(path, `"${id}" is a fixture's id`)
    ids.add(id)
  }
  sandbox.forEach(({ customer, settings, created_at: createdAt, bank, accounts, balances, refreshes }, c) => {
    const path = `[${c}]`
    fresh(customer._id, `${path}.customer._id`, fixtures.positionsOfCustomer(customer._id).length > 0)
    if (!knownBank(settings.bank)) throw at(`${path}.settings.bank`, `"${settings.bank}" is not a bank Okra lists`)
    if (bank._id !== settings.bank) throw at(`${path}.bank._id`, 'must be settings.bank')
    if (Number.isNaN(Date.parse(createdAt))) throw at(`${path}.created_at`, 'must be a date-time')
    for (const [field, list] of [['accounts', accounts], ['balances', balances], ['refreshes', refreshes]] as const) {
      if (list.length !== settings.noOfAccount) throw at(`${path}.${field}`, 'must hold settings.noOfAccount entries')
    }
    accounts.forEach((account, i) => {
      fresh(account._id, `${path}.accounts[${i}]._id`, fixtures.account(account._id) !== undefined)
      if (account.customer !== customer._id) throw at(`${path}.accounts[${i}].customer`, 'must be the customer\'s _id')
      if (account.bank !== bank._id) throw at(`${path}.accounts[${i}].bank`, 'must be the customer\'s bank')
      const policy = account.emulator?.policy
      if (policy?.kind !== 'delay' || policy.after !== SPEED_DELAY[settings.internetSpeed]) throw at(`${path}.accounts[${i}].emulator.policy`, `must be the delay of internetSpeed ${settings.internetSpeed}`)
    })
    balances.forEach((balance, i) => {
      fresh(balance._id, `${path}.balances[${i}]._id`, fixtures.balance(balance._id) !== undefined)
      if (balance.account !== accounts[i]?._id) throw at(`${path}.balances[${i}].account`, `must be accounts[${i}]._id`)
      for (const field of ['created_at', 'last_updated'] as const) {
        if (Number.isNaN(Date.parse(balance[field]))) throw at(`${path}.balances[${i}].${field}`, 'must be a date-time')
      }
    })
  })
}
