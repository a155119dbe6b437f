import { Writable } from 'node:stream'
import type { FastifyServerOptions } from 'fastify'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }
/** Fields every pino line has, which the pretty form shows in its own way or not at all. */
const SHOWN_APART = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v'])

/**
 * The Fastify logger for a level. Logs go to stderr, so stdout carries only the ready line a
 * script waits for: one JSON object a line (pino's own) when stderr is a file or a pipe, and a
 * short readable line on a terminal.
 */
export function loggerFor (level: LogLevel, stream: NodeJS.WriteStream = process.stderr): FastifyServerOptions['logger'] {
  if (level === 'silent') return false
  return { level, stream: stream.isTTY ? prettyTo(stream) : stream }
}

/** Turns pino's JSON lines into `12:00:01.234 INFO  message key=value`. */
export function prettyLine (json: string): string {
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(json) as Record<string, unknown>
  } catch {
    return json
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : ''
  const level = (LEVEL_NAMES[entry.level as number] ?? String(entry.level)).padEnd(5)
  const extras = Object.entries(entry)
    .filter(([key]) => !SHOWN_APART.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
  return [time, level, String(entry.msg ?? ''), ...extras].filter((part) => part !== '').join(' ')
}

function prettyTo (out: NodeJS.WriteStream): Writable {
  return new Writable({
    write (chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') out.write(prettyLine(line) + '\n')
      done()
    },
  })
}
