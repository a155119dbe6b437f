import { createHash } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Dataset } from '../core/dataset.js'
import type { Tenant, TenantData, TenantState } from '../core/tenant.js'
import type { Tenants } from '../core/tenants.js'
import { resolveScenario } from '../dataset/scenarios.js'
import type { FixtureFile } from '../core/fixture.js'
import { StoreError } from './errors.js'
import { acquireLock, releaseLock } from './lock.js'

const DB_FORMAT = 'okra-emulator/db'
/** 1 was one JSON file for every tenant (0.1.0); 2 is a directory with a file per tenant. */
const DB_VERSION = 2

interface Manifest {
  format: typeof DB_FORMAT
  version: typeof DB_VERSION
  /** Which fixtures the state was made over: state over other fixtures would point at nothing. */
  fixtures: { owner: string, customers: number, accounts: number, balances: number }
}

/** One tenant's file: its token (the file is named by the token's hash), its state and its scenario. */
interface StoredTenant {
  token: string
  state: TenantState
  /** A ready-made scenario by name, or an inline one by the hash of its file under scenarios/. */
  scenario: { name: string } | { inline: string } | null
}

export { StoreError }

const MANIFEST = 'manifest.json'
const TENANTS = 'tenants'
const SCENARIOS = 'scenarios'

/**
 * Every tenant's state under one directory: a manifest, one JSON file per tenant (named by a hash
 * of its token) and each inline scenario once (named by a hash of its content). A change rewrites
 * only its tenant's file, so a write costs what that one tenant holds (bounded by TENANT_LIMITS),
 * never what the whole database holds. Every file is written to a temporary name and renamed over
 * the old one, so a killed emulator leaves each file whole: the old version or the new one.
 *
 * A tenant is written when its revision moved since it was last written; the HTTP layer awaits the
 * save before the answer leaves. A tenant nobody changed (revision 0) is never written, so a look-up,
 * even a new token's first, writes nothing.
 */
export class TenantStore {
  readonly path: string
  private readonly saved = new WeakMap<Tenant, number>()
  /** The write in flight per tenant: writes of one tenant's file never overlap. */
  private readonly writing = new WeakMap<Tenant, Promise<void>>()
  /** Inline scenario hash of each tenant file as last written, and how many tenant files name each hash. */
  private readonly scenarioOf = new Map<string, string | null>()
  private readonly scenarioUses = new Map<string, number>()
  private readonly hashes = new WeakMap<FixtureFile, string>()
  /** Makes each temporary file's name unique. */
  private writes = 0
  private closed = false

  private constructor (path: string) {
    this.path = path
  }

  /**
   * Opens (or starts) the database directory at `path` for this fixture set. Refuses, with one line
   * and without touching anything, a directory that is not an okra-emulator database, of another
   * version or over other fixtures, a 0.1.0 single-file database, and a database another emulator holds.
   */
  static async open (path: string, dataset: Dataset): Promise<TenantStore> {
    const fixtures = fingerprint(dataset)
    const manifest = await readManifest(path)
    if (manifest !== null && JSON.stringify(manifest.fixtures) !== JSON.stringify(fixtures)) {
      throw new StoreError(`${path}: was written over other fixtures (${describe(manifest.fixtures)}, not ${describe(fixtures)}); start with the same --fixtures or another --db. The database was left untouched.`)
    }
    try {
      await mkdir(join(path, TENANTS), { recursive: true })
      await mkdir(join(path, SCENARIOS), { recursive: true })
    } catch (error) {
      throw new StoreError(`${path}: cannot be created or written (${codeOf(error)}); choose a --db directory this user can write.`)
    }
    await acquireLock(path)
    const store = new TenantStore(path)
    try {
      if (manifest === null) {
        for (const name of await readdir(path)) if (name.startsWith(`${MANIFEST}.`)) await unlink(join(path, name))
        await store.writeAtomically(join(path, MANIFEST), JSON.stringify({ format: DB_FORMAT, version: DB_VERSION, fixtures }, null, 2))
      }
    } catch (error) {
      await releaseLock(path)
      throw new StoreError(`${path}: cannot be written (${codeOf(error)}); choose a --db directory this user can write.`)
    }
    return store
  }

