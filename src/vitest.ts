/**
 * `okra-emulator/vitest`: one emulator for a whole vitest run, a tenant per test file.
 *
 * In vitest.config.ts, `test: { globalSetup: ['okra-emulator/vitest'] }`; in a test file,
 * `const okra = useOkraEmulator()` gives the emulator's URLs and a token, with an admin client for
 * it, that no other file shares: files run in parallel without seeing each other's state.
 */
import { randomUUID } from 'node:crypto'
import { beforeAll, inject } from 'vitest'
import type { TestProject } from 'vitest/node'
import { AdminClient } from './client.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The root URL of the emulator this run's globalSetup started. */
    okraEmulatorUrl: string
  }
}

/**
 * The globalSetup: starts the emulator on 127.0.0.1 and a free port with a frozen clock (a test moves
 * it with `admin.advance`), provides its URL to every test file, and stops it when the run ends.
 */
export default async function setup (project: TestProject): Promise<() => Promise<void>> {
  // Loaded here, not at the top: test files import this module for useOkraEmulator and need no server.
  const { startEmulator } = await import('./server.js')
  const emulator = await startEmulator({ clock: { mode: 'frozen' } })
  project.provide('okraEmulatorUrl', emulator.url)
  return async () => { await emulator.close() }
}

export interface OkraEmulatorForTests {
  /** The server's root, e.g. http://127.0.0.1:41234 */
  url: string
  /** Where to point an Okra client (trailing slash included, as okra-node expects). */
  okraBaseUrl: string
  /** A bearer token of this call's own: its tenant is empty of changes and shared with no other file. */
  token: string
  /** The typed /__admin client for `token`. */
  admin: AdminClient
}

/** In a test file, at the top: the run's emulator, with a fresh token. Each call gives a new tenant. */
export function useOkraEmulator (): OkraEmulatorForTests {
  const url = inject('okraEmulatorUrl')
  const token = `vitest-${randomUUID()}`
  const admin = new AdminClient(url, { token })
  // A tenant is kept from its first change on; a reset makes it one, so its journal holds even a file that only looks up.
  beforeAll(async () => { await admin.reset() })
  return { url, okraBaseUrl: `${url}/v2/`, token, admin }
}
