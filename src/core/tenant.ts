import type { BalanceFixture, FixtureFile, RecordOutcomeFixture, RecordPolicyFixture } from './fixture.js'
import { BalanceReader, type BalanceOverlay } from './balances.js'
import { bankBalanceAt, insertEvent, MAX_AMOUNT, outOfRange, sameAmounts, type Amounts, type BankEvent } from './bank.js'
import { VirtualClock, type ClockMode } from './clock.js'
import type { Dataset } from './dataset.js'
import { parseDuration } from './duration.js'
import { DomainError, invalidField } from './errors.js'
import { FaultBook, type FaultRule, type FaultSubject } from './faults.js'
import { ObjectIdFactory } from './ids.js'
import { RequestJournal } from './journal.js'
import {
  dueAtFor, nextState, processOf, type EmulatedRecord, type RecordMethod, type RecordOutcome, type RecordPolicy,
} from './records.js'
import { eventFor, type WebhookDelivery } from './webhooks.js'

export interface ClockSettings {
  mode: ClockMode
  /** Where every tenant's clock starts; fixture bank scripts count from here too. */
  startMs: number
}

export interface WebhookSettings {
  url: string | null
  token: string | null
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
} as const

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
}

/** A named copy of a tenant: its state and the fixtures it read (shared by reference: they never change). */
export interface TenantSnapshot {
  state: TenantState
  data: TenantData
}

/**
 * One sandbox: everything a bearer token can change. It reads the shared Dataset and keeps only its
 * own changes beside it, so a new tenant copies nothing. All time comes from its own clock.
 */
export class Tenant {
  readonly token: string
  readonly clock: VirtualClock
  readonly overlays = new Map<string, BalanceOverlay>()
  readonly records = new Map<string, EmulatedRecord>()
  webhooks: WebhookDelivery[] = []
  readonly faults = new FaultBook()
  readonly journal = new RequestJournal()
  readonly snapshots = new Map<string, TenantSnapshot>()
  policy: RecordPolicy
  webhook: WebhookSettings
  /** Counts changes, so persistence can tell whether a request changed anything (look-ups never write). */
  revision = 0
  private data: TenantData
  private view: BalanceReader
  private readonly running = new Set<EmulatedRecord>()
  /** Ids of finished records, oldest first, to drop past TENANT_LIMITS.finishedRecords. */
  private finished: string[] = []
  /** The running refresh of each account: a second refresh meanwhile returns it (Okra's debounce). */
  private readonly refreshing = new Map<string, EmulatedRecord>()
  /** Bank events this tenant added, per account, merged over the fixture's script (copy-on-write). */
  private readonly bankEvents = new Map<string, BankEvent[]>()
  private readonly ids: ObjectIdFactory
  private readonly shared: TenantData
  private readonly defaults: TenantDefaults
  private readonly realNow: () => number
  private readonly onSettled: SettledListener
  private seq = 0

  constructor (token: string, shared: TenantData, defaults: TenantDefaults, realNow: () => number, onSettled: SettledListener) {
    this.token = token
    this.shared = shared
    this.data = shared
    this.defaults = defaults
    this.realNow = realNow
    this.clock = VirtualClock.startingAt(realNow, defaults.clock.mode, defaults.clock.startMs)
    this.policy = defaults.policy
    this.webhook = { ...defaults.webhook }
    this.onSettled = onSettled
    this.ids = new ObjectIdFactory(hashToken(token))
    this.view = this.readerOver(shared.dataset)
  }

  get dataset (): Dataset {
    return this.data.dataset
  }

  get reader (): BalanceReader {
    return this.view
  }

  /** The scenario this tenant loaded, or null when it reads the shared fixtures. */
  get scenario (): Pick<TenantData, 'scenario' | 'label'> {
    return this.data
  }

  private readerOver (dataset: Dataset): BalanceReader {
    return new BalanceReader(dataset, this.overlays, {
      processOf: (id) => processOf(this.records.get(id)?.state ?? 'done'),
    })
  }

