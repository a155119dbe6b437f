import type { BalanceFixture, FixtureFile } from './fixture.js'
import { BalanceReader } from './balances.js'
import { BankLedger, sameAmounts, type Amounts, type BankEvent, type BankScripts } from './bank.js'
import { CallLog } from './calls.js'
import { VirtualClock, type ClockMode } from './clock.js'
import type { Dataset } from './dataset.js'
import { parseDuration } from './duration.js'
import { DomainError } from './errors.js'
import { FaultBook, type FaultRule, type FaultRuleInput } from './faults.js'
import { TenantIds } from './ids.js'
import { RequestJournal } from './journal.js'
import { ChangeSignal } from './signal.js'
import { BalanceOverlays, type BalanceOverlay } from './overlays.js'
import { buildSandboxCustomer, SandboxCustomers, type SandboxCustomer, type SandboxCustomerInput } from './sandbox.js'
import {
  earliest, nextState, processOf, RecordBook,
  type EmulatedRecord, type RecordMethod, type RecordOutcome, type RecordPolicy, type RecordResult,
} from './records.js'
import { eventFor, WebhookLog, type WebhookDelivery } from './webhooks.js'
import type { Policy } from '../wire/index.js'

interface ClockSettings {
  mode: ClockMode
  /** Where every tenant's clock starts; fixture bank scripts count from here too. */
  startMs: number
}

export interface WebhookSettings {
  url: string | null
  token: string | null
  /** A Standard Webhooks secret (`whsec_<base64>`): deliveries are signed with it; unsigned when null. */
  secret: string | null
}

export interface TenantDefaults {
  clock: ClockSettings
  /** Policy of records on accounts whose fixture names none. */
  policy: RecordPolicy
  webhook: WebhookSettings
}

/**
 * What one tenant keeps at most, so a long run holds a constant footprint: the oldest finished
 * records (their callback then answers 404), webhook deliveries no longer pending, and the newest
 * entries of each balance's history and record list. Running records are never dropped.
 */
export const TENANT_LIMITS = {
  finishedRecords: 250,
  settledWebhooks: 250,
  recordsPerBalance: 20,
  historyPerBalance: 20,
  /** Past twice this, the oldest bank events fold into one "set" event, keeping this many after it. */
  bankEventsPerAccount: 100,
  /**
   * What a client can grow, refused past these with OKRA_EMU_LIMIT_REACHED (409): named snapshots,
   * fault rules, running records, and deliveries still pending (a new record is refused while this
   * many are, since each record that settles adds one). About 1 KB each at most, except a snapshot,
   * which holds a copy of the whole state.
   */
  snapshots: 100,
  faultRules: 1_000,
  runningRecords: 1_000,
  pendingWebhooks: 1_000,
  /** Customers made by sandbox/customers/create or generate: up to 5 accounts, at most 5.5 KB of JSON each. */
  sandboxCustomers: 100,
} as const

/** A client asked for more than TENANT_LIMITS allows; nothing is changed. */
function limitReached (limit: 'snapshots' | 'faultRules' | 'runningRecords' | 'pendingWebhooks' | 'sandboxCustomers', what: string): DomainError {
  const max = TENANT_LIMITS[limit]
  return new DomainError('OKRA_EMU_LIMIT_REACHED', `A tenant holds at most ${max} ${what} (TENANT_LIMITS.${limit})`, { limit, max })
}

/** A record that just settled, for whoever delivers its webhook. */
export type SettledListener = (tenant: Tenant, record: EmulatedRecord) => void

/** The fixtures a tenant reads: the shared ones, or a scenario loaded into it alone. */
export interface TenantData {
  dataset: Dataset
  scripts: BankScripts
  /** The scenario file as loaded, kept so the database can load it again; null for the shared fixtures. */
  scenario: FixtureFile | null
  /** The ready-made scenario's name, "inline" for one sent whole, null for the shared fixtures. */
  label: string | null
}

/**
 * Everything a tenant has changed, as plain JSON: what a snapshot copies and the database stores.
 * The request journal is not state: it is what the tenant was asked, and neither restore nor a
 * rejected request should rewrite it.
 */
