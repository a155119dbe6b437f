import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DomainError } from '../core/errors.js'
import type { Dataset } from '../core/dataset.js'
import type { FixtureFile } from '../core/fixture.js'

// The loader brings Ajv, which a plain start never needs: it loads with the first scenario.
const loader = async () => await import('./load.js')

/** The ready-made scenarios ship beside the default fixtures, one file a name. */
const SCENARIO_DIR = fileURLToPath(new URL('../../fixtures/', import.meta.url))
const SCENARIO_NAME = /^[a-z0-9][a-z0-9-]*$/

/** The names of the ready-made scenarios: every fixture file in fixtures/ but the schema. */
export function scenarioNames (): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((file) => file.endsWith('.json') && file !== 'fixture.schema.json')
    .map((file) => file.slice(0, -'.json'.length))
    .sort()
}

/** A scenario's file as loaded, kept so the database can load it again, and its Dataset. */
export interface Scenario {
  file: FixtureFile
  dataset: Dataset
  /** The ready-made scenario's name, or "inline" for one sent whole. */
  label: string
}

/**
 * A scenario as the control API (and the database) names it: a ready-made one by `name`, or a
 * fixture document, validated as a fixture file is; problems are a 400 naming the path.
 */
export async function resolveScenario (source: unknown): Promise<Scenario> {
  const name = (source as { name?: unknown } | null)?.name
  if (typeof name === 'string' && (!SCENARIO_NAME.test(name) || !scenarioNames().includes(name))) {
    throw new DomainError('OKRA_EMU_INVALID_SCENARIO', `No ready-made scenario named "${name}"; there are: ${scenarioNames().join(', ')}`, { field: 'name' })
  }
  const { FixtureError, checkFixture, readJson } = await loader()
  // The name is checked against the list above, so it can never reach outside fixtures/.
  if (typeof name === 'string') {
    const path = join(SCENARIO_DIR, `${name}.json`)
    return { ...checkFixture(await readJson(path), path), label: name }
  }
  try {
    return { ...checkFixture(source, 'scenario'), label: 'inline' }
  } catch (error) {
    if (error instanceof FixtureError) throw new DomainError('OKRA_EMU_INVALID_SCENARIO', error.message)
    throw error
  }
}
