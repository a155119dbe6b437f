/**
 * `okra-emulator/fixtures`: making, checking and reading fixture files from code, as the
 * `okra-emulator generate` command does. Apart from the main entry because it loads faker and Ajv.
 */
export type { Dataset } from './core/dataset.js'
export type { FixtureFile } from './core/fixture.js'
export { JsonDataset } from './dataset/json.js'
export { SpecDataset } from './dataset/spec.js'
export { generateFixture, serializeFixture, DEFAULT_GENERATE_OPTIONS, type GenerateOptions } from './dataset/generate.js'
export { loadDataset, loadFixtureFile, validateFixture, FixtureError, DEFAULT_FIXTURE_PATH } from './dataset/load.js'
export { scenarioNames } from './dataset/scenarios.js'