  /** A deep copy of everything this tenant changed: O(changes), never O(fixtures). */
  exportState (): TenantState {
    return structuredClone({
      clock: { mode: this.clock.mode, now: this.clock.now() },
      policy: this.policy,
      webhook: this.webhook,
      ids: this.ids.position,
      seq: this.seq,
      overlays: [...this.overlays],
      records: [...this.records.values()],
      bankEvents: [...this.bankEvents],
      webhooks: this.webhooks,
      faults: this.faults.state,
    })
  }

  /** Replaces this tenant's state with a copy of `state`, read over `data`. */
  importState (state: TenantState, data: TenantData = this.data): void {
    const copy = structuredClone(state)
    this.data = data
    this.view = this.readerOver(data.dataset)
    this.clock.restore(VirtualClock.startingAt(this.realNow, copy.clock.mode, copy.clock.now).snapshot())
    this.policy = copy.policy
    this.webhook = copy.webhook
    this.ids.position = copy.ids
    this.seq = copy.seq
    this.overlays.clear()
    for (const [id, overlay] of copy.overlays) this.overlays.set(id, overlay)
    this.records.clear()
    this.running.clear()
    this.refreshing.clear()
    this.finished = copy.records.filter((r) => r.state !== 'running')
      .sort((a, b) => (a.endedAt as number) - (b.endedAt as number) || a.seq - b.seq)
      .map((r) => r._id)
    for (const record of copy.records) {
      this.records.set(record._id, record)
      if (record.state !== 'running') continue
      this.running.add(record)
      if (record.method === 'BALANCE') this.refreshing.set(record.account, record)
    }
    this.bankEvents.clear()
    for (const [account, events] of copy.bankEvents) this.bankEvents.set(account, events)
    this.webhooks = copy.webhooks
    this.faults.state = copy.faults
    this.revision += 1
  }

  /** The state of a tenant nobody has used yet. */
  private initialState (): TenantState {
    return {
      clock: { mode: this.defaults.clock.mode, now: this.defaults.clock.startMs },
      policy: this.defaults.policy,
      webhook: { ...this.defaults.webhook },
      ids: new ObjectIdFactory(hashToken(this.token)).position,
      seq: 0,
      overlays: [],
      records: [],
      bankEvents: [],
      webhooks: [],
      faults: [],
    }
  }

  /** Back to the shared fixtures, as a new tenant: state, faults and journal; named snapshots stay. */
  reset (): void {
    this.importState(this.initialState(), this.shared)
    this.journal.clear()
  }

  /** Starts over on a scenario of this tenant's own, as reset does. */
  loadScenario (data: TenantData): void {
    this.importState(this.initialState(), data)
    this.journal.clear()
  }

  /** Keeps a copy of the state under a name, replacing any of that name. */
  snapshot (name: string): void {
    this.snapshots.set(name, { state: this.exportState(), data: this.data })
  }

  restore (name: string): void {
    const snapshot = this.snapshots.get(name)
    if (snapshot === undefined) throw new DomainError('OKRA_EMU_SNAPSHOT_NOT_FOUND', `No snapshot named "${name}"`)
    this.importState(snapshot.state, snapshot.data)
  }

  newId (): string {
    return this.ids.next(this.clock.now())
  }

  /**
   * Begins a refresh or a check of an account. The answer is immediate; the result comes when the
   * record's policy says. A refresh while one is running returns the running one.
   */
  startRecord (method: RecordMethod, accountId: string, callbackUrlFor: (recordId: string) => string): EmulatedRecord {
    this.settleDue()
    const account = this.dataset.account(accountId)
    const balance = this.dataset.accountBalance(accountId)
    if (account === undefined || balance === undefined) {
      throw new DomainError('OKRA_EMU_ACCOUNT_NOT_FOUND', `No account found with id "${accountId}"`)
    }
    if (method === 'BALANCE') {
      const running = this.refreshing.get(accountId)
      if (running !== undefined) return running
    }
    const now = this.clock.now()
    const _id = this.ids.next(now)
    const policy = account.behaviour.policy === undefined ? this.policy : policyFromFixture(account.behaviour.policy)
    const record: EmulatedRecord = {
      _id,
      method,
      account: accountId,
      balance: balance._id,
      seq: ++this.seq,
      createdAt: now,
      callbackUrl: callbackUrlFor(_id),
      policy,
      outcome: outcomeFromFixture(account.behaviour.outcome),
      state: 'running',
      polls: 0,
      dueAt: dueAtFor(policy, now),
      endedAt: null,
      result: null,
      failure: null,
    }
    this.revision += 1
    this.records.set(_id, record)
    this.running.add(record)
    if (method === 'BALANCE') this.refreshing.set(accountId, record)
    keepNewest(this.overlayOf(balance).records, _id, TENANT_LIMITS.recordsPerBalance)
    // An immediate record is done before the answer leaves.
    this.settleDue()
    return record
  }

