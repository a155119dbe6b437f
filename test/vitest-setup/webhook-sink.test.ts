import { expect, it } from 'vitest'
import { useOkraEmulator } from '../../src/vitest.js'

// Run under okra-emulator/vitest's globalSetup (vitest.config.ts, project "vitest-setup").
const okra = useOkraEmulator()

it('points the file\'s tenant at a sink of its own, which sees the webhook of a refresh', async () => {
  const sink = await okra.webhookSink()
  expect((await okra.admin.webhooks()).settings).toStrictEqual({ url: sink.url, token: null, secret: null })
  const started = await fetch(`${okra.okraBaseUrl}balance/refresh`, {
    method: 'POST',
    headers: { authorization: `Bearer ${okra.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ account_id: '65e0fafe7fcd5c0300000000' }),
  })
  const { data } = await started.json() as { data: { record: string } }
  await okra.admin.advance('3s')
  const delivery = await sink.waitFor((d) => (d.body as { record?: string }).record === data.record)
  expect(delivery.answer).toBe('ok')
  expect(sink.received().length).toBe(1)
})
