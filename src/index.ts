/** okra-emulator's public API, for starting the emulator inside a test suite. */
export { createApp, okraPrefixes, DEFAULT_RECORD_DELAY_MS, REALISTIC_RECORD_DELAY_MS, type AppOptions } from './app.js'
export { startEmulator, type RunningEmulator, type StartOptions } from './server.js'
export { Dataset } from './core/dataset.js'
export { generateFixture, serializeFixture, DEFAULT_GENERATE_OPTIONS, type GenerateOptions } from './fixtures/generate.js'
export { loadFixtureFile, validateFixture, FixtureError, DEFAULT_FIXTURE_PATH } from './fixtures/load.js'
export type { FixtureFile } from './fixtures/types.js'
