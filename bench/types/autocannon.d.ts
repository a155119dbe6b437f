// autocannon ships no types; the bench uses only this corner of its programmatic API.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  export type Context = Record<string, unknown>

  export interface Request {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
    /** Called before each send; returning a falsy value skips to the next round of requests. */
    setupRequest?: (request: Request, context: Context) => Request | undefined
    onResponse?: (status: number, body: string, context: Context, headers: Record<string, string | string[]>) => void
  }

  export interface Options {
    url: string
    connections?: number
    duration?: number
    timeout?: number
    method?: string
    headers?: Record<string, string>
    body?: string | Buffer
    requests?: Request[]
    initialContext?: Context
  }

  export interface Stats { average: number, mean: number, min: number, max: number, total: number, p50: number, p99: number }

  export interface Result {
    duration: number
    requests: Stats
    latency: Stats
    errors: number
    timeouts: number
    non2xx: number
    statusCodeStats: Record<string, { count: number }>
  }

  export interface Instance extends EventEmitter {
    stop (): void
  }

  export default function autocannon (options: Options, callback: (error: Error | null, result: Result) => void): Instance
}
