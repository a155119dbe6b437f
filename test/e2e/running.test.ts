import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { loggerFor, prettyLine } from '../../src/http/logging.js'
import { cli, exited, killCliProcesses, readyUrl } from '../support/cli.js'

afterEach(killCliProcesses)

const headers = { authorization: 'Bearer run', 'content-type': 'application/json' }
const customer = '65e0fb087fcd5c0200000000'

describe('running the emulator', () => {
  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const child = cli(['--port', '0'])
    const url = await readyUrl(child)
    await request(`${url}/__admin/faults`, { method: 'POST', headers, body: JSON.stringify({ action: { kind: 'latency', ms: 400 } }) })
    const inFlight = request(`${url}/v2/balance/getByCustomer`, { method: 'POST', headers, body: JSON.stringify({ customer, limit: 1 }) })
    // Wait (without sleeping) until the rule has fired: the request is then inside the emulator.
    for (;;) {
      const faults = await (await request(`${url}/__admin/faults`, { headers })).body.json() as { data: { faults: Array<{ applied: number }> } }
      if (faults.data.faults[0]!.applied === 1) break
    }
    const done = exited(child)
    child.kill('SIGTERM')
    const answer = await inFlight
    expect(answer.statusCode).toBe(200)
    expect((await answer.body.json() as { data: { pagination: { totalDocs: number } } }).data.pagination.totalDocs).toBe(25)
    expect((await done).code).toBe(0)
  })

  it('--log-level info writes a JSON line per request to stderr when it is not a terminal, and keeps stdout to the ready line', async () => {
    const child = cli(['--port', '0', '--log-level', 'info'])
    const output = exited(child)
    const url = await readyUrl(child)
    await (await request(`${url}/v2/balance/getByCustomer`, { method: 'POST', headers, body: JSON.stringify({ customer }) })).body.dump()
    child.kill('SIGTERM')
    const { stdout, stderr } = await output
    expect(stdout).toMatch(/^okra-emulator listening on http:\/\/127\.0\.0\.1:\d+ \([^\n]*\)\n$/)
    const lines = stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines.some((l) => l.msg === 'request completed' && l.level === 30)).toBe(true)
    expect(lines.every((l) => typeof l.time === 'number')).toBe(true)
  })

  it('refuses an unknown --log-level and is quiet at the default', async () => {
    const bad = await exited(cli(['--port', '0', '--log-level', 'loud']))
    expect([bad.code, bad.stderr]).toStrictEqual([1, 'okra-emulator: --log-level is one of fatal, error, warn, info, debug, trace, silent, got "loud"\n'])
    const child = cli(['--port', '0'])
    const output = exited(child)
    const url = await readyUrl(child)
    await (await request(`${url}/v2/balance/getByCustomer`, { method: 'POST', headers, body: '{' })).body.dump()
    child.kill('SIGTERM')
    expect((await output).stderr).toBe('')
  })

  it('prints readable lines on a terminal', () => {
    expect(prettyLine('{"level":30,"time":1793610000123,"pid":1,"hostname":"h","reqId":"req-1","msg":"request completed","responseTime":1.5}'))
      .toBe('09:00:00.123 INFO  request completed reqId=req-1 responseTime=1.5')
    expect(prettyLine('not json')).toBe('not json')
    const tty = { isTTY: true } as NodeJS.WriteStream
    const pipe = { isTTY: false } as NodeJS.WriteStream
    expect(loggerFor('silent', pipe)).toBe(false)
    expect(loggerFor('debug', pipe)).toStrictEqual({ level: 'debug', stream: pipe })
    const pretty = loggerFor('info', tty) as { stream: unknown }
    expect(pretty.stream).not.toBe(tty)
  })
})
