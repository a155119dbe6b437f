import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../support/server.js'

const CUSTOMER = '65e0fb087fcd5c0200000000'
const ACCOUNT = '65e0fafe7fcd5c0300000000'
const TOKENS = 4_000
/** Long tokens, so that keeping anything per token (the token itself, at least) shows: 4,000 × 2 KB is 8 MB. */
const token = (i: number): string => `reader-${i}-${'x'.repeat(2_000)}`

// A full collection on demand, so the heap is measured as what is live, not as what was not yet collected.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function liveHeap (): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function lookUps (s: TestServer, from: number, count: number): Promise<void> {
  for (let start = from; start < from + count; start += 50) {
    await Promise.all(Array.from({ length: 50 }, async (_, k) => {
      const answer = await s.post('/v2/balance/getByAccount', { account: ACCOUNT }, { token: token(start + k) })
      expect(answer.status).toBe(200)
    }))
  }
}

describe('a token that only looks things up', () => {
  it(`leaves nothing behind once answered: ${TOKENS.toLocaleString('en')} long tokens add under 1 MB of live heap`, async () => {
    const s = server = await startTestServer()
    // Warm: compiled and optimised code, the answers' memo and the sockets' buffers are there before the first reading.
    await lookUps(s, 0, TOKENS)
    expect((await s.post('/v2/balance/getByCustomer', { customer: CUSTOMER }, { token: token(0) })).status).toBe(200)
    const before = liveHeap()
    await lookUps(s, TOKENS, TOKENS)
    const added = liveHeap() - before
    expect(s.app.tenants.size).toBe(0)
    // Anything kept per token (a tenant, a journal, its token as a key) would be at least 2 KB each: 8 MB.
    expect(added).toBeLessThan(1024 * 1024)
  }, 120_000)
})
