import { readFile } from 'node:fs/promises'
import { Low } from 'lowdb'
import { JSONFile } from 'lowdb/node'
import type { Dataset } from '../core/dataset.js'
import type { Tenant, TenantData, TenantState } from '../core/tenant.js'
import type { Tenants } from '../core/tenants.js'
import { resolveScenario } from '../fixtures/scenarios.js'
import type { FixtureFile } from '../fixtures/types.js'
import { StoreError } from './errors.js'

export const DB_FORMAT = 'okra-emulator/db'
export const DB_VERSION = 1

/** A tenant as the database keeps it: its state, and how to find its scenario again. */
interface StoredTenant {
  state: TenantState
  scenario: { name: string } | { fixture: FixtureFile } | null
}

export interface DbFile {
  format: typeof DB_FORMAT
  version: typeof DB_VERSION
  /** Which fixtures the state was made over: state over other fixtures would point at nothing. */
  fixtures: { owner: string, customers: number, accounts: number, balances: number }
  tenants: Record<string, StoredTenant>
}

export { StoreError }

/**
 * Every tenant's state in one lowdb JSON file. lowdb writes through steno: a temporary file, then a
 * rename, so a crash mid-write leaves the previous good file. A tenant is saved whenever its
 * revision moved, and the HTTP layer awaits the save before the answer leaves, so whatever the
 * emulator has answered is on disk. Look-ups change nothing and so never write.
 */
export class TenantStore {
  readonly path: string
  private readonly db: Low<DbFile>
  private readonly saved = new WeakMap<Tenant, number>()

  private constructor (path: string, db: Low<DbFile>) {
    this.path = path
    this.db = db
  }

  /** Opens (or starts) the database at `path` for this fixture set; refuses a corrupt or foreign file. */
  static async open (path: string, dataset: Dataset): Promise<TenantStore> {
    const fixtures = fingerprint(dataset)
    const existing = await readExisting(path)
    if (existing !== null) {
      const found = existing.fixtures
      if (JSON.stringify(found) !== JSON.stringify(fixtures)) {
        throw new StoreError(`${path}: was written over other fixtures (${describe(found)}, not ${describe(fixtures)}); start with the same --fixtures or another --db. The file was left untouched.`)
      }
    }
    const db = new Low<DbFile>(new JSONFile<DbFile>(path), existing ?? { format: DB_FORMAT, version: DB_VERSION, fixtures, tenants: {} })
    return new TenantStore(path, db)
  }

  /** Brings back every stored tenant. */
  async restoreInto (tenants: Tenants): Promise<number> {
    let count = 0
    for (const [token, stored] of Object.entries(this.db.data.tenants)) {
      const tenant = tenants.get(token)
      const data = await this.dataOf(tenants, stored)
      if (data === null) tenant.importState(stored.state)
      else tenant.importState(stored.state, data)
      this.saved.set(tenant, tenant.revision)
      count += 1
    }
    return count
  }

  /** Writes the tenant if it changed since it was last written; resolves once the file holds it. */
  async saveIfChanged (tenant: Tenant): Promise<void> {
    const revision = tenant.revision
    if (this.saved.get(tenant) === revision) return
    const { scenario, label } = tenant.scenario
    this.db.data.tenants[tenant.token] = {
      state: tenant.exportState(),
      scenario: scenario === null ? null : label !== null && label !== 'inline' ? { name: label } : { fixture: scenario },
    }
    await this.db.write()
    this.saved.set(tenant, revision)
  }

  private async dataOf (tenants: Tenants, stored: StoredTenant): Promise<TenantData | null> {
    if (stored.scenario === null) return null
    const { file, label } = await resolveScenario('name' in stored.scenario ? stored.scenario : stored.scenario.fixture)
    return tenants.scenarioData(file, label)
  }
}

function fingerprint (dataset: Dataset): DbFile['fixtures'] {
  const { customers, accounts, balances } = dataset.stats
  return { owner: dataset.owner, customers, accounts, balances }
}

function describe (fixtures: DbFile['fixtures']): string {
  return `owner ${fixtures.owner}, ${fixtures.balances} balances`
}

/** The file's content if it is an okra-emulator database; null when there is no file yet. */
async function readExisting (path: string): Promise<DbFile | null> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new StoreError(`${path}: cannot be read (${(error as Error).message})`)
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new StoreError(`${path}: is not valid JSON (${(error as Error).message}); it is not an okra-emulator database, or it is damaged. The file was left untouched.`)
  }
  const db = data as Partial<DbFile> | null
  if (db === null || typeof db !== 'object' || db.format !== DB_FORMAT || typeof db.tenants !== 'object' || db.tenants === null || typeof db.fixtures !== 'object') {
    throw new StoreError(`${path}: is not an okra-emulator database (no "format": "${DB_FORMAT}"). The file was left untouched.`)
  }
  if (db.version !== DB_VERSION) {
    throw new StoreError(`${path}: is an okra-emulator database of version ${String(db.version)}; this emulator reads version ${DB_VERSION}. The file was left untouched.`)
  }
  return db as DbFile
}
