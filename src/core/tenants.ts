import type { FixtureFile } from './fixture.js'
import { BankScripts } from './bank.js'
import type { Dataset } from './dataset.js'
import { DomainError } from './errors.js'
import { Tenant, type SettledListener, type TenantContext, type TenantData, type TenantDefaults } from './tenant.js'

/** Kept tenants at most unless --max-tenants says otherwise: ~50 MB of tenants with a record each (bench/RESULTS.md). */
export const DEFAULT_MAX_TENANTS = 10_000

/**
 * Every tenant, by bearer token; the fixtures they read are shared by all. A tenant is kept from
 * its first change on (copy-on-write over the fixtures): until then it is fresh, so a token that
 * only looks things up costs nothing once its requests are answered. Tenants in use by a request
 * (`enter`/`leave`) are shared meanwhile, so two first requests of one token change one tenant.
 */
export class Tenants {
  private readonly byToken = new Map<string, Tenant>()
  private readonly inUse = new Map<string, { tenant: Tenant, requests: number }>()
  private readonly context: TenantContext
  /** Tenants made so far: each one's number in its ids, so no two made by this process share one. */
  private made = 0

  /** `processBytes`: 5 random bytes drawn once per process, so ids differ across restarts (TenantIds). */
  constructor (dataset: Dataset, defaults: TenantDefaults, realNow: () => number, onSettled: SettledListener, processBytes: Uint8Array, readonly maxTenants = DEFAULT_MAX_TENANTS) {
    const shared = { dataset, scripts: new BankScripts(dataset, defaults.clock.startMs), scenario: null, label: null }
    this.context = { shared, defaults, realNow, onSettled, processBytes, keep: (tenant) => { this.keep(tenant) } }
  }

  /** The kept tenant of a token, or a fresh one that is kept once it changes something. */
  get (token: string): Tenant {
    return this.byToken.get(token) ?? this.inUse.get(token)?.tenant ?? new Tenant(token, this.made++, this.context)
  }

  /** The tenant of a request; `leave` it when the request is over. */
  enter (token: string): Tenant {
    const tenant = this.get(token)
    if (this.byToken.get(token) === tenant) return tenant
    const use = this.inUse.get(token)
    if (use === undefined) this.inUse.set(token, { tenant, requests: 1 })
    else use.requests += 1
    return tenant
  }

  leave (tenant: Tenant): void {
    const use = this.inUse.get(tenant.token)
    if (use === undefined || use.tenant !== tenant) return
    use.requests -= 1
    if (use.requests <= 0) this.inUse.delete(tenant.token)
  }

  isKept (tenant: Tenant): boolean { return this.byToken.get(tenant.token) === tenant }

  /**
   * Past `maxTenants`, a new tenant's first change is refused: it is left unkept, so what it began
   * is dropped with it, and a later request of its token starts fresh.
   */
  private keep (tenant: Tenant): void {
    if (this.byToken.has(tenant.token)) return
    if (this.byToken.size >= this.maxTenants) {
      if (this.inUse.get(tenant.token)?.tenant === tenant) this.inUse.delete(tenant.token)
      throw new DomainError('OKRA_EMU_TOO_MANY_TENANTS', `The emulator keeps at most ${this.maxTenants} changed tenants (--max-tenants): a new token can look things up but not change them`, { limit: 'tenants', max: this.maxTenants })
    }
    this.byToken.set(tenant.token, tenant)
    this.inUse.delete(tenant.token)
  }

  /** Fixtures of a scenario, ready for a tenant to load; the bank scripts count from the same clock start. */
  scenarioData (scenario: FixtureFile, label: string, dataset: Dataset): TenantData {
    return { dataset, scripts: new BankScripts(dataset, this.context.defaults.clock.startMs), scenario, label }
  }

  all (): IterableIterator<Tenant> { return this.byToken.values() }
  /** Kept tenants. */
  get size (): number { return this.byToken.size }
}
