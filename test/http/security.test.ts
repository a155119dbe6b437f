import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator } from '../../src/server.js'
import { defaultFixtures, startTestServer, type TestServer } from '../support/server.js'

const customer = '65e0fb087fcd5c0200000000'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({
    // A route that fails the way a bug would, to see what leaves the process when one does.
    onApp: (app) => { app.get('/__boom', async () => { throw new Error(`broken at ${new URL(import.meta.url).pathname}:12:3`) }) },
  })
})
afterAll(async () => { await server.close() })

describe('security basics', () => {
  it('listens on 127.0.0.1 unless told otherwise', async () => {
    const emulator = await startEmulator({ fixtures: await defaultFixtures() })
    try {
      expect(emulator.app.server.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' })
      expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    } finally {
      await emulator.close()
    }
  })

  it('parses bodies without prototype pollution, on Okra and /__admin routes alike', async () => {
    const bodies = [
      `{"customer":"${customer}","__proto__":{"polluted":"yes"}}`,
      `{"customer":"${customer}","constructor":{"prototype":{"polluted":"yes"}}}`,
    ]
    for (const body of bodies) {
      for (const path of ['/v2/balance/getByCustomer', '/__admin/faults', '/__admin/scenario']) {
        const answer = await server.post(path, body)
        expect([answer.status, answer.body.status, answer.headers['x-okra-emulator-error']]).toStrictEqual([400, 'error', 'OKRA_EMU_INVALID_JSON'])
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false)
  })

  it('never lets a stack trace or a file path reach a response', async () => {
    const boom = await server.get('/__boom')
    expect([boom.status, boom.headers['x-okra-emulator-error'], boom.body]).toStrictEqual([500, 'OKRA_EMU_INTERNAL', {
      status: 'error', message: 'Something went wrong inside the emulator; the details are in its log',
    }])
    for (const answer of [boom, await server.post('/v2/balance/getByCustomer', '{"customer":'), await server.post('/v2/balance/getByDate', { from: 'x', to: 'y' })]) {
      expect(answer.text).not.toMatch(/\/work\/|node_modules|\.ts:\d|\bat \S+ \(/)
    }
  })
})
