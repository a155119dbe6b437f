import { EventEmitter } from 'node:events'
import type { FastifyReply } from 'fastify'
import { describe, expect, it } from 'vitest'
import { DomainError } from '../../src/core/errors.js'
import { ChangeSignal } from '../../src/core/signal.js'
import type { Tenant } from '../../src/core/tenant.js'
import { changesWaitedThrough, WAIT_LIMITS, Waits } from '../../src/routes/waits.js'

/** What Waits reads of a tenant (its signal and revision) and of a reply (its socket's close, its request). */
const tenant = (): Tenant & { revision: number } => ({ signal: new ChangeSignal(), revision: 0 }) as unknown as Tenant & { revision: number }
const reply = (): FastifyReply & { raw: EventEmitter } => ({ raw: new EventEmitter(), request: {} }) as unknown as FastifyReply & { raw: EventEmitter }

function refusal (promise: Promise<unknown>): Promise<DomainError> {
  return promise.then(() => { throw new Error('expected a refusal') }, (error: unknown) => error as DomainError)
}

describe('the waits registry', () => {
  it('holds at most WAIT_LIMITS.total waits across tenants, then refuses with 503 TOO_MANY_WAITS until one ends', async () => {
    const waits = new Waits()
    const tenants = Array.from({ length: WAIT_LIMITS.total / WAIT_LIMITS.perTenant }, tenant)
    const ends: Array<() => void> = []
    const held: Array<Promise<string>> = []
    for (const owner of tenants) {
      for (let i = 0; i < WAIT_LIMITS.perTenant; i++) {
        held.push(waits.hold(owner, reply(), async () => await new Promise<string>((resolve) => { ends.push(() => { resolve('ended') }) })))
      }
    }
    const refused = await refusal(waits.hold(tenant(), reply(), async () => 'never'))
    expect([refused.code, refused.data]).toStrictEqual(['OKRA_EMU_TOO_MANY_WAITS', { limit: 'waits', max: 256 }])
    ends.shift()!()
    await held[0]
    expect(await waits.hold(tenant(), reply(), async () => 'admitted')).toBe('admitted')
    for (const end of ends) end()
    expect(new Set(await Promise.all(held))).toStrictEqual(new Set(['ended']))
  })

  it('wakes on a change only once its check holds, and checks at once first', async () => {
    const waits = new Waits()
    const owner = tenant()
    const state: { value?: string } = {}
    const atOnce = reply()
    expect(await waits.until(owner, atOnce, 10_000, () => 'now')).toStrictEqual({ met: true, value: 'now' })
    const waiter = reply()
    const waiting = waits.until(owner, waiter, 10_000, () => state.value)
    owner.revision += 1
    owner.signal.notify()
    await Promise.resolve()
    state.value = 'later'
    owner.revision += 1
    owner.signal.notify()
    expect(await waiting).toStrictEqual({ met: true, value: 'later' })
    // Both changes came while it only waited: neither is the request's own (the run manifest's calls).
    expect([changesWaitedThrough(waiter.request), changesWaitedThrough(atOnce.request)]).toStrictEqual([2, 0])
  })

  it('ends a wait whose client went, and every wait at once on close, later ones too', async () => {
    const waits = new Waits()
    const owner = tenant()
    const leaving = reply()
    const gone = waits.until(owner, leaving, 10_000, () => undefined)
    const pending = waits.until(owner, reply(), 10_000, () => undefined)
    leaving.raw.emit('close')
    expect(await gone).toStrictEqual({ met: false, end: 'gone' })
    waits.close()
    expect(await pending).toStrictEqual({ met: false, end: 'closing' })
    expect(await waits.until(owner, reply(), 10_000, () => undefined)).toStrictEqual({ met: false, end: 'closing' })
  })

  it('answers a check that throws as the wait\'s error', async () => {
    const waits = new Waits()
    const owner = tenant()
    let calls = 0
    const waiting = waits.until(owner, reply(), 10_000, () => {
      if (++calls > 1) throw new Error('check failed')
      return undefined
    })
    owner.signal.notify()
    await expect(waiting).rejects.toThrow('check failed')
  })
})