export interface TenantState {
  clock: { mode: ClockMode, now: number }
  policy: RecordPolicy
  webhook: WebhookSettings
  /** Position of the id generator, so a restored tenant hands out the same ids again. */
  ids: number
  seq: number
  overlays: Array<[string, BalanceOverlay]>
  records: EmulatedRecord[]
  bankEvents: Array<[string, BankEvent[]]>
  webhooks: WebhookDelivery[]
  faults: FaultRule[]
  /** Customers made through Okra's sandbox routes; absent from files written before they existed. */
  sandbox: SandboxCustomer[]
}

/** A named copy of a tenant: its state and the fixtures it read (shared by reference: they never change). */
export interface TenantSnapshot {
  state: TenantState
  data: TenantData
}

/** What every tenant of a registry (Tenants) shares. */
export interface TenantContext {
  shared: TenantData
  defaults: TenantDefaults
  realNow: () => number
  onSettled: SettledListener
  /** 5 random bytes drawn once per process: the middle of every id (TenantIds). */
  processBytes: Uint8Array
  /** Told of every change: the registry keeps a tenant from its first one on, or throws to refuse it. */
  keep: (tenant: Tenant) => void
}

/**
 * One sandbox: everything a bearer token can change. It reads the shared Dataset and keeps only its
 * own changes beside it, so a new tenant copies nothing. All time comes from its own clock. Each
 * piece of its state marks its own changes through one callback, so `revision` moves on every
 * change (a clock move included) and on nothing else.
 */
export class Tenant {
  private changes = 0
  /** Told of every change and every journal entry, for whoever waits on this tenant (a long poll). */
  readonly signal = new ChangeSignal()
  private readonly changed = (): void => {
    this.context.keep(this)
    this.changes += 1
    this.signal.notify()
  }

  readonly records = new RecordBook(this.changed, TENANT_LIMITS.finishedRecords)
  readonly overlays = new BalanceOverlays(this.changed, { records: TENANT_LIMITS.recordsPerBalance, history: TENANT_LIMITS.historyPerBalance })
  readonly webhooks = new WebhookLog(this.changed, TENANT_LIMITS.settledWebhooks)
  readonly faults = new FaultBook(this.changed)
  readonly journal = new RequestJournal(undefined, undefined, () => { this.signal.notify() })
  /** The calls that changed this tenant, for its run manifest; like the journal, not state. */
  readonly calls = new CallLog()
  readonly sandbox = new SandboxCustomers(this.changed)
  readonly snapshots = new Map<string, TenantSnapshot>()
  readonly clock: VirtualClock
  readonly bank: BankLedger
  private readonly ids: TenantIds
  private settings: Pick<TenantState, 'policy' | 'webhook'>
  private data: TenantData
  private view: BalanceReader
  /** The Dataset `view` reads; a new sandbox customer makes a new one. */
  private viewOver: Dataset

  /** `number` tells this tenant apart from the process's others in its ids. */
  constructor (readonly token: string, number: number, private readonly context: TenantContext) {
    const { shared, defaults } = context
    this.data = shared
    this.clock = VirtualClock.startingAt(context.realNow, defaults.clock.mode, defaults.clock.startMs, this.changed)
    this.bank = new BankLedger(this.changed, shared.scripts, TENANT_LIMITS.bankEventsPerAccount)
    this.ids = new TenantIds(this.changed, context.processBytes, number)
    this.settings = { policy: defaults.policy, webhook: { ...defaults.webhook } }
    this.viewOver = shared.dataset
    this.view = this.readerOver(shared.dataset)
  }

  /** Counts changes, so persistence can tell whether a request changed anything (look-ups never write). */
  get revision (): number { return this.changes }
  get policy (): RecordPolicy { return this.settings.policy }
  get webhook (): Readonly<WebhookSettings> { return this.settings.webhook }
  /** The signing secret every tenant starts with (--webhook-secret). */
  get defaultWebhookSecret (): string | null { return this.context.defaults.webhook.secret }
  /** The fixtures with this tenant's sandbox customers added. */
  get dataset (): Dataset { return this.sandbox.over(this.data.dataset) }
  get reader (): BalanceReader {
    const dataset = this.dataset
    if (this.viewOver !== dataset) {
      this.viewOver = dataset
      this.view = this.readerOver(dataset)
    }
    return this.view
  }

