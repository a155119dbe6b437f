import { describe, expect, it } from 'vitest'
import { VirtualClock } from '../../src/core/clock.js'
import { parseDuration } from '../../src/core/duration.js'
import { parseDayRange } from '../../src/core/balances.js'

const START = Date.parse('2026-01-01T00:00:00.000Z')

function fakeReal (startMs: number) {
  let t = startMs
  return { now: () => t, tick: (ms: number) => { t += ms } }
}

describe('VirtualClock', () => {
  it('stands still when frozen until advanced', () => {
    const real = fakeReal(1_000)
    const clock = VirtualClock.startingAt(real.now, 'frozen', START)
    real.tick(60_000)
    expect(clock.now()).toBe(START)
    expect(clock.advance(1500)).toBe(START + 1500)
  })

  it('follows real time from its start when running, shifted by advances', () => {
    const real = fakeReal(1_000)
    const clock = VirtualClock.startingAt(real.now, 'running', START)
    real.tick(250)
    expect(clock.now()).toBe(START + 250)
    clock.advance(10_000)
    expect(clock.now()).toBe(START + 10_250)
  })

  it('refuses to move backwards', () => {
    const clock = VirtualClock.startingAt(() => 0, 'frozen', START)
    expect(() => clock.advance(-1)).toThrow(/only moves forward/)
    expect(clock.now()).toBe(START)
  })

  it('resumes from where it was frozen, not from real time', () => {
    const real = fakeReal(0)
    const clock = VirtualClock.startingAt(real.now, 'running', START)
    clock.freeze()
    real.tick(5_000)
    expect(clock.now()).toBe(START)
    clock.resume()
    real.tick(100)
    expect(clock.now()).toBe(START + 100)
  })

  it('restores a snapshot', () => {
    const clock = VirtualClock.startingAt(() => 0, 'frozen', START)
    const saved = clock.snapshot()
    clock.advance(9_000)
    clock.restore(saved)
    expect(clock.now()).toBe(START)
  })
})

describe('parseDuration', () => {
  it.each([['3s', 3000], ['2m', 120_000], ['1h30m', 5_400_000], ['250ms', 250], ['1d', 86_400_000], [1500, 1500], ['0s', 0], ['1.5s', 1500]])(
    '%s is %i ms', (input, ms) => { expect(parseDuration(input, 'by')).toBe(ms) })
  it.each([['-1s'], ['3 seconds'], [''], [-5], [Number.POSITIVE_INFINITY], [null], ['s']])('rejects %j', (input) => {
    expect(() => parseDuration(input, 'by')).toThrow('Invalid field "by"')
  })
})

describe('parseDayRange', () => {
  it('covers both days whole, in UTC', () => {
    expect(parseDayRange('2026-01-01', '2026-01-02')).toStrictEqual({
      fromMs: Date.parse('2026-01-01T00:00:00Z'), toMs: Date.parse('2026-01-03T00:00:00Z'),
    })
  })
  it.each([
    ['2026-02-30', '2026-03-01', 'Invalid field "from": is not a real calendar day'],
    ['2026-01-02', '2026-01-01', 'Invalid field "to": must be the same day as "from" or later'],
    ['01/02/2026', '2026-01-01', 'Invalid field "from": must be a date written YYYY-MM-DD'],
  ])('rejects %s..%s', (from, to, message) => {
    expect(() => parseDayRange(from, to)).toThrow(message)
  })
})
