import { describe, expect, it } from 'vitest'
import { ChangeSignal } from '../../src/core/signal.js'

const microtask = () => new Promise<void>((resolve) => { queueMicrotask(resolve) })

describe('ChangeSignal', () => {
  it('wakes each listener once per burst of changes, after the burst, not during it', async () => {
    const signal = new ChangeSignal()
    const heard: string[] = []
    signal.subscribe(() => heard.push('a'))
    signal.subscribe(() => heard.push('b'))
    signal.notify()
    signal.notify()
    signal.notify()
    expect(heard).toStrictEqual([])
    await microtask()
    expect(heard).toStrictEqual(['a', 'b'])
    signal.notify()
    await microtask()
    expect(heard).toStrictEqual(['a', 'b', 'a', 'b'])
  })

  it('stops waking a listener that unsubscribed, and queues nothing with nobody listening', async () => {
    const signal = new ChangeSignal()
    let heard = 0
    const unsubscribe = signal.subscribe(() => { heard += 1 })
    unsubscribe()
    signal.notify()
    await microtask()
    expect(heard).toBe(0)
    // A burst with nobody listening leaves nothing queued: a listener added afterwards hears the next one only.
    signal.subscribe(() => { heard += 1 })
    await microtask()
    expect(heard).toBe(0)
    signal.notify()
    await microtask()
    expect(heard).toBe(1)
  })

  it('lets a listener unsubscribe another mid-wake without skipping anyone already due', async () => {
    const signal = new ChangeSignal()
    const heard: string[] = []
    let stopB = (): void => {}
    signal.subscribe(() => { heard.push('a'); stopB() })
    stopB = signal.subscribe(() => heard.push('b'))
    signal.notify()
    await microtask()
    signal.notify()
    await microtask()
    expect(heard).toStrictEqual(['a', 'b', 'a'])
  })
})
