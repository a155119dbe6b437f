import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXTRA_ROUTES, routesFromSpec, type Step } from './arbitraries.js'
import { FuzzSession, pollution } from './run.js'

/**
 * Hostile requests at every route, /__admin included: each route gets RUNS_PER_ROUTE generated
 * cases, checked for 5xx, hangs, answers outside Okra's envelope or the contract, state changed by
 * a rejected request, leaked internals and prototype pollution (see run.ts). The seed is fixed so CI
 * is deterministic; `npm run fuzz` runs a hundred thousand cases on a seed of its own.
 */
const SEED = 20_261_102
const RUNS_PER_ROUTE = 200
const ROUTES = [...routesFromSpec(), ...EXTRA_ROUTES]

let session: FuzzSession
beforeAll(async () => {
  session = await FuzzSession.open()
  console.log(`fuzz: seed ${SEED} (route n runs with seed ${SEED} + n), ${RUNS_PER_ROUTE} cases for each of ${ROUTES.length} routes`)
})
// close() also fails when any answer broke openapi.yaml.
afterAll(async () => { await session.close() })

describe('the judge on the live emulator', () => {
  const json = (route: string, path: string, body: unknown): Step => ({
    route, method: 'POST', path, query: '', headers: [['authorization', 'Bearer fuzz'], ['content-type', 'application/json']], body: { kind: 'json', spec: { v: body } },
  })

  it.each([
    { kind: 'close' }, { kind: 'error', status: 500 }, { kind: 'error', status: 503, body: { oops: true } }, { kind: 'timeout' }, { kind: 'latency', ms: 5 }, { kind: 'rate_limit' },
  ])('accepts what a fault rule %j makes a request answer, and only for its own tenant', async (action) => {
    const lookup = json('POST /balance/getByCustomer', '/v2/balance/getByCustomer', { customer: session.target.known.customers[0] })
    await session.runCase({ steps: [json('POST /__admin/faults', '/__admin/faults', { action }), lookup, { ...lookup, headers: [['authorization', 'Bearer fuzz-other'], ['content-type', 'application/json']] }] })
  })

  it('accepts Okra\'s 503 for the callback of the seeded record whose bank timed out', async () => {
    const [,, timedOut] = session.target.known.records
    const answers: string[] = []
    session.trace = (_step, answer) => { answers.push(answer) }
    try {
      await session.runCase({ steps: [{ route: 'GET /callback', method: 'GET', path: '/v2/callback', query: `record=${timedOut}&method=CHECK_BALANCE`, headers: [['authorization', 'Bearer fuzz']], body: { kind: 'none' } }] })
    } finally {
      session.trace = null
    }
    expect(answers).toHaveLength(1)
    expect(answers[0]).toMatch(/^503 .*timeout response/)
  })
})

describe('fuzzing every route', () => {
  ROUTES.forEach((route, n) => {
    it(`${route.name} withstands ${RUNS_PER_ROUTE} hostile cases`, async () => {
      await fc.assert(fc.asyncProperty(session.arbitrary(session.route(route.name)), session.runCase), { seed: SEED + n, numRuns: RUNS_PER_ROUTE })
    }, 60_000)
  })
})

describe('after the fuzz', () => {
  it('answers a normal getByCustomer exactly as before it', async () => {
    await session.checkNormalRequest()
  })

  it('left no prototype polluted', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(pollution()).toBeNull()
  })

  it('ran every case it was asked to', () => {
    expect(session.tally.cases).toBeGreaterThanOrEqual(ROUTES.length * RUNS_PER_ROUTE)
    console.log(`fuzz: ${session.tally.cases} cases, ${session.tally.steps} requests; statuses ${session.tally.summary()}`)
  })
})