  /** The scenario this tenant loaded, or null when it reads the shared fixtures. */
  get scenario (): Pick<TenantData, 'scenario' | 'label'> { return this.data }

  set policy (policy: RecordPolicy) {
    this.settings = { ...this.settings, policy }
    this.changed()
  }

  set webhook (webhook: WebhookSettings) {
    this.settings = { ...this.settings, webhook: { ...webhook } }
    this.changed()
  }

  private readerOver (dataset: Dataset): BalanceReader {
    return new BalanceReader(dataset, this.overlays.view, { processOf: (id) => processOf(this.records.get(id)?.state ?? 'done') })
  }

  /** A deep copy of everything this tenant changed: O(changes), never O(fixtures). */
  exportState (): TenantState {
    return structuredClone({
      clock: { mode: this.clock.mode, now: this.clock.now() },
      ...this.settings,
      ids: this.ids.position,
      ...this.records.state,
      overlays: this.overlays.state(this.dataset.owner),
      bankEvents: this.bank.state,
      webhooks: this.webhooks.state,
      faults: this.faults.state,
      sandbox: this.sandbox.state,
    })
  }

  /** Replaces this tenant's state with a copy of `state`, read over `data`. */
  importState (state: TenantState, data: TenantData = this.data): void {
    const copy = structuredClone(state)
    this.data = data
    this.clock.restore(VirtualClock.startingAt(this.context.realNow, copy.clock.mode, copy.clock.now).snapshot())
    // A database written before signing existed, or a manifest (which never carries the secret), has none: the emulator's own.
    this.settings = { policy: copy.policy, webhook: { ...copy.webhook, secret: copy.webhook.secret ?? this.context.defaults.webhook.secret } }
    this.ids.position = copy.ids
    this.records.load(copy)
    this.overlays.load(copy.overlays)
    this.bank.load(copy.bankEvents, data.scripts)
    this.webhooks.load(copy.webhooks)
    this.faults.state = copy.faults
    this.sandbox.load(copy.sandbox ?? [])
  }

  /** Starts over as a tenant nobody has used, on the shared fixtures or a scenario of its own: journal included; named snapshots stay. */
  reset (data: TenantData = this.context.shared): void {
    const { clock, policy, webhook } = this.context.defaults
    const fresh: TenantState = { clock: { mode: clock.mode, now: clock.startMs }, policy, webhook, ids: 0, seq: 0, overlays: [], records: [], bankEvents: [], webhooks: [], faults: [], sandbox: [] }
    this.importState(fresh, data)
    this.journal.clear()
    this.calls.clear()
  }

  /** Starts over from a run manifest's state, over the shared fixtures unless it names a scenario: as a reset, then the state. */
  loadManifest (state: TenantState, data: TenantData = this.context.shared): void {
    this.reset(data)
    this.importState(state, data)
  }

  loadScenario (data: TenantData): void { this.reset(data) }

  /** Keeps a copy of the state under a name, replacing any of that name. */
  snapshot (name: string): void {
    if (!this.snapshots.has(name) && this.snapshots.size >= TENANT_LIMITS.snapshots) throw limitReached('snapshots', 'snapshots')
    // A snapshot is not state (revision stays), but it is something to keep.
    this.context.keep(this)
    this.snapshots.set(name, { state: this.exportState(), data: this.data })
  }

  restore (name: string): void {
    const snapshot = this.snapshots.get(name)
    if (snapshot === undefined) throw new DomainError('OKRA_EMU_SNAPSHOT_NOT_FOUND', `No snapshot named "${name}"`)
    this.importState(snapshot.state, snapshot.data)
  }

  /** A new fault rule, unless the tenant holds TENANT_LIMITS.faultRules already. */
  addFault (input: FaultRuleInput): FaultRule {
    if (this.faults.list().length >= TENANT_LIMITS.faultRules) throw limitReached('faultRules', 'fault rules')
    return this.faults.add(() => this.newId(), input)
  }

