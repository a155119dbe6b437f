import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import type { Dataset } from '../core/dataset.js'
import { DomainError } from '../core/errors.js'
import { checkManifestState, fromManifestState, toManifestState, type ManifestState } from '../core/manifest.js'
import type { Tenant, TenantData } from '../core/tenant.js'
import { BANK_CATALOGUE } from '../dataset/banks.js'
import { resolveScenario } from '../dataset/scenarios.js'
import type { OpenApiDocument } from '../openapi/load.js'
import { routeSchema } from '../openapi/schemas.js'
import type { Manifest } from '../wire/index.js'
import { clockOf, tenantView, type Background } from './admin.js'
import { ok } from './envelope.js'

export type ManifestOptions = NonNullable<Manifest['options']>

const BANK_IDS = new Set(BANK_CATALOGUE.map((entry) => entry.bank._id))

/** A manifest carries its scenario whole, which may be as large as a scenario sent alone. */
const MANIFEST_BODY_LIMIT = 64 * 1024 * 1024

/**
 * GET and POST /__admin/manifest: what reproduces a tenant's state, and rebuilding it from that.
 * `options` is what the emulator was started with that shapes behaviour, already stripped of paths
 * and secrets (app.ts).
 */
export function manifestRoutes (app: FastifyInstance, doc: OpenApiDocument, background: Background, options: ManifestOptions): void {
  app.get('/manifest', { schema: routeSchema(doc, 'adminGetManifest') }, async (request) => {
    const { tenant } = request
    // A manifest goes into test output and bug reports: the signing secret stays behind, whatever the schema would drop.
    const state = tenant.exportState()
    state.webhook.secret = null
    const manifest: Manifest = {
      format: 'okra-emulator/manifest',
      version: 1,
      emulator: emulatorVersion(),
      fixtures: fixturesOf(app.dataset),
      options,
      clock: clockOf(tenant),
      scenario: scenarioOf(tenant),
      state: toManifestState(state) as unknown as Manifest['state'],
      calls: tenant.calls.list(),
    }
    return ok('Manifest written', manifest)
  })

  app.post('/manifest', { schema: routeSchema(doc, 'adminLoadManifest'), bodyLimit: MANIFEST_BODY_LIMIT }, async (request) => {
    const manifest = request.body as Manifest
    const state = manifest.state as unknown as ManifestState
    // Every check comes before the first change: a refused manifest leaves the tenant as it was.
    let data: TenantData | undefined
    if (manifest.scenario !== null) {
      const { file, label, dataset } = await resolveScenario(manifest.scenario)
      data = app.tenants.scenarioData(file, label, dataset)
    } else {
      const ours = fixturesOf(app.dataset).digest
      if (manifest.fixtures.digest !== ours) {
        throw new DomainError('OKRA_EMU_MANIFEST_MISMATCH', `The manifest was made over other fixtures (${manifest.fixtures.digest}) than this emulator's (${ours}) and carries no scenario: start the emulator with the same --fixtures`)
      }
    }
    checkManifestState(state, data?.dataset ?? app.dataset, (id) => BANK_IDS.has(id))
    request.tenant.loadManifest(fromManifestState(state), ...(data === undefined ? [] : [data]))
    await background.wake(request.tenant)
    return ok('Manifest loaded', tenantView(request.tenant))
  })
}

/** The scenario as POST /__admin/scenario takes it: a ready-made one by name, an inline one whole. */
function scenarioOf (tenant: Tenant): Manifest['scenario'] {
  const { scenario, label } = tenant.scenario
  if (scenario === null) return null
  return label !== null && label !== 'inline' ? { name: label } : scenario as unknown as Manifest['scenario']
}

const digests = new WeakMap<Dataset, Manifest['fixtures']>()

/**
 * The shared fixtures' fingerprint: sha256 of the fixture document's JSON, or of the generator spec
 * with its defaults filled in, so the same data gives the same digest however it was written down.
 * Worked out once per Dataset, on the first manifest asked for.
 */
function fixturesOf (dataset: Dataset): Manifest['fixtures'] {
  let fixtures = digests.get(dataset)
  if (fixtures === undefined) {
    const { source } = dataset
    const text = JSON.stringify(source.kind === 'file' ? source.file : { generate: source.spec })
    const seed = source.kind === 'file' ? source.file.generator?.['seed'] : source.spec.seed
    fixtures = { digest: `sha256:${createHash('sha256').update(text).digest('hex')}`, kind: source.kind, seed: Number.isSafeInteger(seed) ? seed as number : null }
    digests.set(dataset, fixtures)
  }
  return fixtures
}

let version: string | undefined
function emulatorVersion (): string {
  // src/routes and dist/routes both sit two levels below the package root.
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  return version
}