  /**
   * A poll of a record's callback: counts toward a polls policy and returns the record as it now
   * stands. The method must be the record's own.
   */
  poll (recordId: string, method: string): EmulatedRecord {
    this.settleDue()
    const record = this.recordOf(recordId)
    if (record.method !== method) {
      throw new DomainError('OKRA_EMU_RECORD_METHOD_MISMATCH', `Record ${recordId} is a ${record.method} record, not ${method}`, { record: recordId, method })
    }
    if (record.state === 'running') {
      this.revision += 1
      record.polls += 1
      if (record.policy.kind === 'polls' && record.polls >= record.policy.polls) this.finish(record, this.clock.now())
    }
    return record
  }

  recordOf (recordId: string): EmulatedRecord {
    const record = this.records.get(recordId)
    if (record === undefined) throw new DomainError('OKRA_EMU_RECORD_NOT_FOUND', `No record found with id "${recordId}"`)
    return record
  }

  /** Completes, in due order, every record whose time has come; returns them. */
  settleDue (): EmulatedRecord[] {
    if (this.running.size === 0) return []
    const now = this.clock.now()
    const due = [...this.running]
      .filter((r) => r.dueAt !== null && r.dueAt <= now)
      .sort((a, b) => (a.dueAt as number) - (b.dueAt as number) || a.seq - b.seq)
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
    let next: number | null = null
    for (const record of this.running) if (record.dueAt !== null && (next === null || record.dueAt < next)) next = record.dueAt
    for (const delivery of this.webhooks) {
      if (delivery.nextAttemptAt !== null && (next === null || delivery.nextAttemptAt < next)) next = delivery.nextAttemptAt
    }
    return next
  }

  /** Ends a running record now as told: success, or the failure given. */
  completeNow (recordId: string, outcome: RecordOutcome = { kind: 'success' }): EmulatedRecord {
    this.settleDue()
    const record = this.recordOf(recordId)
    nextState(record, outcome.kind === 'success' ? 'complete' : 'fail')
    record.outcome = outcome
    this.finish(record, this.clock.now())
    return record
  }

  /** Gives a running record a new policy, counted from when it began. */
  setRecordPolicy (recordId: string, policy: RecordPolicy): EmulatedRecord {
    this.settleDue()
    const record = this.recordOf(recordId)
    nextState(record, policy.kind === 'manual' ? 'stall' : 'repolicy')
    this.revision += 1
    record.policy = policy
    record.dueAt = dueAtFor(policy, record.createdAt)
    this.settleDue()
    return record
  }

  /** Changes the bank's live balance now: set amounts, or post a credit (+) or debit (-). */
  changeBankBalance (accountId: string, change: { posting: number } | Amounts): Amounts {
    const balance = this.dataset.accountBalance(accountId)
    if (balance === undefined) throw new DomainError('OKRA_EMU_ACCOUNT_NOT_FOUND', `No account found with id "${accountId}"`)
    const given = outOfRange(change)
    if (given !== undefined) throw invalidField(given, `must be within ±${MAX_AMOUNT}`)
    this.settleDue()
    // The change is tried on a copy first: a posting that would carry the balance out of range is refused and leaves nothing behind.
    const events = [...this.bankEvents.get(accountId) ?? this.data.scripts.eventsOf(accountId)]
    const now = this.clock.now()
    insertEvent(events, { at: now, ...change })
    const after = bankBalanceAt(balance, events, now)
    if (outOfRange(after) !== undefined) throw invalidField('posting', `must keep the balance within ±${MAX_AMOUNT}`)
    this.revision += 1
    this.bankEvents.set(accountId, events.length > 2 * TENANT_LIMITS.bankEventsPerAccount ? foldOldest(balance, events) : events)
    return after
  }

