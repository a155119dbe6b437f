import { describe, expect, it } from 'vitest'
import { CallLog, type ManifestCall } from '../../src/core/calls.js'

const call = (n: number, body: string | null = `{"n":${n}}`): ManifestCall =>
  ({ at: '2026-11-02T09:00:00.000Z', method: 'POST', path: `/v2/balance/refresh?n=${n}`, body, bodyBytes: body === null ? 0 : body.length, status: 200 })

describe('CallLog', () => {
  it('lists the calls oldest first, as given', () => {
    const log = new CallLog()
    log.add(call(1))
    log.add(call(2, null))
    expect(log.list()).toStrictEqual({ dropped: 0, items: [call(1), call(2, null)] })
  })

  it('keeps the newest 500 calls and counts those let go', () => {
    const log = new CallLog()
    for (let n = 1; n <= 503; n++) log.add(call(n))
    const { dropped, items } = log.list()
    expect([dropped, items.length, items[0]?.path, items.at(-1)?.path]).toStrictEqual([3, 500, '/v2/balance/refresh?n=4', '/v2/balance/refresh?n=503'])
  })

  it('keeps a body\'s first 2 KiB and its full length, and at most 256 KiB of text in all', () => {
    const log = new CallLog()
    const big = 'x'.repeat(5000)
    log.add(call(1, big))
    const [first] = log.list().items
    expect([first?.body?.length, first?.bodyBytes]).toStrictEqual([2048, 5000])
    // Each call then costs about 2,200 bytes (128 + its path + 2,048): 119 fit in 256 KiB, the 120th lets the oldest go.
    for (let n = 2; n <= 120; n++) log.add(call(n, big))
    expect([log.list().dropped, log.list().items.length]).toStrictEqual([1, 119])
  })

  it('starts over on clear', () => {
    const log = new CallLog()
    for (let n = 1; n <= 501; n++) log.add(call(n))
    log.clear()
    log.add(call(7))
    expect(log.list()).toStrictEqual({ dropped: 0, items: [call(7)] })
  })
})
