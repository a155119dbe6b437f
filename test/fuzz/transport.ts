import { connect } from 'node:net'
import { Client, errors } from 'undici'
import { renderBody, type Step } from './arbitraries.js'

/** An HTTP answer, or the reason there was none. */
export type Answer =
  | { status: number, headers: Record<string, string | string[] | undefined>, text: string, transport: 'undici' | 'raw' }
  | { status: null, error: string, transport: 'undici' | 'raw' }

const METHODS_WITHOUT_BODY = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'DELETE'])

/** Every request of a run goes through one keep-alive client, as a test suite's Okra SDK would. */
export class Transport {
  readonly host: string
  readonly port: number
  readonly timeoutMs: number
  private readonly client: Client

  constructor (url: string, timeoutMs: number) {
    const { hostname, port } = new URL(url)
    this.host = hostname
    this.port = Number(port)
    this.timeoutMs = timeoutMs
    this.client = new Client(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 4_000 })
  }

  /** Sends a step; `body` is its rendered body, when the caller has it already. */
  async send (step: Step, body = renderBody(step.body)): Promise<Answer> {
    if (step.raw !== undefined) return await this.sendRaw(step, body)
    try {
      return await this.sendUndici(step, body)
    } catch (error) {
      // undici refuses some requests before sending them (a body on HEAD, a header value it will not
      // write); the same bytes then go over a raw socket, so the case is still sent.
      if (error instanceof errors.InvalidArgumentError || error instanceof errors.NotSupportedError) return await this.sendRaw(step, body)
      throw error
    }
  }

  private async sendUndici (step: Step, body: Buffer | undefined): Promise<Answer> {
    try {
      const response = await this.client.request({
        method: step.method as 'GET',
        path: step.query === '' ? step.path : `${step.path}?${step.query}`,
        headers: step.headers.flat(),
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      const text = await response.body.text()
      return { status: response.statusCode, headers: response.headers, text, transport: 'undici' }
    } catch (error) {
      if (error instanceof errors.InvalidArgumentError || error instanceof errors.NotSupportedError) throw error
      return { status: null, error: describe(error), transport: 'undici' }
    }
  }

  /** Writes the request byte by byte as the step says, however broken, and reads the first answer. */
  sendRaw (step: Step, body = renderBody(step.body)): Promise<Answer> {
    const twist = step.raw ?? {}
    const eol = twist.bareLf === true ? '\n' : '\r\n'
    const method = twist.method ?? step.method
    const target = twist.target ?? (step.query === '' ? step.path : `${step.path}?${step.query}`)
    const lines: Buffer[] = [Buffer.from(`${method} ${target} ${twist.version ?? 'HTTP/1.1'}`, 'latin1')]
    const line = (text: string) => lines.push(Buffer.from(text, 'latin1'))
    if (twist.noHost !== true) line(`Host: ${this.host}:${this.port}`)
    for (const [name, value] of step.headers) line(`${name}: ${value}`)
    for (const bytes of twist.headerLines ?? []) lines.push(Buffer.from(bytes))
    let payload = body ?? Buffer.alloc(0)
    if (twist.chunked !== undefined) {
      line('Transfer-Encoding: chunked')
      if (twist.chunked === 'no-end') {
        // A chunk that promises one byte more than it brings, and no last chunk: the body never ends.
        payload = Buffer.concat([Buffer.from(`${(payload.length + 1).toString(16)}${eol}`), payload])
      } else if (payload.length === 0 && twist.chunked === 'ok') {
        // An empty body is the last chunk alone: a zero-size data chunk would end the body early and
        // leave the rest on the socket as a second, garbled request.
        payload = Buffer.from(`0${eol}${eol}`)
      } else {
        const size = twist.chunked === 'bad-size' ? 'zz' : payload.length.toString(16)
        payload = Buffer.concat([Buffer.from(`${size}${eol}`), payload, Buffer.from(`${eol}0${eol}${eol}`)])
      }
    } else if (body !== undefined || !METHODS_WITHOUT_BODY.has(method.toUpperCase())) {
      line(`Content-Length: ${payload.length + (twist.shortBy ?? 0)}`)
      if (twist.secondLength !== undefined) line(`Content-Length: ${payload.length + (twist.secondLength === 'same' ? 0 : 5)}`)
    }
    line('Connection: close')
    const head = Buffer.concat(lines.flatMap((l) => [l, Buffer.from(eol)]))
    // A request that promises more than it sends is ended by half-closing, as a client that gave up.
    const halfClose = twist.shortBy !== undefined || twist.chunked === 'no-end'
    return rawExchange(this.host, this.port, Buffer.concat([head, Buffer.from(eol), payload]), halfClose, this.timeoutMs)
  }

  async close (): Promise<void> {
    await this.client.close()
  }
}

function describe (error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}${'code' in error ? ` (${String(error.code)})` : ''}` : String(error)
}

function rawExchange (host: string, port: number, bytes: Buffer, halfClose: boolean, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = connect(port, host)
    const chunks: Buffer[] = []
    let failure: string | null = null
    const timer = setTimeout(() => {
      failure = `no answer within ${timeoutMs} ms`
      socket.destroy()
    }, timeoutMs)
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', (error) => { failure ??= describe(error) })
    socket.on('close', () => {
      clearTimeout(timer)
      const received = Buffer.concat(chunks)
      const parsed = received.length > 0 ? parseResponse(received) : null
      resolve(parsed ?? { status: null, error: failure ?? (received.length > 0 ? `unparseable answer: ${JSON.stringify(received.subarray(0, 200).toString('latin1'))}` : 'connection closed with no answer'), transport: 'raw' })
    })
    socket.write(bytes, () => { if (halfClose) socket.end() })
  })
}

/** The first final (non-1xx) response in `data`, or null when it is not HTTP. */
function parseResponse (data: Buffer): Extract<Answer, { status: number }> | null {
  let rest = data
  for (;;) {
    const end = rest.indexOf('\r\n\r\n')
    if (end === -1) return null
    const [statusLine, ...headerLines] = rest.subarray(0, end).toString('latin1').split('\r\n')
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')
    if (match === null) return null
    const status = Number(match[1])
    const headers: Record<string, string | string[]> = {}
    for (const h of headerLines) {
      const colon = h.indexOf(':')
      const name = h.slice(0, colon).trim().toLowerCase()
      const value = h.slice(colon + 1).trim()
      const had = headers[name]
      headers[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value]
    }
    let body = rest.subarray(end + 4)
    if (status >= 100 && status < 200) {
      rest = body
      continue
    }
    if (headers['transfer-encoding'] === 'chunked') body = dechunk(body)
    else if (typeof headers['content-length'] === 'string') body = body.subarray(0, Number(headers['content-length']))
    return { status, headers, text: body.toString('utf8'), transport: 'raw' }
  }
}

function dechunk (data: Buffer): Buffer {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const eol = data.indexOf('\r\n', at)
    if (eol === -1) break
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16)
    if (!Number.isFinite(size) || size === 0) break
    parts.push(data.subarray(eol + 2, eol + 2 + size))
    at = eol + 2 + size + 2
  }
  return Buffer.concat(parts)
}
