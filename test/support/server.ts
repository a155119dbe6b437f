import type { Dataset } from '../../src/core/dataset.js'
import { startEmulator, type RunningEmulator, type StartOptions } from '../../src/server.js'
import { ContractChecker } from './contract.js'
import { request } from 'undici'
import { loadDataset, DEFAULT_FIXTURE_PATH } from '../../src/dataset/load.js'

/** The instant every test clock starts at unless a test says otherwise. */
export const TEST_CLOCK_START = '2026-11-02T09:00:00.000Z'

let defaultDataset: Dataset | undefined

/** The committed default fixtures, loaded once per test file. */
export async function defaultFixtures (): Promise<Dataset> {
  defaultDataset ??= await loadDataset(DEFAULT_FIXTURE_PATH)
  return defaultDataset
}

export interface TestServer extends RunningEmulator {
  contract: ContractChecker
  /** POSTs JSON (or a raw string) with a bearer token and reads the answer. */
  post (path: string, body?: unknown, init?: RequestInit): Promise<Answer>
  get (path: string, init?: RequestInit): Promise<Answer>
  send (method: string, path: string, init?: RequestInit & { body?: string }): Promise<Answer>
}

interface RequestInit {
  token?: string | null
  headers?: Record<string, string>
}

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: any
  text: string
}

/**
 * Starts an emulator on 127.0.0.1 and a free port with a frozen clock and the default fixtures;
 * every response it sends is checked against openapi.yaml. close() fails when the contract drifted.
 */
export async function startTestServer (options: StartOptions = {}): Promise<TestServer> {
  const contract = new ContractChecker()
  const emulator = await startEmulator({
    fixtures: await defaultFixtures(),
    clock: { mode: 'frozen', start: TEST_CLOCK_START },
    ...options,
    host: '127.0.0.1',
    port: 0,
    onApp: (app) => { contract.install(app); options.onApp?.(app) },
  })
  const send = async (method: string, path: string, init: RequestInit & { body?: string } = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...init.headers }
    const token = init.token === undefined ? 'test-token' : init.token
    if (token !== null) headers.authorization = `Bearer ${token}`
    const response = await request(`${emulator.url}${path}`, { method: method as 'POST', headers, body: init.body })
    const text = await response.body.text()
    let body: unknown = text
    try { body = JSON.parse(text) } catch {}
    return { status: response.statusCode, headers: response.headers, body, text }
  }
  return {
    ...emulator,
    contract,
    send,
    post: (path, body, init = {}) => send('POST', path, {
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
      body: typeof body === 'string' ? body : JSON.stringify(body ?? {}),
    }),
    get: (path, init) => send('GET', path, init),
    close: async () => {
      await emulator.close()
      if (contract.violations.length > 0) {
        throw new Error(`responses broke openapi.yaml:\n${contract.violations.join('\n')}`)
      }
    },
  }
}
