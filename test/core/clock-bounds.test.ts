import { describe, expect, it } from 'vitest'
import { LATEST_MS, VirtualClock } from '../../src/core/clock.js'
import { DomainError } from '../../src/core/errors.js'

const START = Date.parse('2026-01-01T00:00:00.000Z')

function fakeReal (startMs: number) {
  let t = startMs
  return { now: () => t, tick: (ms: number) => { t += ms } }
}

function thrown (fn: () => unknown): DomainError {
  try { fn() } catch (error) { if (error instanceof DomainError) return error }
  throw new Error('expected a DomainError')
}

describe('VirtualClock bounds', () => {
  it('advances by zero, and refuses a negative or non-finite duration with its code', () => {
    const clock = VirtualClock.startingAt(() => 0, 'frozen', START)
    expect(clock.advance(0)).toBe(START)
    for (const ms of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = thrown(() => clock.advance(ms))
      expect([error.code, error.message]).toStrictEqual(['OKRA_EMU_CLOCK_BACKWARDS', 'The clock only moves forward: give a duration of zero or more'])
    }
    expect(clock.now()).toBe(START)
  })

  it('reaches the start of year 9900 exactly, and not a millisecond past it', () => {
    expect(new Date(LATEST_MS).toISOString()).toBe('9900-01-01T00:00:00.000Z')
    const clock = VirtualClock.startingAt(() => 0, 'frozen', LATEST_MS - 10)
    const error = thrown(() => clock.advance(11))
    expect([error.code, error.message]).toStrictEqual(['OKRA_EMU_INVALID_FIELD', 'The clock cannot move past 9900-01-01T00:00:00.000Z'])
    expect(clock.now()).toBe(LATEST_MS - 10)
    expect(clock.advance(10)).toBe(LATEST_MS)
  })

  it('applies the bound to a running clock too', () => {
    const real = fakeReal(1_000)
    const clock = VirtualClock.startingAt(real.now, 'running', LATEST_MS - 100)
    real.tick(50)
    expect(() => clock.advance(51)).toThrow('The clock cannot move past')
    expect(clock.advance(50)).toBe(LATEST_MS)
  })

  it('reports its mode through freeze and resume', () => {
    const clock = VirtualClock.startingAt(() => 0, 'frozen', START)
    expect(clock.mode).toBe('frozen')
    clock.resume()
    expect(clock.mode).toBe('running')
    expect(clock.snapshot().mode).toBe('running')
    clock.freeze()
    expect(clock.mode).toBe('frozen')
  })

  it('keeps its time when resumed while already running', () => {
    const real = fakeReal(0)
    const clock = VirtualClock.startingAt(real.now, 'running', START)
    real.tick(1_000)
    clock.advance(500)
    clock.resume()
    expect(clock.now()).toBe(START + 1_500)
    expect(clock.snapshot()).toStrictEqual({ mode: 'running', offsetMs: START + 500, frozenAtMs: START })
  })

  it('keeps its time when frozen twice', () => {
    const real = fakeReal(0)
    const clock = VirtualClock.startingAt(real.now, 'running', START)
    real.tick(200)
    clock.freeze()
    real.tick(300)
    clock.freeze()
    expect(clock.now()).toBe(START + 200)
    expect(clock.snapshot()).toStrictEqual({ mode: 'frozen', offsetMs: START, frozenAtMs: START + 200 })
  })

  it('reports each move, freeze, resume and restore, and nothing that changes nothing', () => {
    let changes = 0
    const clock = VirtualClock.startingAt(() => 0, 'frozen', START, () => { changes += 1 })
    clock.freeze()
    expect(() => clock.advance(-1)).toThrow()
    expect(changes).toBe(0)
    clock.advance(5)
    clock.resume()
    clock.resume()
    clock.freeze()
    clock.restore(clock.snapshot())
    expect(changes).toBe(4)
  })

  it('starts at real time when no start is given', () => {
    const clock = VirtualClock.startingAt(() => 42_000, 'frozen')
    expect(clock.snapshot()).toStrictEqual({ mode: 'frozen', offsetMs: 0, frozenAtMs: 42_000 })
  })
})
