import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { isDeepStrictEqual } from 'node:util'
import type { ClockState } from '../../src/core/clock.js'
import type { Tenant, TenantSnapshot, TenantState } from '../../src/core/tenant.js'
import type { FixtureFile } from '../../src/fixtures/types.js'
import { scenarioNames } from '../../src/fixtures/scenarios.js'
import { startTestServer, type TestServer } from '../support/server.js'
import type { KnownIds } from './arbitraries.js'
import type { Answer } from './transport.js'

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile

/** The real-time source under every tenant clock. It never moves, so even a resumed clock stands still and a case repeats exactly. */
const REAL_NOW = Date.parse('2026-11-02T08:00:00.000Z')

/** What can change about a tenant, cheaply: its revision counter misses only clock moves, so those are compared too. */
export interface Fingerprint {
  revision: number
  clock: ClockState
  snapshots: Array<[string, TenantSnapshot]>
  label: string | null
  dataset: unknown
}

function fingerprint (tenant: Tenant): Fingerprint {
  return {
    revision: tenant.revision,
    clock: tenant.clock.snapshot(),
    snapshots: [...tenant.snapshots],
    label: tenant.scenario.label,
    dataset: tenant.dataset,
  }
}

function sameFingerprint (a: Fingerprint, b: Fingerprint): boolean {
  return a.revision === b.revision && a.label === b.label && a.dataset === b.dataset &&
    isDeepStrictEqual(a.clock, b.clock) && a.snapshots.length === b.snapshots.length &&
    a.snapshots.every(([name, snap], i) => b.snapshots[i]?.[0] === name && b.snapshots[i]?.[1] === snap)
}

/** A tenant's observable state: what exportState() copies, and what lives beside it (snapshots, the scenario). */
export interface Observation {
  state: TenantState
  snapshots: string[]
  scenario: string | null
}

/**
 * The emulator under fuzz: a test server (every answer checked against openapi.yaml) whose main
 * tenant is seeded with records in every state, a bank change, a webhook delivery, fault rules that
 * never fire and a snapshot, so that ids in generated requests reach real things. After every case
 * each tenant is put back as it was, so cases are independent and a failure replays from its seed.
 */
export class FuzzTarget {
  readonly server: TestServer
  readonly known: KnownIds
  /** Error lines the server logged (an unexpected error logs its stack here, never in an answer). */
  readonly serverErrors: string[]
  private readonly receiver: Server
  private readonly baseline: { state: TenantState, snapshots: Map<string, TenantSnapshot> }
  private readonly fresh: Fingerprint
  private readonly fingerprints = new Map<Tenant, Fingerprint>()

  private constructor (server: TestServer, receiver: Server, known: KnownIds, serverErrors: string[]) {
    this.server = server
    this.receiver = receiver
    this.known = known
    this.serverErrors = serverErrors
    const main = this.tenant(known.tokens.main)
    this.baseline = { state: main.exportState(), snapshots: new Map(main.snapshots) }
    this.fresh = fingerprint(this.tenant(known.tokens.other))
    for (const tenant of this.server.app.tenants.all()) this.fingerprints.set(tenant, fingerprint(tenant))
  }

