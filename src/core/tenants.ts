import type { FixtureFile } from '../fixtures/types.js'
import { BankScripts } from './bank.js'
import { Dataset } from './dataset.js'
import { Tenant, type SettledListener, type TenantContext, type TenantData, type TenantDefaults } from './tenant.js'

/** Every tenant, by bearer token; the fixtures they read are shared by all. */
export class Tenants {
  private readonly byToken = new Map<string, Tenant>()
  private readonly context: TenantContext

  /** `processBytes`: 5 random bytes drawn once per process, so ids differ across restarts (TenantIds). */
  constructor (dataset: Dataset, defaults: TenantDefaults, realNow: () => number, onSettled: SettledListener, processBytes: Uint8Array) {
    const shared = { dataset, scripts: new BankScripts(dataset, defaults.clock.startMs), scenario: null, label: null }
    this.context = { shared, defaults, realNow, onSettled, processBytes }
  }

  /** The tenant of a token, created on first use from the fixtures. */
  get (token: string): Tenant {
    let tenant = this.byToken.get(token)
    if (tenant === undefined) {
      tenant = new Tenant(token, this.byToken.size, this.context)
      this.byToken.set(token, tenant)
    }
    return tenant
  }

  /** Fixtures of a scenario, ready for a tenant to load; the bank scripts count from the same clock start. */
  scenarioData (scenario: FixtureFile, label: string): TenantData {
    const dataset = new Dataset(scenario)
    return { dataset, scripts: new BankScripts(dataset, this.context.defaults.clock.startMs), scenario, label }
  }

  all (): IterableIterator<Tenant> { return this.byToken.values() }
  get size (): number { return this.byToken.size }
}
