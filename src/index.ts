/** okra-emulator's public API, for starting the emulator inside a test suite. */
export { createApp, okraPrefixes, DEFAULT_RECORD_DELAY_MS, REALISTIC_RECORD_DELAY_MS, type AppOptions } from './app.js'
export { startEmulator, DEFAULT_TEST_TOKEN, type RunningEmulator, type StartOptions } from './server.js'
export {
  AdminClient, AdminError, type AdminClientOptions, type Amounts, type ClockView, type DeliverySummary, type Failure, type FaultAction,
  type FaultInput, type FaultMatch, type FaultRule, type Health, type JournalEntry, type JournalFilter, type JournalPage,
  type RecordSummary, type TenantView,
} from './client.js'
export { Dataset } from './core/dataset.js'
export { generateFixture, serializeFixture, DEFAULT_GENERATE_OPTIONS, type GenerateOptions } from './fixtures/generate.js'
export { loadFixtureFile, validateFixture, FixtureError, DEFAULT_FIXTURE_PATH } from './fixtures/load.js'
export { scenarioNames } from './fixtures/scenarios.js'
export { StoreError } from './persistence/errors.js'
export type { FixtureFile } from './fixtures/types.js'
