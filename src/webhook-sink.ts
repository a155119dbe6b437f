/**
 * A webhook receiver for tests: listens on 127.0.0.1 and a free port, keeps what the emulator posts
 * to it, and can be told to fail the next deliveries, so a test sees the emulator's retries.
 * node:http only; it reads each body whole but never interprets it, whatever fields it carries.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AdminClient } from './client.js'

/** One delivery as the sink received it. */
export interface ReceivedWebhook {
  /** 1 for the first delivery the sink received, then 2, and so on: arrival order. */
  seq: number
  method: string
  /** The path (and query string) it was posted to. */
  path: string
  headers: IncomingHttpHeaders
  /** The body parsed as JSON; undefined when it is not JSON. */
  body: unknown
  /** The body as sent. */
  raw: string
  /** How the sink answered: 200, 500 (`failNext(n, 'error')`), or not at all (`failNext(n, 'hang')`, held until close). */
  answer: 'ok' | 'error' | 'hang'
}

export interface WebhookSinkOptions {
  /** Deliveries kept, the newest (default 1,000). */
  limit?: number
  /** Sent by the emulator with each delivery as "Authorization: Bearer <token>" (the tenant's webhook token). */
  token?: string
}

export interface WaitForOptions {
  /** Real milliseconds to wait before rejecting (default 5,000). */
  timeout?: number
}

export interface WebhookSink {
  /** Where the tenant's webhooks now go. */
  readonly url: string
  /** The deliveries kept, in arrival order. */
  received (): ReceivedWebhook[]
  /**
   * The first delivery (kept or still to come) that `predicate` accepts; every delivery when omitted.
   * Rejects after `timeout` with what the sink received, or when the sink closes.
   */
  waitFor (predicate?: (delivery: ReceivedWebhook) => boolean, options?: WaitForOptions): Promise<ReceivedWebhook>
  /** Answers the next `n` deliveries with a 500 ('error'), or holds them unanswered until the sink closes ('hang'). */
  failNext (n: number, how?: 'error' | 'hang'): void
  /** Stops listening; held deliveries get their connection closed. Resolves when the port is free. */
  close (): Promise<void>
}

const DEFAULT_LIMIT = 1000
const DEFAULT_TIMEOUT_MS = 5000
/** An emulator's delivery is a few hundred bytes; anything past this is refused unread. */
const MAX_BODY_BYTES = 1024 * 1024