  /**
   * Makes sandbox customers (Okra's sandbox/customers/create), each a customer of this tenant from
   * now on: every look-up, refresh and check answers for their accounts. All or none.
   */
  addSandboxCustomers (inputs: readonly SandboxCustomerInput[]): SandboxCustomer[] {
    if (this.sandbox.size + inputs.length > TENANT_LIMITS.sandboxCustomers) throw limitReached('sandboxCustomers', 'sandbox customers')
    const now = this.clock.now()
    const made = inputs.map((input) => buildSandboxCustomer(input, () => this.newId(), now, this.dataset.owner))
    this.sandbox.add(made)
    return made
  }

  /** Refuses what would add a delivery (a record, as it settles, or a replay) while TENANT_LIMITS.pendingWebhooks are pending. */
  checkRoomForDelivery (): void {
    if (this.webhooks.pendingCount >= TENANT_LIMITS.pendingWebhooks) throw limitReached('pendingWebhooks', 'pending webhook deliveries')
  }

  newId (): string {
    return this.ids.next(this.clock.now())
  }

  /**
   * Begins a refresh or a check of an account. The answer is immediate; the result comes when the
   * record's policy says. A refresh while one is running returns the running one.
   */
  startRecord (method: RecordMethod, accountId: string, callbackUrlFor: (recordId: string) => string): EmulatedRecord {
    // Every refusal comes before the first change, settling included: a 4xx leaves the tenant as it was.
    const { account, balance } = this.accountOf(accountId)
    this.settleDue()
    const running = method === 'BALANCE' ? this.records.runningRefreshOf(accountId) : undefined
    if (running !== undefined) return running
    if (this.records.runningCount >= TENANT_LIMITS.runningRecords) throw limitReached('runningRecords', 'running records')
    this.checkRoomForDelivery()
    const now = this.clock.now()
    const _id = this.newId()
    const policy = account.behaviour.policy === undefined ? this.policy : policyFromFixture(account.behaviour.policy)
    const outcome = account.behaviour.outcome ?? { kind: 'success' }
    const record = this.records.start({ _id, method, account: accountId, balance: balance._id, createdAt: now, callbackUrl: callbackUrlFor(_id), policy, outcome })
    this.overlays.addRecord(balance, _id)
    // An immediate record is done before the answer leaves.
    this.settleDue()
    return record
  }

  /**
   * A poll of a record's callback: counts toward a polls policy and returns the record as it now
   * stands. The method must be the record's own.
   */
  poll (recordId: string, method: string): EmulatedRecord {
    const record = this.records.of(recordId)
    if (record.method !== method) {
      throw new DomainError('OKRA_EMU_RECORD_METHOD_MISMATCH', `Record ${recordId} is a ${record.method} record, not ${method}`, { record: recordId, method })
    }
    this.settleDue()
    if (record.state === 'running') {
      this.records.poll(record)
      if (record.policy.kind === 'polls' && record.polls >= record.policy.polls) this.finish(record, this.clock.now())
    }
    return record
  }

  /** Completes, in due order, every record whose time has come; returns them. */
  settleDue (): EmulatedRecord[] {
    const due = this.records.due(this.clock.now())
    for (const record of due) this.finish(record, record.dueAt as number)
    return due
  }

  /** Moves the clock forward and settles what fell due on the way. */
  advance (ms: number): EmulatedRecord[] {
    this.clock.advance(ms)
    return this.settleDue()
  }

  /** The earliest emulator time at which something (a record, a webhook retry) falls due. */
  nextDueAt (): number | null {
    return earliest([this.records.nextDueAt(), this.webhooks.nextDueAt()])
  }

  /** Ends a running record now as told: success, or the failure given. */
  completeNow (recordId: string, outcome: RecordOutcome = { kind: 'success' }): EmulatedRecord {
    const record = this.records.of(recordId)
    this.settleDue()
    nextState(record, outcome.kind === 'success' ? 'complete' : 'fail')
    this.finish(record, this.clock.now(), outcome)
    return record
  }

