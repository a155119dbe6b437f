import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { cli, exited, firstLine, killCliProcesses, ROOT } from '../support/cli.js'

afterEach(killCliProcesses)

describe('okra-emulator CLI', () => {
  it('prints its URL and what it loaded, serves, and closes cleanly on SIGTERM', async () => {
    const child = cli(['--port', '0'])
    const line = await firstLine(child)
    const fixture = JSON.parse(readFileSync(join(ROOT, 'fixtures/default.json'), 'utf8'))
    const match = /^okra-emulator listening on (http:\/\/127\.0\.0\.1:\d+) \(Okra base http:\/\/127\.0\.0\.1:\d+\/v2\/; fixtures\/default\.json: (\d+) customers, (\d+) accounts, (\d+) balances\)$/.exec(line)
    expect(match).not.toBeNull()
    expect(match!.slice(2).map(Number)).toStrictEqual([fixture.customers.length, fixture.accounts.length, fixture.balances.length])
    const answer = await request(`${match![1]}/v2/balance/getByCustomer`, {
      method: 'POST',
      headers: { authorization: 'Bearer anything', 'content-type': 'application/json' },
      body: JSON.stringify({ customer: fixture.customers[0]._id }),
    })
    expect(answer.statusCode).toBe(200)
    expect((await answer.body.json() as { data: { pagination: { totalDocs: number } } }).data.pagination.totalDocs).toBe(25)
    const done = exited(child)
    child.kill('SIGTERM')
    expect((await done).code).toBe(0)
  })

  it('starts a frozen clock at --clock-start and gives records --record-delay', async () => {
    const child = cli(['--port', '0', '--clock', 'frozen', '--clock-start', '2030-01-01T00:00:00Z', '--record-delay', '1m'])
    const url = /listening on (\S+)/.exec(await firstLine(child))![1]
    const fixture = JSON.parse(readFileSync(join(ROOT, 'fixtures/default.json'), 'utf8'))
    const headers = { authorization: 'Bearer cli', 'content-type': 'application/json' }
    const started = await request(`${url}/v2/balance/refresh`, { method: 'POST', headers, body: JSON.stringify({ account_id: fixture.accounts[0]._id }) })
    const { data } = await started.body.json() as { data: { callback_url: string } }
    const poll = await request(data.callback_url, { headers })
    await poll.body.dump()
    expect([poll.statusCode, poll.headers['retry-after']]).toStrictEqual([202, '60'])
    const clock = await request(`${url}/__admin/clock`, { headers })
    expect(await clock.body.json()).toStrictEqual({ status: 'success', message: 'Clock read', data: { now: '2030-01-01T00:00:00.000Z', mode: 'frozen' } })
  })

  it.each([
    [['--realistic', '--record-delay', '1s'], '--realistic and --record-delay both set the record delay; give one'],
    [['--record-delay', 'soon'], '--record-delay takes a duration such as 3s, 500ms or 2m, got "soon"'],
    [['--webhook-url', 'ftp://x'], '--webhook-url must be an http(s) URL, got "ftp://x"'],
    [['--webhook-token', 't'], '--webhook-token needs --webhook-url'],
    [['--clock', 'sideways'], '--clock is running or frozen, got "sideways"'],
  ])('rejects %j', async (args, message) => {
    const result = await exited(cli(args))
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`okra-emulator: ${message}\n`)
  })

  it('honours PORT', async () => {
    const child = cli([], { PORT: '0' })
    expect(await firstLine(child)).toMatch(/^okra-emulator listening on http:\/\/127\.0\.0\.1:\d+ /)
  })

  it('stops with one clear message on a bad fixture file, starting nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'okra-emu-'))
    try {
      const bad = join(dir, 'bad.json')
      const fixture = JSON.parse(readFileSync(join(ROOT, 'fixtures/default.json'), 'utf8'))
      fixture.balances[2].ledger_balance = 'lots'
      writeFileSync(bad, JSON.stringify(fixture))
      const result = await exited(cli(['--port', '0', '--fixtures', bad]))
      expect(result.code).toBe(1)
      expect(result.stdout).toBe('')
      expect(result.stderr).toBe(`okra-emulator: ${bad}: $.balances[2].ledger_balance must be a number\n`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('lists every option in --help', async () => {
    const result = await exited(cli(['--help']))
    expect(result.code).toBe(0)
    for (const option of ['--port', '--host', '--fixtures', '--tokens', '--clock', '--clock-start', '--record-delay', '--realistic', '--webhook-url', '--webhook-token', '--seed', '--customers', '--accounts', '--periodic', '--out']) {
      expect(result.stdout).toContain(option)
    }
  })

  it('rejects an unknown option', async () => {
    const result = await exited(cli(['--bogus']))
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("Unknown option '--bogus'")
  })

  it('generates the same bytes from the same seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'okra-emu-'))
    try {
      const args = ['generate', '--seed', '7', '--customers', '5', '--accounts', '1-2', '--periodic', '3']
      const a = await exited(cli([...args, '--out', join(dir, 'a.json')]))
      const b = await exited(cli([...args, '--out', join(dir, 'b.json')]))
      expect([a.code, b.code]).toStrictEqual([0, 0])
      const text = readFileSync(join(dir, 'a.json'), 'utf8')
      expect(readFileSync(join(dir, 'b.json'), 'utf8')).toBe(text)
      expect(JSON.parse(text).customers.length).toBe(5)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