/** Starts a sink on 127.0.0.1 and a free port. */
export async function startWebhookSink (options: Pick<WebhookSinkOptions, 'limit'> = {}): Promise<WebhookSink> {
  const limit = options.limit ?? DEFAULT_LIMIT
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number of at least 1, got ${limit}`)
  const kept: ReceivedWebhook[] = []
  /** Runs of failures still to answer, as counts: failNext(1e9) must not take a billion entries. */
  const failures: Array<{ how: 'error' | 'hang', left: number }> = []
  const nextAnswer = (): 'ok' | 'error' | 'hang' => {
    const run = failures[0]
    if (run === undefined) return 'ok'
    run.left -= 1
    if (run.left === 0) failures.shift()
    return run.how
  }
  const held = new Set<ServerResponse>()
  const waiters = new Set<{ accepts: (d: ReceivedWebhook) => boolean, resolve: (d: ReceivedWebhook) => void, reject: (e: Error) => void }>()
  let seq = 0
  let closed = false

  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        response.writeHead(413).end()
        return
      }
      const raw = Buffer.concat(chunks).toString('utf8')
      let body: unknown
      try { body = JSON.parse(raw) } catch {}
      const answer = nextAnswer()
      const delivery: ReceivedWebhook = { seq: ++seq, method: request.method ?? '', path: request.url ?? '', headers: request.headers, body, raw, answer }
      kept.push(delivery)
      if (kept.length > limit) kept.splice(0, kept.length - limit)
      if (answer === 'hang') {
        held.add(response)
        // The emulator gives up on its attempt and closes: nothing is held for it any more.
        response.once('close', () => held.delete(response))
      } else response.writeHead(answer === 'ok' ? 200 : 500, { 'content-type': 'application/json' }).end(answer === 'ok' ? '{"status":"ok"}' : '{"status":"error"}')
      for (const waiter of waiters) if (waiter.accepts(delivery)) waiter.resolve(delivery)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const { port } = server.address() as { port: number }

  return {
    url: `http://127.0.0.1:${port}/okra-webhook`,
    received: () => [...kept],
    waitFor (predicate = () => true, { timeout = DEFAULT_TIMEOUT_MS } = {}) {
      const accepts = (delivery: ReceivedWebhook): boolean => {
        try { return predicate(delivery) } catch { return false }
      }
      const found = kept.find(accepts)
      if (found !== undefined) return Promise.resolve(found)
      if (closed) return Promise.reject(new Error('The webhook sink is closed'))
      return new Promise<ReceivedWebhook>((resolve, reject) => {
        const waiter = {
          accepts,
          resolve: (delivery: ReceivedWebhook) => { done(); resolve(delivery) },
          reject: (error: Error) => { done(); reject(error) },
        }
        const timer = setTimeout(() => {
          waiter.reject(Object.assign(new Error(`No webhook delivery matched within ${timeout} ms; the sink received ${kept.length}: ${summary(kept)}`), { received: [...kept] }))
        }, timeout)
        const done = (): void => {
          clearTimeout(timer)
          waiters.delete(waiter)
        }
        waiters.add(waiter)
      })
    },
    failNext (n, how = 'error') {
      if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`failNext takes a whole number of deliveries, got ${n}`)
      if (how !== 'error' && how !== 'hang') throw new RangeError(`failNext fails with 'error' or 'hang', got ${String(how)}`)
      if (n > 0) failures.push({ how, left: n })
    },
    async close () {
      if (closed) return
      closed = true
      for (const waiter of waiters) waiter.reject(new Error(`The webhook sink closed before a delivery matched; it received ${kept.length}: ${summary(kept)}`))
      const stopped = new Promise<void>((resolve) => server.close(() => { resolve() }))
      // Held deliveries and idle keep-alive connections would keep the port (and the emulator's attempt) waiting.
      for (const response of held) response.socket?.destroy()
      held.clear()
      server.closeAllConnections()
      await stopped
    },
  }
}

/**
 * A sink that `admin`'s tenant posts its webhooks to: what useOkraEmulator and startEmulator's
 * `webhookSink()` give. If the tenant cannot be pointed at it, the sink is closed again.
 */
async function webhookSinkFor (admin: Pick<AdminClient, 'setWebhook'>, options: WebhookSinkOptions = {}): Promise<WebhookSink> {
  const sink = await startWebhookSink(options)
  try {
    await admin.setWebhook(sink.url, options.token ?? null)
  } catch (error) {
    await sink.close()
    throw error
  }
  return sink
}

/**
 * The sinks started for one tenant's admin client, closed together: what startEmulator's handle and
 * useOkraEmulator each keep, so neither leaves a receiver listening after it is done.
 */
export function sinksOf (admin: Pick<AdminClient, 'setWebhook'>): { start: (options?: WebhookSinkOptions) => Promise<WebhookSink>, closeAll: () => Promise<void> } {
  const open = new Set<WebhookSink>()
  return {
    start: async (options) => {
      const sink = await webhookSinkFor(admin, options)
      open.add(sink)
      return sink
    },
    closeAll: async () => { await Promise.all([...open].map(async (sink) => { await sink.close() })) },
  }
}

/** What a rejection says it received: each delivery's answer and the start of its body. */
function summary (deliveries: readonly ReceivedWebhook[]): string {
  if (deliveries.length === 0) return 'nothing'
  return deliveries.slice(-10).map((d) => `#${d.seq} ${d.answer} ${d.raw.slice(0, 200)}`).join('; ')
}
