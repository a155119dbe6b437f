/** okra-emulator's public API, for starting the emulator inside a test suite. */
export { createApp, okraPrefixes, DEFAULT_RECORD_DELAY_MS, REALISTIC_RECORD_DELAY_MS, type AppOptions } from './app.js'
export { startEmulator, DEFAULT_TEST_TOKEN, type RunningEmulator, type StartOptions } from './server.js'
export {
  AdminClient, AdminError, type AdminClientOptions, type Amounts, type ClockView, type DeliverySummary, type Failure, type FaultAction,
  type FaultInput, type FaultMatch, type FaultRule, type Health, type JournalEntry, type JournalFilter, type JournalPage,
  type RecordSummary, type TenantView,
} from './client.js'
export type { Dataset } from './core/dataset.js'
export { JsonDataset } from './dataset/json.js'
export { SpecDataset } from './dataset/spec.js'
export { generateFixture, serializeFixture, DEFAULT_GENERATE_OPTIONS, type GenerateOptions } from './dataset/generate.js'
export { loadDataset, loadFixtureFile, validateFixture, FixtureError, DEFAULT_FIXTURE_PATH } from './dataset/load.js'
export { scenarioNames } from './dataset/scenarios.js'
export { StoreError } from './persistence/errors.js'
export type { FixtureFile } from './core/fixture.js'