  /** Brings back every stored tenant; returns how many. Removes what a killed emulator left half-done. */
  async restoreInto (tenants: Tenants): Promise<number> {
    const dir = join(this.path, TENANTS)
    const names = await readdir(dir)
    const loaded = new Map<string, TenantData>()
    let count = 0
    for (const name of names) {
      if (name.endsWith('.tmp')) {
        await unlink(join(dir, name))
        continue
      }
      const stored = await this.readTenant(name)
      const tenant = tenants.get(stored.token)
      const data = await this.dataOf(tenants, stored, loaded)
      if (data === null) tenant.importState(stored.state)
      else tenant.importState(stored.state, data)
      this.saved.set(tenant, tenant.revision)
      const inline = stored.scenario !== null && 'inline' in stored.scenario ? stored.scenario.inline : null
      this.track(name, inline)
      count += 1
    }
    for (const name of await readdir(join(this.path, SCENARIOS))) {
      if (!this.scenarioUses.has(name.replace(/\.json$/, ''))) await unlink(join(this.path, SCENARIOS, name))
    }
    return count
  }

  /**
   * Writes the tenant if it changed since it was last written; resolves once its file holds every
   * change made before the call. Rejects when the disk refuses: the change stays in memory and the
   * next save of this tenant, whatever asks for it, writes it with the rest.
   */
  async saveIfChanged (tenant: Tenant): Promise<void> {
    const wanted = tenant.revision
    for (;;) {
      // A tenant never written and never changed is the fixtures as they are: nothing to write.
      if ((this.saved.get(tenant) ?? 0) >= wanted) return
      const running = this.writing.get(tenant)
      if (running === undefined) break
      // Another request is writing this tenant: wait, then write again only if that missed our change.
      await running.catch(() => {})
    }
    const write = this.write(tenant)
    this.writing.set(tenant, write)
    try {
      await write
    } finally {
      this.writing.delete(tenant)
    }
  }

  /** Lets another emulator open the database. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await releaseLock(this.path)
  }

  private async write (tenant: Tenant): Promise<void> {
    const revision = tenant.revision
    const name = `${tokenHash(tenant.token)}.json`
    const { scenario, label } = tenant.scenario
    let stored: StoredTenant['scenario'] = null
    let inline: string | null = null
    if (scenario !== null && label !== null && label !== 'inline') {
      stored = { name: label }
    } else if (scenario !== null) {
      inline = this.scenarioHash(scenario)
      stored = { inline }
      // Written once per content, before the first tenant file that names it.
      if (!this.scenarioUses.has(inline)) await this.writeAtomically(join(this.path, SCENARIOS, `${inline}.json`), JSON.stringify(scenario))
    }
    const body: StoredTenant = { token: tenant.token, state: tenant.exportState(), scenario: stored }
    await this.writeAtomically(join(this.path, TENANTS, name), JSON.stringify(body))
    this.saved.set(tenant, revision)
    const dropped = this.track(name, inline)
    if (dropped !== null) await unlink(join(this.path, SCENARIOS, `${dropped}.json`)).catch(() => {})
  }

  /** Records which inline scenario a tenant file names; returns a scenario hash no file names any more. */
  private track (name: string, inline: string | null): string | null {
    const before = this.scenarioOf.get(name) ?? null
    this.scenarioOf.set(name, inline)
    if (before === inline) return null
    if (inline !== null) this.scenarioUses.set(inline, (this.scenarioUses.get(inline) ?? 0) + 1)
    if (before === null) return null
    const left = (this.scenarioUses.get(before) ?? 1) - 1
    if (left > 0) {
      this.scenarioUses.set(before, left)
      return null
    }
    this.scenarioUses.delete(before)
    return before
  }

  private scenarioHash (scenario: FixtureFile): string {
    let hash = this.hashes.get(scenario)
    if (hash === undefined) {
      hash = createHash('sha256').update(JSON.stringify(scenario)).digest('hex')
      this.hashes.set(scenario, hash)
    }
    return hash
  }

  private async writeAtomically (file: string, text: string): Promise<void> {
    this.writes += 1
    const temporary = `${file}.${process.pid}.${this.writes}.tmp`
    try {
      await writeFile(temporary, text)
      await rename(temporary, file)
    } catch (error) {
      await unlink(temporary).catch(() => {})
      throw error
    }
  }

  private async readTenant (name: string): Promise<StoredTenant> {
    const file = join(TENANTS, name)
    let stored: StoredTenant
    try {
      stored = JSON.parse(await readFile(join(this.path, file), 'utf8')) as StoredTenant
    } catch (error) {
      throw new StoreError(`${this.path}: ${file} cannot be read as JSON (${codeOf(error)}); the database is damaged. It was left untouched.`)
    }
    if (typeof stored?.token !== 'string' || `${tokenHash(stored.token)}.json` !== name || typeof stored.state !== 'object' || stored.state === null) {
      throw new StoreError(`${this.path}: ${file} is not a tenant of this database; the database is damaged. It was left untouched.`)
    }
    return stored
  }

