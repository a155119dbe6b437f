import autocannon, { type Request, type Result } from 'autocannon'

export interface LoadOptions {
  url: string
  connections: number
  durationS: number
  /** Seconds of the same load first, not measured: JIT, caches and connection set-up settle. */
  warmupS?: number
  requests: Request[]
  initialContext?: Record<string, unknown>
}

export interface LoadResult {
  /** Completed requests per second over the measured run. */
  rps: number
  /** Latencies in milliseconds, from every answer (autocannon's own histogram keeps whole milliseconds only). */
  p50: number
  p99: number
  requests: number
  errors: number
  timeouts: number
  non2xx: number
  statusCodes: Record<string, number>
}

export async function runLoad (options: LoadOptions): Promise<LoadResult> {
  if ((options.warmupS ?? 0) > 0) await once({ ...options, durationS: options.warmupS as number })
  return once(options)
}

async function once (options: LoadOptions): Promise<LoadResult> {
  // Our own list of latencies, at hrtime precision: a 0.4 ms answer is not rounded to 0.
  const latencies: number[] = []
  const result = await new Promise<Result>((resolve, reject) => {
    const instance = autocannon({
      url: options.url,
      connections: options.connections,
      duration: options.durationS,
      timeout: 10,
      requests: options.requests,
      ...(options.initialContext === undefined ? {} : { initialContext: options.initialContext }),
    }, (error, done) => { if (error === null) resolve(done); else reject(error) })
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => { latencies.push(ms) })
  })
  latencies.sort((x, y) => x - y)
  const statusCodes: Record<string, number> = {}
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count
  const requests = latencies.length
  return {
    rps: requests / result.duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    requests,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
  }
}

/** Nearest-rank percentile of sorted values; NaN when there are none. */
function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number
}

export function median (values: readonly number[]): number {
  const finite = values.filter(Number.isFinite).sort((x, y) => x - y)
  if (finite.length === 0) return NaN
  const mid = finite.length >> 1
  return finite.length % 2 === 1 ? finite[mid] as number : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2
}

export const AUTH = { authorization: 'Bearer bench-token', 'content-type': 'application/json' }

/** A POST of a JSON body with the bench's token. */
export function post (path: string, body: unknown, headers: Record<string, string> = AUTH): Request {
  return { method: 'POST', path, headers, body: JSON.stringify(body) }
}
