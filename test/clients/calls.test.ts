import { readFileSync } from 'node:fs'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../support/server.js'
import { CALLS, UNSENT, tokenOf, type Call } from './calls.js'
import { fx } from './fixture-values.js'
import type { Answer } from './reads.js'

let server: TestServer
beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.close() })

/** Sends the call's bytes as they are: its own headers (token included), content type and body. */
async function send (call: Call, path = call.path): Promise<Answer> {
  const answer = await request(`${server.url}${path}`, { method: call.method, headers: call.headers, body: call.body })
  const text = await answer.body.text()
  let json: unknown
  try { json = JSON.parse(text) } catch {}
  return { status: answer.statusCode, headers: answer.headers, text, json }
}

/** A refresh of the fixture account, completed on the client's own clock, for a call that polls its record. */
async function completedRefresh (call: Call): Promise<string> {
  const started = await request(`${server.url}/v2/balance/refresh`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokenOf(call.client)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ account_id: fx.account }),
  })
  const { data } = await started.body.json() as { data: { record: string } }
  await server.admin.as(tokenOf(call.client)).advance('3s')
  return data.record
}

const title = (c: Call) => `${c.client.name}: ${c.call} — ${c.method} ${c.path.replace(/\?.*/, '')}`
const byOutcome = (outcome: Call['outcome']) => CALLS.filter((c) => c.outcome === outcome)

describe('calls that work: the fields each client reads', () => {
  it.each(byOutcome('works').map((c) => [title(c), c] as const))('%s', async (_, call) => {
    const path = call.path.includes('{record}') ? call.path.replace('{record}', await completedRefresh(call)) : call.path
    call.reads!(await send(call, path))
  })
})

describe('calls that fail by the client\'s own bug: the exact answer to its request', () => {
  it.each(byOutcome('client-bug').map((c) => [`${title(c)} (${c.why})`, c] as const))('%s', async (_, call) => {
    call.reads!(await send(call))
  })
})

/**
 * Routes being added by other changes: each call answers today's 404. When one lands, this fails and
 * its calls move to `works` with the fields the client reads.
 */
describe('awaitingRoutes: calls on routes not served yet', () => {
  it.each(byOutcome('awaiting').map((c) => [title(c), c] as const))('%s', async (_, call) => {
    const answer = await send(call)
    const route = call.path.replace(/\?.*/, '')
    expect([answer.status, answer.text]).toStrictEqual([404, `{"status":"error","message":"Route ${call.method} ${route} not found"}`])
  })
})

describe('calls outside the Balance product', () => {
  it.each(byOutcome('not-served').map((c) => [title(c), c] as const))('%s answers 404', async (_, call) => {
    const answer = await send(call)
    expect([answer.status, answer.text]).toStrictEqual([404, `{"status":"error","message":"Route ${call.method} ${call.path} not found"}`])
  })
})

describe('okra-node 0.1.2 polling a record that is still running', () => {
  // okra-node 0.1.x counts only `status: "success"` as an answer; anything else goes to its error
  // callback as `msg`. A running record's callback repeats the refresh's own success answer.
  it('reads the running record\'s answer as a success: the refresh\'s own data again', async () => {
    const call = CALLS.find((c) => c.call === 'getRecordByMethod')!
    const started = await request(`${server.url}/v1/balance/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenOf(call.client)}_pending`, 'content-type': 'application/json' },
      body: JSON.stringify({ account_id: fx.account }),
    })
    const { data } = await started.body.json() as { data: { record: string } }
    const answer = await send({ ...call, headers: { ...call.headers, authorization: `Bearer ${tokenOf(call.client)}_pending` } }, `/v1/callback?record=${data.record}&method=BALANCE`)
    expect([answer.status, answer.json.status, answer.json.message, answer.json.data.record]).toStrictEqual([200, 'success', 'Balance checking...', data.record])
  })
})

describe('the README\'s "Okra clients" table', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('## Okra clients'), readme.indexOf('## Records: refresh'))
  const rows = [...section.matchAll(/^\| (.+?) \| ?(.*?) \| \**(\d+)\**? \| \**(\d+)\**? \| \**(\d+)\**? \| \**(\d+)\**? \| \**(\d+)\**? \|/gm)]
    .map(([, name, version, ...counts]) => [name, version, ...counts.map(Number)] as const)

  it('counts each tested client\'s calls as the table in calls.ts has them', () => {
    const clients = [...new Set([...CALLS, ...UNSENT].map((c) => c.client))]
    for (const client of clients) {
      const outcomes = [...CALLS.filter((c) => c.client === client).map((c) => c.outcome), ...UNSENT.filter((c) => c.client === client).map(() => 'client-bug')]
      const count = (o: string) => outcomes.filter((x) => x === o).length
      expect(rows).toContainEqual([client.name, client.version, outcomes.length, count('works'), count('awaiting'), count('client-bug'), count('not-served')])
    }
  })

  it('adds its rows up to its total', () => {
    const total = rows.find(([name]) => name === '**Total**')!
    const sums = [2, 3, 4, 5, 6].map((i) => rows.filter(([name]) => name !== '**Total**').reduce((sum, row) => sum + (row[i] as number), 0))
    expect(total.slice(2)).toStrictEqual(sums)
  })
})
