/**
 * Tells listeners that something changed, once per burst of changes: they run a microtask after the
 * first notify(), so they never see a change half-made (a record settled before its webhook is
 * queued, say), and a hundred changes in one request wake them once. Nothing polls: a wait for a
 * condition re-checks it here and nowhere else.
 */
export class ChangeSignal {
  private readonly listeners = new Set<() => void>()
  private queued = false

  /** Returns the unsubscribe. A listener must not throw: it runs where nobody could catch it. */
  subscribe (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  notify (): void {
    if (this.queued || this.listeners.size === 0) return
    this.queued = true
    queueMicrotask(() => {
      this.queued = false
      for (const listener of [...this.listeners]) listener()
    })
  }
}