  /** The bank's own balance of a balance's account at an instant. */
  bankBalance (balance: BalanceFixture, atMs: number): Amounts {
    const events = this.bankEvents.get(balance.account) ?? this.data.scripts.eventsOf(balance.account)
    return bankBalanceAt(balance, events, atMs)
  }

  /**
   * What an Okra request is about, for fault rules and the journal: the account and customer named
   * by the body, found through a balance id, or through the record a callback polls.
   */
  subjectOf (route: string, body: unknown, query: Record<string, unknown>): FaultSubject {
    const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? body as Record<string, unknown> : {}
    const text = (value: unknown): string | undefined => typeof value === 'string' && value !== '' ? value : undefined
    let account = text(fields.account) ?? text(fields.account_id)
    if (account === undefined && route === 'callback') account = this.records.get(text(query.record) ?? '')?.account
    if (account === undefined && text(fields.id) !== undefined) account = this.dataset.balance(fields.id as string)?.account
    const customer = text(fields.customer) ?? text(fields.customer_id) ??
      (account === undefined ? undefined : this.dataset.account(account)?.customer._id)
    return { route, account, customer }
  }

  /** Adds a webhook delivery to the log, letting the oldest settled ones go past the limit. */
  logDelivery (delivery: WebhookDelivery): void {
    this.webhooks.push(delivery)
    if (this.webhooks.length <= TENANT_LIMITS.settledWebhooks) return
    const oldestSettled = this.webhooks.findIndex((d) => d.state !== 'pending')
    if (oldestSettled !== -1) this.webhooks.splice(oldestSettled, 1)
  }

  /** Marks a change made from outside the tenant's own methods (settings, the webhook log, faults). */
  touch (): void {
    this.revision += 1
  }

  private finish (record: EmulatedRecord, atMs: number): void {
    this.revision += 1
    const failure = record.outcome.kind === 'success' ? null : record.outcome
    record.state = nextState(record, failure === null ? 'complete' : 'fail')
    record.endedAt = atMs
    this.running.delete(record)
    if (this.refreshing.get(record.account) === record) this.refreshing.delete(record.account)
    this.finished.push(record._id)
    if (this.finished.length > TENANT_LIMITS.finishedRecords) this.records.delete(this.finished.shift() as string)
    if (failure !== null) {
      record.failure = failure
    } else {
      const balance = this.dataset.balance(record.balance) as BalanceFixture
      const overlay = this.overlayOf(balance)
      const live = this.bankBalance(balance, atMs)
      const changed = !sameAmounts(live, overlay)
      const at = new Date(atMs).toISOString()
      if (record.method === 'BALANCE') this.storeFetched(overlay, live, at)
      record.result = { balance_changed: changed, last_checked: at, last_fetched: overlay.last_fetched }
    }
    this.onSettled(this, record)
  }

  /** A refresh copies the bank's balance into Okra's stored one and adds it to the history. */
  private storeFetched (overlay: BalanceOverlay, live: Amounts, at: string): void {
    overlay.ledger_balance = live.ledger_balance
    if (live.available_balance !== undefined) overlay.available_balance = live.available_balance
    overlay.last_updated = at
    overlay.last_fetched = at
    const owner = this.dataset.owner
    keepNewest(overlay.periodic.ledger_balance, { _id: this.newId(), amount: live.ledger_balance, owner, last_updated: at }, TENANT_LIMITS.historyPerBalance)
    if (live.available_balance !== undefined) {
      keepNewest(overlay.periodic.available_balance, { _id: this.newId(), amount: live.available_balance, owner, last_updated: at }, TENANT_LIMITS.historyPerBalance)
    }
  }

  private overlayOf (balance: BalanceFixture): BalanceOverlay {
    let overlay = this.overlays.get(balance._id)
    if (overlay === undefined) {
      overlay = {
        ledger_balance: balance.ledger_balance,
        last_updated: balance.last_updated,
        // Okra last fetched the fixture's balance when it last updated it.
        last_fetched: balance.last_updated,
        periodic: { available_balance: [], ledger_balance: [] },
        records: [],
      }
      if (balance.available_balance !== undefined) overlay.available_balance = balance.available_balance
      this.overlays.set(balance._id, overlay)
    }
    return overlay
  }

