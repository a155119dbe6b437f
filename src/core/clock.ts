import { DomainError } from './errors.js'

/**
 * The clock never passes the start of year 9900, so that now plus the longest duration (100 years)
 * is still a date with four digits in its year, as the ISO 8601 timestamps of the contract need.
 */
export const LATEST_MS = Date.UTC(9900, 0, 1)

/** Everything in the emulator that needs the time reads it from a Clock, never from Date.now(). */
interface Clock {
  now(): number
}

export type ClockMode = 'running' | 'frozen'

/** The clock's whole state, plain data so a tenant snapshot or the database can hold it. */
export interface ClockState {
  mode: ClockMode
  /** Running: emulator time = real time + offsetMs. */
  offsetMs: number
  /** Frozen: the instant the clock stands at. */
  frozenAtMs: number
}

/** A clock that follows a real time source, shifted, or stands still; it only ever moves forward. */
export class VirtualClock implements Clock {
  private readonly realNow: () => number
  private state: ClockState

  /** `changed` is told of every move, freeze and resume: a tenant saves its clock by it. */
  constructor (realNow: () => number, state: ClockState, private readonly changed: () => void = () => {}) {
    this.realNow = realNow
    this.state = { ...state }
  }

  /** A clock that starts at `startMs` (or at real time when omitted), frozen or running. */
  static startingAt (realNow: () => number, mode: ClockMode, startMs?: number, changed?: () => void): VirtualClock {
    const real = realNow()
    const start = startMs ?? real
    return new VirtualClock(realNow, { mode, offsetMs: start - real, frozenAtMs: start }, changed)
  }

  now (): number {
    return this.state.mode === 'frozen' ? this.state.frozenAtMs : this.realNow() + this.state.offsetMs
  }

  get mode (): ClockMode {
    return this.state.mode
  }

  advance (ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new DomainError('OKRA_EMU_CLOCK_BACKWARDS', 'The clock only moves forward: give a duration of zero or more')
    }
    if (this.now() + ms > LATEST_MS) {
      throw new DomainError('OKRA_EMU_INVALID_FIELD', `The clock cannot move past ${new Date(LATEST_MS).toISOString()}`)
    }
    if (this.state.mode === 'frozen') this.state.frozenAtMs += ms
    else this.state.offsetMs += ms
    this.changed()
    return this.now()
  }

  freeze (): void {
    if (this.state.mode === 'frozen') return
    this.state = { mode: 'frozen', offsetMs: this.state.offsetMs, frozenAtMs: this.now() }
    this.changed()
  }

  /** Runs on from where it stands: no jump to real time, so time never goes backwards. */
  resume (): void {
    if (this.state.mode === 'running') return
    this.state = { mode: 'running', offsetMs: this.state.frozenAtMs - this.realNow(), frozenAtMs: this.state.frozenAtMs }
    this.changed()
  }

  snapshot (): ClockState {
    // A running clock is captured as its current offset; restoring it resumes the same timeline.
    return { ...this.state }
  }

  restore (state: ClockState): void {
    this.state = { ...state }
    this.changed()
  }
}