  /** Gives a running record a new policy, counted from when it began. */
  setRecordPolicy (recordId: string, policy: RecordPolicy): EmulatedRecord {
    const record = this.records.of(recordId)
    this.settleDue()
    this.records.repolicy(record, policy)
    this.settleDue()
    return record
  }

  /** Changes the bank's live balance now: set amounts, or post a credit (+) or debit (-). */
  changeBankBalance (accountId: string, change: { posting: number } | Amounts): Amounts {
    const { balance } = this.accountOf(accountId)
    // Records due by now read the bank before the change; a change refused changes nothing, not even that.
    this.bank.check(accountId, balance, change, this.clock.now())
    this.settleDue()
    return this.bank.change(accountId, balance, change, this.clock.now())
  }

  /** The account a balance belongs to, for whoever names a balance by id. */
  accountOfBalance (balanceId: string): string | undefined { return this.dataset.balance(balanceId)?.account }
  customerOf (accountId: string): string | undefined { return this.dataset.account(accountId)?.customer._id }

  /** An account's fixture entry and its balance, or OKRA_EMU_ACCOUNT_NOT_FOUND. */
  private accountOf (accountId: string) {
    const account = this.dataset.account(accountId)
    const balance = this.dataset.accountBalance(accountId)
    if (account === undefined || balance === undefined) {
      throw new DomainError('OKRA_EMU_ACCOUNT_NOT_FOUND', `No account found with id "${accountId}"`)
    }
    return { account, balance }
  }

  /**
   * A record whose fetch throws fails as `emulator_error` instead: the throw would otherwise escape
   * into whoever settled it (a timer, an unrelated request) and leave the record due for ever.
   */
  private finish (record: EmulatedRecord, atMs: number, outcome: RecordOutcome = record.outcome): void {
    let result: RecordResult | null = null
    if (outcome.kind === 'success') {
      try {
        result = this.fetch(record, atMs)
      } catch (error) {
        outcome = { kind: 'emulator_error', message: `The emulator could not settle this record: ${(error as Error).message}` }
      }
    }
    this.records.finish(record, atMs, outcome, result)
    this.context.onSettled(this, record)
  }

  /** What a record found at the bank at `atMs`; a refresh also stores it as Okra's balance. */
  private fetch (record: EmulatedRecord, atMs: number): RecordResult {
    const balance = this.dataset.balance(record.balance) as BalanceFixture
    // A sandbox customer's bank moves by its volume as each refresh settles (VOLUME in sandbox.ts).
    const posting = record.method === 'BALANCE' ? this.sandbox.refreshPosting(record.account) : undefined
    if (posting !== undefined) {
      this.bank.change(record.account, balance, { posting }, atMs)
      this.sandbox.countRefresh(record.account)
    }
    const live = this.bank.balanceAt(record.account, balance, atMs)
    const changed = !sameAmounts(live, this.overlays.of(balance))
    if (record.method === 'BALANCE') this.overlays.storeFetched(balance, live, atMs, () => this.newId())
    return { balance_changed: changed, last_checked: new Date(atMs).toISOString(), last_fetched: this.overlays.of(balance).last_fetched }
  }

  /**
   * The webhook body of a settled record, posted to `url`, with the context Okra puts in it:
   * `options` are the widget options the customer was linked with, {} when it has none.
   */
  eventOf (record: EmulatedRecord, url: string) {
    const dataset = this.dataset
    const account = dataset.account(record.account)
    const options = account === undefined ? null : dataset.customerOptions(account.customer._id)
    return eventFor(record, { env: dataset.env, owner: dataset.owner, customerId: account?.customer._id ?? '', bankId: account?.fixture.bank ?? '', url, options: options ?? {} })
  }
}

export function policyFromFixture (policy: Policy): RecordPolicy {
  switch (policy.kind) {
    case 'delay': return { kind: 'delay', ms: parseDuration(policy.after, 'after') }
    case 'polls': return { kind: 'polls', polls: policy.polls }
    case 'immediate': return { kind: 'immediate' }
    case 'manual': return { kind: 'manual' }
  }
}
