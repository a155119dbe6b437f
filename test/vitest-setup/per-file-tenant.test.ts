import { expect, it } from 'vitest'
import { useOkraEmulator } from '../../src/vitest.js'

// Run under okra-emulator/vitest's globalSetup (vitest.config.ts, project "vitest-setup").
const first = useOkraEmulator()
const second = useOkraEmulator()

it('shares one emulator, frozen, between calls that each get a tenant of their own', async () => {
  expect(second.url).toBe(first.url)
  expect(first.okraBaseUrl).toBe(`${first.url}/v2/`)
  expect(first.token).not.toBe(second.token)
  const answer = await fetch(`${first.okraBaseUrl}balance/getByCustomer`, {
    method: 'POST',
    headers: { authorization: `Bearer ${first.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ customer: '65e0fb087fcd5c0200000000' }),
  })
  expect(answer.status).toBe(200)
  expect((await first.admin.requests()).count).toBe(1)
  expect((await second.admin.requests()).count).toBe(0)
  expect((await first.admin.clock()).mode).toBe('frozen')
})