  static async start (): Promise<FuzzTarget> {
    const receiver = createServer((request, response) => {
      request.resume()
      request.on('end', () => { response.statusCode = 204; response.end() })
    })
    receiver.listen(0, '127.0.0.1')
    await once(receiver, 'listening')
    const address = receiver.address()
    const receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/hook`
    const serverErrors: string[] = []
    const server = await startTestServer({
      realNow: () => REAL_NOW,
      logger: { level: 'error', stream: { write: (line: string) => { serverErrors.push(line) } } },
    })
    try {
      const known = await seed(server, receiverUrl)
      return new FuzzTarget(server, receiver, known, serverErrors)
    } catch (error) {
      await server.close()
      receiver.close()
      throw error
    }
  }

  tenant (token: string): Tenant {
    return this.server.app.tenants.get(token)
  }

  /** Every tenant the emulator has, by token. */
  tenants (): Tenant[] {
    return [...this.server.app.tenants.all()]
  }

  observe (tenant: Tenant): Observation {
    return { state: tenant.exportState(), snapshots: [...tenant.snapshots.keys()], scenario: tenant.scenario.label }
  }

  fingerprintOf (tenant: Tenant): Fingerprint {
    return fingerprint(tenant)
  }

  sameFingerprint (a: Fingerprint, b: Fingerprint): boolean {
    return sameFingerprint(a, b)
  }

  /**
   * Webhook attempts run after the answer that caused them. Before the next request is judged, they
   * are made to finish: `advance {by: 0}` answers only once every due attempt is done.
   */
  async settleWebhooks (send: (token: string) => Promise<Answer>): Promise<void> {
    for (const tenant of this.tenants()) {
      const now = tenant.clock.now()
      if (!tenant.webhooks.list().some((d) => d.state === 'pending' && d.nextAttemptAt !== null && d.nextAttemptAt <= now)) continue
      const answer = await send(tenant.token)
      if (answer.status !== 200) throw new Error(`settling webhooks of ${JSON.stringify(tenant.token)} answered ${answer.status ?? answer.error}`)
    }
  }

  /**
   * Puts every tenant back as it was before the case: those an accepted request addressed always (a
   * change that forgot to bump the revision must not leak into the next case), any other whose
   * fingerprint moved. Journals are emptied, so the next case starts alike.
   */
  restore (addressed: Iterable<string | null>): void {
    const tokens = new Set(addressed)
    for (const tenant of this.tenants()) {
      const known = this.fingerprints.get(tenant)
      if (tokens.has(tenant.token) || !sameFingerprint(fingerprint(tenant), known ?? this.fresh)) {
        tenant.reset()
        tenant.snapshots.clear()
        if (tenant.token === this.known.tokens.main) {
          tenant.importState(this.baseline.state)
          for (const [name, snapshot] of this.baseline.snapshots) tenant.snapshots.set(name, snapshot)
        }
        this.fingerprints.set(tenant, fingerprint(tenant))
      }
      tenant.journal.clear()
    }
  }

  /** A normal look-up, answered exactly as at the start. */
  async normalLookup (): Promise<{ status: number, body: unknown }> {
    const answer = await this.server.post('/v2/balance/getByCustomer', { customer: fixture.customers[0]?._id }, { token: this.known.tokens.other })
    return { status: answer.status, body: answer.body }
  }

  async close (): Promise<void> {
    this.receiver.close()
    await this.server.close()
  }
}

/** Seeds the main tenant through the control API, as a test suite would; returns what it made. */
async function seed (server: TestServer, receiverUrl: string): Promise<KnownIds> {
  const main = 'fuzz'
  const other = 'fuzz-other'
  const call = async (method: string, path: string, body?: unknown) => {
    const answer = method === 'GET'
      ? await server.get(path, { token: main })
      : await server.send(method, path, { token: main, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) })
    if (answer.status !== 200) throw new Error(`seeding: ${method} ${path} answered ${answer.status} ${answer.text}`)
    return answer.body.data
  }
  const accounts = fixture.accounts.map((a) => a._id)
  const account = (i: number) => accounts[i] as string
  const start = async (route: 'refresh' | 'check', i: number): Promise<string> => (await call('POST', `/v2/balance/${route}`, { account_id: account(i) })).record

  await call('PUT', '/__admin/policy', { policy: { kind: 'manual' } })
  const running = await start('refresh', 0)
  const runningCheck = await start('check', 1)
  const timedOut = await start('check', 2)
  await call('POST', `/__admin/records/${timedOut}/fail`, { failure: { kind: 'timeout' } })
  const bankError = await start('refresh', 3)
  await call('POST', `/__admin/records/${bankError}/fail`, { failure: { kind: 'bank_error', message: 'Invalid login' } })
  await call('PUT', '/__admin/policy', { policy: { kind: 'polls', polls: 2 } })
  const polled = await start('refresh', 4)
  await call('PUT', '/__admin/webhooks/settings', { url: receiverUrl, token: 'whk' })
  await call('PUT', '/__admin/policy', { policy: { kind: 'immediate' } })
  const done = await start('refresh', 5)
  // advance answers once the webhook of the record that just completed has been delivered.
  await call('POST', '/__admin/clock/advance', { by: '1s' })
  await call('PUT', '/__admin/webhooks/settings', { url: null })
  await call('POST', `/__admin/accounts/${account(6)}/balance`, { posting: -2500 })
  await call('PUT', '/__admin/policy', { policy: { kind: 'delay', after: '1h' } })
  const dueLater = await start('check', 7)
  const neverFires = await call('POST', '/__admin/faults', { match: { route: 'fuzz/never' }, action: { kind: 'error', status: 500 } })
  const neverCloses = await call('POST', '/__admin/faults', { match: { account: 'fuzz-no-such-account' }, action: { kind: 'close' } })
  await call('POST', '/__admin/snapshots', { name: 'fuzz-base' })
  const deliveries = (await call('GET', '/__admin/webhooks')).deliveries.map((d: { id: string, state: string }) => {
    if (d.state !== 'delivered') throw new Error(`seeding: webhook delivery ${d.id} is ${d.state}`)
    return d.id
  })
  // The other token's tenant exists from the start, untouched: the reference for a pristine tenant.
  await server.get('/__admin/clock', { token: other })

  const first = fixture.accounts[0] as FixtureFile['accounts'][number]
  const scenarioDocument = {
    version: 1,
    owner: fixture.owner,
    env: fixture.env,
    banks: fixture.banks.filter((b) => b._id === first.bank),
    customers: fixture.customers.filter((c) => c._id === first.customer),
    accounts: [first],
    balances: fixture.balances.filter((b) => b.account === first._id),
  }
  return {
    customers: fixture.customers.map((c) => c._id),
    accounts,
    balances: fixture.balances.map((b) => b._id),
    records: [running, runningCheck, timedOut, bankError, polled, done, dueLater],
    deliveries,
    faults: [neverFires.id, neverCloses.id],
    snapshots: ['fuzz-base'],
    scenarios: scenarioNames(),
    scenarioDocument,
    receiverUrl,
    tokens: { main, other },
  }
}
