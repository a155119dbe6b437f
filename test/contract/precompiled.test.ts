import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp, type AppOptions } from '../../src/app.js'
import { PrecompiledSchemas, SchemaRecorder } from '../../src/openapi/precompiled.js'
import { defaultFixtures, TEST_CLOCK_START } from '../support/server.js'

const CUSTOMER = '65e0fb087fcd5c0200000000'
const ACCOUNT = '65e0fafe7fcd5c0300000000'

/** Requests of every kind of schema: bodies and queries valid and not, answers of several statuses. */
const REQUESTS: Array<{ method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown }> = [
  { method: 'POST', url: '/v2/balance/getByCustomer', body: { customer: CUSTOMER, limit: 5 } },
  { method: 'POST', url: '/v2/balance/getByCustomer', body: { customer: CUSTOMER, limit: 5 } },
  { method: 'POST', url: '/v1/balance/getByCustomer', body: { customer: CUSTOMER, page: 2, limit: 3, includePeriodic: false } },
  { method: 'POST', url: '/v2/balance/getByCustomer', body: { customer: 5 } },
  { method: 'POST', url: '/v2/balance/getByCustomer', body: {} },
  { method: 'POST', url: '/sandbox/v2/balance/getByType', body: { type: 'nope', value: 1 } },
  { method: 'POST', url: '/v2/sandbox/balance/getByDate', body: { from: '2025-01-01', to: '2026-12-31', limit: 3 } },
  { method: 'POST', url: '/v2/balance/getById', body: { id: 'missing' } },
  { method: 'POST', url: '/v2/products/balances', body: { limit: 2 } },
  { method: 'POST', url: '/v2/balance/refresh', body: { account_id: ACCOUNT } },
  { method: 'POST', url: '/sandbox/v1/balance/check', body: { account_id: 7 } },
  { method: 'GET', url: '/v2/callback?record=zz&method=BALANCE' },
  { method: 'GET', url: '/v2/callback' },
  { method: 'GET', url: '/__admin/records' },
  { method: 'POST', url: '/__admin/clock/advance', body: { by: 'soon' } },
  { method: 'PUT', url: '/__admin/policy', body: { policy: { kind: 'polls', polls: 2 } } },
  { method: 'PUT', url: '/__admin/policy', body: { policy: { kind: 'bad' } } },
]

async function answers (app: FastifyInstance) {
  const seen = []
  for (const request of REQUESTS) {
    const answer = await app.inject({
      method: request.method,
      url: request.url,
      headers: { authorization: 'Bearer precompiled' },
      ...(request.body === undefined ? {} : { payload: request.body as object }),
    })
    const { date: _date, ...headers } = answer.headers // the wall clock's second, not an answer's content
    seen.push({ request: `${request.method} ${request.url}`, status: answer.statusCode, headers, body: answer.body })
  }
  return seen
}

describe('the build\'s precompiled schemas', () => {
  let dir: string
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'okra-emu-precompiled-')) })
  afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

  it('answer every request exactly as compiled schemas do', async () => {
    const options: AppOptions = { fixtures: await defaultFixtures(), clock: { mode: 'frozen', start: TEST_CLOCK_START } }
    const recorder = new SchemaRecorder()
    const building = await createApp({ ...options, compileSchemas: recorder })
    await building.ready()
    await building.close()
    const location = pathToFileURL(`${dir}/`)
    recorder.write(location)
    const precompiled = PrecompiledSchemas.read(location)
    expect(precompiled).toBeDefined()

    const restored = await createApp({ ...options, compileSchemas: precompiled })
    const compiled = await createApp({ ...options, compileSchemas: 'eager' })
    try {
      expect(await answers(restored)).toStrictEqual(await answers(compiled))
      expect(precompiled?.restoredCount).toBeGreaterThan(REQUESTS.length)
    } finally {
      await restored.close()
      await compiled.close()
    }
  })

  it('are not used for other compiler options, and are simply absent when not built', async () => {
    const recorder = new SchemaRecorder()
    const building = await createApp({ fixtures: await defaultFixtures(), compileSchemas: recorder })
    await building.ready()
    await building.close()
    const location = pathToFileURL(`${dir}/other/`)
    recorder.write(location)
    const precompiled = PrecompiledSchemas.read(location) as PrecompiledSchemas
    const route = { schema: {}, method: 'POST', url: '/v2/balance/getByCustomer', httpPart: 'body' }
    const options = { customOptions: { coerceTypes: false, allowUnionTypes: true, verbose: true, keywords: ['x-error-message', 'example'] }, plugins: [] }
    expect(precompiled.restore('validator', { ...options, customOptions: { ...options.customOptions, coerceTypes: 'array' } }, route)).toBeUndefined()
    expect(PrecompiledSchemas.read(pathToFileURL(`${dir}/none/`))).toBeUndefined()
  })
})
