/**
 * `okra-emulator/vitest`: one emulator for a whole vitest run, a tenant per test file.
 *
 * In vitest.config.ts, `test: { globalSetup: ['okra-emulator/vitest'] }`; in a test file,
 * `const okra = useOkraEmulator()` gives the emulator's URLs and a token, with an admin client for
 * it, that no other file shares: files run in parallel without seeing each other's state.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { afterAll, beforeAll, beforeEach, inject, type TestContext } from 'vitest'
import type { TestProject } from 'vitest/node'
import { AdminClient } from './client.js'
import { sinksOf, type WebhookSink, type WebhookSinkOptions } from './webhook-sink.js'

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
  /** A webhook receiver on 127.0.0.1 that this tenant's webhooks now go to; closed after the file. */
  webhookSink (options?: WebhookSinkOptions): Promise<WebhookSink>
}

export interface UseOkraEmulatorOptions {
  /**
   * Where a failing test's run manifest is written: a directory (then
   * `<dir>/<test file, relative to the working directory>/<test name>.manifest.json`), or false for
   * none. Default: $OKRA_EMULATOR_MANIFESTS (a directory, or "off"), else `__okra__/<test file>/`
   * beside the test file.
   */
  manifests?: string | false
}

/** Calls of useOkraEmulator in this file: the second one's manifests are named `.2.manifest.json`, and so on. */
let calls = 0

/**
 * In a test file, at the top: the run's emulator, with a fresh token. Each call gives a new tenant.
 * When a test fails, the tenant's run manifest is written to a file and the test's output says where;
 * that never throws, nor fails a test.
 */
export function useOkraEmulator (options: UseOkraEmulatorOptions = {}): OkraEmulatorForTests {
  const url = inject('okraEmulatorUrl')
  const token = `vitest-${randomUUID()}`
  const admin = new AdminClient(url, { token })
  const suffix = ++calls === 1 ? '' : `.${calls}`
  const sinks = sinksOf(admin)
  // A tenant is kept from its first change on; a reset makes it one, so its journal holds even a file that only looks up.
  beforeAll(async () => { await admin.reset() })
  afterAll(async () => { await sinks.closeAll() })
  const where = manifestDirectory(options.manifests)
  if (where !== false) {
    beforeEach((context) => {
      context.onTestFailed(async () => { await writeFailureManifest(admin, context, where, suffix) })
    })
  }
  return {
    url,
    okraBaseUrl: `${url}/v2/`,
    token,
    admin,
    webhookSink: sinks.start,
  }
}

/** The directory option, or the environment's (a helper inside the test run has no command line to be given one); null for beside each test file. */
function manifestDirectory (option: string | false | undefined): string | false | null {
  const given = option ?? process.env['OKRA_EMULATOR_MANIFESTS']
  if (given === false || given === 'off') return false
  return given === undefined || given === '' ? null : resolve(given)
}

/** Writes the tenant's manifest for a failed test and says where; a failure to do so is said too, never thrown. */
async function writeFailureManifest (admin: AdminClient, context: TestContext, dir: string | null, suffix: string): Promise<void> {
  const { task } = context
  const names: string[] = [task.name]
  for (let suite = task.suite; suite !== undefined && suite !== task.file; suite = suite.suite) names.unshift(suite.name)
  const name = names.join(' > ')
  try {
    const file = task.file.filepath
    const beside = relative(process.cwd(), file)
    const folder = dir === null
      ? join(dirname(file), '__okra__', basename(file))
      : join(dir, beside.startsWith('..') || isAbsolute(beside) ? basename(file) : beside)
    const slug = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 120) || 'test'
    const path = join(folder, `${slug}${suffix}.manifest.json`)
    const manifest = await admin.manifest()
    await mkdir(folder, { recursive: true })
    await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`)
    // vitest refuses context.annotate once a test has failed, which is when this runs: the test's output says it instead.
    console.warn(`okra-emulator: the run manifest of "${name}" is in ${path} (POST it to /__admin/manifest to rebuild the tenant)`)
  } catch (error) {
    console.warn(`okra-emulator: could not write the run manifest of "${name}": ${(error as Error).message}`)
  }
}
