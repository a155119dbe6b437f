/**
 * `okra-emulator/fixtures`: making, checking and reading fixture files from code, as the
 * `okra-emulator generate` command does. Apart from the main entry because it loads faker and Ajv.
 */
export { Dataset } from './core/dataset.js'
export { generateFixture, serializeFixture, DEFAULT_GENERATE_OPTIONS, type GenerateOptions } from './fixtures/generate.js'
export { loadFixtureFile, validateFixture, FixtureError, DEFAULT_FIXTURE_PATH, type LoadOptions } from './fixtures/load.js'
export { scenarioNames } from './fixtures/scenarios.js'
export type { FixtureFile } from './fixtures/types.js'