  /** The webhook event of a settled record, with the context Okra puts in it. */
  eventOf (record: EmulatedRecord) {
    const account = this.dataset.account(record.account)
    return eventFor(record, {
      env: this.dataset.env,
      owner: this.dataset.owner,
      customerId: account?.customer._id ?? '',
      bankId: account?.fixture.bank ?? '',
    })
  }
}

/** The fixture's scripted bank events per account, resolved against the clock start once for all tenants. */
export class BankScripts {
  private readonly dataset: Dataset
  private readonly startMs: number
  private readonly cache = new Map<string, readonly BankEvent[]>()

  constructor (dataset: Dataset, startMs: number) {
    this.dataset = dataset
    this.startMs = startMs
  }

  eventsOf (accountId: string): readonly BankEvent[] {
    let events = this.cache.get(accountId)
    if (events === undefined) {
      const script = this.dataset.account(accountId)?.behaviour.bank ?? []
      const resolved: BankEvent[] = []
      for (const step of script) {
        const at = this.startMs + parseDuration(step.after, 'after')
        insertEvent(resolved, 'posting' in step ? { at, posting: step.posting } : { at, ...step })
      }
      events = resolved
      this.cache.set(accountId, events)
    }
    return events
  }
}

export function policyFromFixture (policy: RecordPolicyFixture): RecordPolicy {
  switch (policy.kind) {
    case 'delay': return { kind: 'delay', ms: parseDuration(policy.after, 'after') }
    case 'polls': return { kind: 'polls', polls: policy.polls }
    case 'immediate': return { kind: 'immediate' }
    case 'manual': return { kind: 'manual' }
  }
}

function outcomeFromFixture (outcome: RecordOutcomeFixture | undefined): RecordOutcome {
  return outcome ?? { kind: 'success' }
}

/**
 * Folds an account's oldest bank events into one event that sets the amounts they had reached, so
 * a stream of postings keeps a bounded list (and bankBalanceAt a bounded walk). Only instants before
 * the fold lose their detail, and nothing asks for those: records settle before postings are added.
 */
function foldOldest (start: Amounts, events: BankEvent[]): BankEvent[] {
  const cut = (events[events.length - TENANT_LIMITS.bankEventsPerAccount] as BankEvent).at
  return [{ at: cut, ...bankBalanceAt(start, events, cut) }, ...events.filter((e) => e.at > cut)]
}

/** Appends to a list that keeps only its newest `limit` entries (fixture history comes before it, untouched). */
function keepNewest<T> (list: T[], item: T, limit: number): void {
  list.push(item)
  if (list.length > limit) list.splice(0, list.length - limit)
}

/** A stable number per token, so each tenant's ids differ but repeat across runs. */
function hashToken (token: string): number {
  let hash = 2166136261
  for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 16777619)
  return (hash >>> 0) % 0x10000
}

export class Tenants {
  private readonly byToken = new Map<string, Tenant>()
  private readonly shared: TenantData
  private readonly defaults: TenantDefaults
  private readonly realNow: () => number
  private readonly onSettled: SettledListener

  constructor (dataset: Dataset, defaults: TenantDefaults, realNow: () => number, onSettled: SettledListener) {
    this.shared = { dataset, scripts: new BankScripts(dataset, defaults.clock.startMs), scenario: null, label: null }
    this.defaults = defaults
    this.realNow = realNow
    this.onSettled = onSettled
  }

  /** The tenant of a token, created on first use from the fixtures. */
  get (token: string): Tenant {
    let tenant = this.byToken.get(token)
    if (tenant === undefined) {
      tenant = new Tenant(token, this.shared, this.defaults, this.realNow, this.onSettled)
      this.byToken.set(token, tenant)
    }
    return tenant
  }

  /** Fixtures of a scenario, ready for a tenant to load; the bank scripts count from the same clock start. */
  scenarioData (scenario: FixtureFile, label: string, dataset: Dataset): TenantData {
    return { dataset, scripts: new BankScripts(dataset, this.defaults.clock.startMs), scenario, label }
  }

  all (): IterableIterator<Tenant> {
    return this.byToken.values()
  }

  get size (): number {
    return this.byToken.size
  }
}
