import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { expectationFailed } from './errors.js'

export interface ConnectionOptions {
  /** A request whose headers are not all in this long after it began is refused and its connection closed; so is a new connection silent this long. */
  headerTimeoutMs?: number
  /** A request whose headers and body have not all arrived this long after it began is refused and its connection closed. */
  requestTimeoutMs?: number
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs?: number
  /** Open connections at most; at the cap the one idle longest is closed to make room. */
  maxConnections?: number
  /** On close, how long requests being answered get to finish before every connection is cut. */
  shutdownGraceMs?: number
}

export const CONNECTION_DEFAULTS: Readonly<Required<ConnectionOptions>> = Object.freeze({
  headerTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // Express's (and so Okra's) keep-alive: Node then answers `Keep-Alive: timeout=5`.
  keepAliveTimeoutMs: 5_000,
  // Far below a laptop's file descriptor limit (ulimit -n is often 1024 to 65536), far above what a test suite opens.
  maxConnections: 1024,
  shutdownGraceMs: 3_000,
})

const LABELS: Record<keyof ConnectionOptions, string> = {
  headerTimeoutMs: '--header-timeout',
  requestTimeoutMs: '--request-timeout',
  keepAliveTimeoutMs: '--keep-alive-timeout',
  maxConnections: '--max-connections',
  shutdownGraceMs: 'the shutdown grace',
}

/** The options with defaults filled in; throws a RangeError naming a value Node would refuse. */
export function resolveConnections (options: ConnectionOptions = {}): Readonly<Required<ConnectionOptions>> {
  const resolved = { ...CONNECTION_DEFAULTS, ...options }
  for (const [name, value] of Object.entries(resolved) as Array<[keyof ConnectionOptions, number]>) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${LABELS[name]} must be at least 1${name === 'maxConnections' ? '' : ' ms'}, got ${value}`)
  }
  if (resolved.headerTimeoutMs > resolved.requestTimeoutMs) {
    throw new RangeError(`--header-timeout (${resolved.headerTimeoutMs} ms) cannot be longer than --request-timeout (${resolved.requestTimeoutMs} ms)`)
  }
  return Object.freeze(resolved)
}

/** The Fastify server options through which Node enforces the timeouts itself. */
export function timeoutOptions (options: Readonly<Required<ConnectionOptions>>): { keepAliveTimeout: number, requestTimeout: number, http: ServerOptions } {
  return {
    keepAliveTimeout: options.keepAliveTimeoutMs,
    // Fastify sets the server's requestTimeout from its own option (0, none, by default).
    requestTimeout: options.requestTimeoutMs,
    http: {
      headersTimeout: options.headerTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      // Node looks for expired requests on this period, 30 s by default: a timeout is only as precise as it.
      connectionsCheckingInterval: Math.min(1000, Math.max(10, Math.floor(options.headerTimeoutMs / 4))),
      // Node's own answer is a bare 400; the app answers a missing Host in Okra's envelope (requireHost).
      requireHostHeader: false,
    },
  }
}

/**
 * The connection cap, the graceful close (before Fastify closes the server, so the close cannot
 * wait on a silent client) and Okra's envelope for an unsupported `Expect`.
 */
export function installConnections (app: FastifyInstance, options: Readonly<Required<ConnectionOptions>>): ConnectionGuard {
  const guard = new ConnectionGuard(app.server, options.maxConnections)
  app.server.on('checkExpectation', expectationFailed)
  app.addHook('preClose', (done) => {
    guard.drain(options.shutdownGraceMs)
    done()
  })
  return guard
}

interface Connection {
  /** Requests received and not yet answered. */
  requests: number
  /** The newest of them, to tell one still arriving from one being answered. */
  current: IncomingMessage | null
}

/**
 * Caps open connections and closes them on shutdown. Node's own `maxConnections` refuses newcomers,
 * so thousands of silent sockets would lock every real client out; here a newcomer at the cap
 * closes the connection that has waited longest with no request in flight (in order of last
 * request, so a client making requests is the last to go), and is refused only when every
 * connection is busy answering.
 */
export class ConnectionGuard {
  private readonly open = new Map<Socket, Connection>()
  private readonly max: number
  private draining = false

  constructor (server: Server, max: number) {
    this.max = max
    server.on('connection', (socket: Socket) => { this.admit(socket) })
    server.on('request', (request: IncomingMessage, response: ServerResponse) => { this.track(request, response) })
  }

  /**
   * Starts a graceful close: connections with nothing to answer (idle, or still sending their
   * request) are closed now, the others once answered, and any left after `graceMs` are cut, so a
   * shutdown ends in bounded time whatever clients do.
   */
  drain (graceMs: number): void {
    this.draining = true
    for (const [socket, connection] of this.open) {
      if (connection.requests === 0 || connection.current?.complete === false) socket.destroy()
    }
    const cut = setTimeout(() => { for (const socket of this.open.keys()) socket.destroy() }, graceMs)
    cut.unref()
  }

  private admit (socket: Socket): void {
    if (this.draining || (this.open.size >= this.max && !this.closeIdlest())) {
      socket.destroy()
      return
    }
    this.open.set(socket, { requests: 0, current: null })
    socket.once('close', () => { this.open.delete(socket) })
  }

  private track (request: IncomingMessage, response: ServerResponse): void {
    const socket = request.socket
    const connection = this.open.get(socket)
    if (connection === undefined) return
    connection.requests += 1
    connection.current = request
    // Map order is the order of last request: the first idle entry has waited longest.
    this.open.delete(socket)
    this.open.set(socket, connection)
    response.once('close', () => {
      connection.requests -= 1
      if (connection.current === request) connection.current = null
      // Closing: the answer is out, so the connection goes once its bytes are flushed.
      if (this.draining && connection.requests === 0) socket.end(() => socket.destroy())
    })
  }

  private closeIdlest (): boolean {
    for (const [socket, connection] of this.open) {
      if (connection.requests > 0) continue
      this.open.delete(socket)
      socket.destroy()
      return true
    }
    return false
  }
}