  /** The fixtures a stored tenant reads; tenants on one scenario share one loaded copy. */
  private async dataOf (tenants: Tenants, stored: StoredTenant, loaded: Map<string, TenantData>): Promise<TenantData | null> {
    if (stored.scenario === null) return null
    const key = 'name' in stored.scenario ? `name:${stored.scenario.name}` : `inline:${stored.scenario.inline}`
    let data = loaded.get(key)
    if (data === undefined) {
      let source: unknown = stored.scenario
      if ('inline' in stored.scenario) {
        const file = join(SCENARIOS, `${stored.scenario.inline}.json`)
        try {
          source = JSON.parse(await readFile(join(this.path, file), 'utf8'))
        } catch (error) {
          throw new StoreError(`${this.path}: ${file} cannot be read as JSON (${codeOf(error)}); the database is damaged. It was left untouched.`)
        }
      }
      const { file, label, dataset } = await resolveScenario(source)
      data = tenants.scenarioData(file, label, dataset)
      loaded.set(key, data)
    }
    return data
  }
}

/** A file name for any token: tokens may hold any character, the file system may not. */
function tokenHash (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

function fingerprint (dataset: Dataset): Manifest['fixtures'] {
  const { customers, accounts, balances } = dataset.stats
  return { owner: dataset.owner, customers, accounts, balances }
}

function describe (fixtures: Manifest['fixtures']): string {
  return `owner ${fixtures.owner}, ${fixtures.balances} balances`
}

function codeOf (error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message
}

/** The manifest of the database at `path`; null when there is none yet (no path, or an empty directory). */
async function readManifest (path: string): Promise<Manifest | null> {
  let kind
  try {
    kind = await stat(path)
  } catch (error) {
    const code = codeOf(error)
    if (code === 'ENOENT') return null
    throw new StoreError(`${path}: cannot be used as a --db directory (${code}); choose a --db directory this user can write.`)
  }
  if (!kind.isDirectory()) throw notADatabase(path, await head(path))
  let text: string
  try {
    text = await readFile(join(path, MANIFEST), 'utf8')
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw new StoreError(`${path}: its ${MANIFEST} cannot be read (${codeOf(error)}).`)
    if (await neverStarted(path)) return null
    throw new StoreError(`${path}: is a directory with files but no ${MANIFEST}, not an okra-emulator database; choose an empty or new directory. It was left untouched.`)
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new StoreError(`${path}: its ${MANIFEST} is not valid JSON; the database is damaged. It was left untouched.`)
  }
  const manifest = data as Partial<Manifest> | null
  if (manifest === null || typeof manifest !== 'object' || manifest.format !== DB_FORMAT || typeof manifest.fixtures !== 'object' || manifest.fixtures === null) {
    throw new StoreError(`${path}: is not an okra-emulator database (its ${MANIFEST} has no "format": "${DB_FORMAT}"). It was left untouched.`)
  }
  if (manifest.version !== DB_VERSION) {
    throw new StoreError(`${path}: is an okra-emulator database of version ${String(manifest.version)}; this emulator reads version ${DB_VERSION}. It was left untouched.`)
  }
  return manifest as Manifest
}

/**
 * Whether a directory without a manifest is empty, or holds only what a first start killed before
 * it wrote the manifest leaves (the lock, empty folders, a temporary manifest): then it is new.
 */
async function neverStarted (path: string): Promise<boolean> {
  for (const name of await readdir(path)) {
    if (name === 'lock' || (name.startsWith(`${MANIFEST}.`) && name.endsWith('.tmp'))) continue
    if ((name === TENANTS || name === SCENARIOS) && (await readdir(join(path, name)).catch(() => [null])).length === 0) continue
    return false
  }
  return true
}

/** The first bytes of a file: enough to recognise 0.1.0's database without reading all of it. */
async function head (path: string): Promise<string> {
  const file = await open(path).catch(() => null)
  if (file === null) return ''
  try {
    const { buffer, bytesRead } = await file.read({ buffer: Buffer.alloc(64), position: 0 })
    return buffer.toString('utf8', 0, bytesRead)
  } finally {
    await file.close()
  }
}

/** `--db` names a directory now; a file there is 0.1.0's single-file database or something else. */
function notADatabase (path: string, text: string): StoreError {
  if (/^\s*\{\s*"format"\s*:\s*"okra-emulator\/db"/.test(text)) {
    return new StoreError(`${path}: is an okra-emulator 0.1 database (one JSON file); --db now names a directory, and the old file is not read. Start with a new --db path. The file was left untouched.`)
  }
  return new StoreError(`${path}: is a file, not an okra-emulator database directory; choose an empty or new directory for --db. It was left untouched.`)
}
