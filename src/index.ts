/**
 * okra-emulator's public API, for starting the emulator inside a test suite. Importing it loads only
 * the admin client and a few constants: Fastify and the app load on the first createApp or
 * startEmulator, so a test file that merely imports the package does not pay for them (bench/RESULTS.md,
 * "Import cost"). Fixture generation and validation, and faker under them, are `okra-emulator/fixtures`.
 */
import type { FastifyInstance } from 'fastify'
import type { AppOptions } from './app.js'
import type { FixtureFile } from './core/fixture.js'
import type { RunningEmulator, StartOptions } from './server.js'

export type { AppOptions, FixtureFile, RunningEmulator, StartOptions }
export { DEFAULT_RECORD_DELAY_MS, REALISTIC_RECORD_DELAY_MS, DEFAULT_TEST_TOKEN } from './options.js'
export {
  AdminClient, AdminError, WaitTimeoutError, type AdminClientOptions, type Amounts, type ClockView, type DeliverySummary, type Failure, type FaultAction,
  type FaultInput, type FaultMatch, type FaultRule, type Health, type JournalEntry, type JournalFilter, type JournalPage,
  type Manifest, type RecordSummary, type TenantView,
} from './client.js'
export { StoreError } from './persistence/errors.js'
export type { ReceivedWebhook, WaitForOptions, WebhookSink, WebhookSinkOptions } from './webhook-sink.js'

/** Builds the emulator without listening, for `app.inject()` or a listen of your own. */
export async function createApp (options: AppOptions = {}): Promise<FastifyInstance> {
  return await (await import('./app.js')).createApp(options)
}

/** Starts the emulator (127.0.0.1 and a free port unless told otherwise) and returns where it listens. */
export async function startEmulator (options: StartOptions = {}): Promise<RunningEmulator> {
  return await (await import('./server.js')).startEmulator(options)
}

/** Reads and validates a fixture file; a FixtureError (okra-emulator/fixtures) says what is wrong and where. */
export async function loadFixtureFile (path: string): Promise<FixtureFile> {
  return await (await import('./dataset/load.js')).loadFixtureFile(path)
}
