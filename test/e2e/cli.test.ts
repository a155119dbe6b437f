import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cli, exited, firstLine, killCliProcesses, ROOT } from '../support/cli.js'

afterEach(killCliProcesses)

describe('okra-emulator CLI', () => {
  it('prints its URL and what it loaded, serves, and closes cleanly on SIGTERM', async () => {
    const child = cli(['--port', '0'])
    const line = await firstLine(child)
    const fixture = JSON.parse(readFileSync(join(ROOT, 'fixtures/default.json'), 'utf8'))
    const match = /^okra-emulator listening on (http:\/\/127\.0\.0\.1:\d+) \(Okra base \1\/v2\/; dashboard \1\/; fixtures\/default\.json: (\d+) customers, (\d+) accounts, (\d+) balances\)$/.exec(line)
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

  it('starts a frozen clock at --clock-start, gives records --record-delay and answers them running with --pending-callback 202', async () => {
    const child = cli(['--port', '0', '--clock', 'frozen', '--clock-start', '2030-01-01T00:00:00Z', '--record-delay', '1m', '--pending-callback', '202'])
    const url = /listening on (\S+)/.exec(await firstLine(child))![1]
    const fixture = JSON.parse(readFileSync(join(ROOT, 'fixtures/default.json'), 'utf8'))
    const headers = { authorization: 'Bearer cli', 'content-type': 'application/json' }
    const started = await request(`${url}/v2/balance/refresh`, { method: 'POST', headers, body: JSON.stringify({ account_id: fixture.accounts[0]._id }) })
    const { data } = await started.body.json() as { data: { callback_url: string } }
    const poll = await request(data.callback_url, { headers })
    expect([poll.statusCode, poll.headers['retry-after'], (await poll.body.json() as { status: string }).status]).toStrictEqual([202, '60', 'pending'])
    const clock = await request(`${url}/__admin/clock`, { headers })
    expect(await clock.body.json()).toStrictEqual({ status: 'success', message: 'Clock read', data: { now: '2030-01-01T00:00:00.000Z', mode: 'frozen' } })
  })

  it.each([
    [['--realistic', '--record-delay', '1s'], '--realistic and --record-delay both set the record delay; give one'],
    [['--record-delay', 'soon'], '--record-delay takes a duration such as 3s, 500ms or 2m, got "soon"'],
    [['--webhook-url', 'ftp://x'], '--webhook-url must be an http(s) URL, got "ftp://x"'],
    [['--webhook-token', 't'], '--webhook-token needs --webhook-url'],
    [['--pending-callback', '201'], '--pending-callback is 200 or 202, got "201"'],
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

  it('takes -p and -H for --port and --host', async () => {
    const child = cli(['-p', '0', '-H', '127.0.0.1'])
    expect(await firstLine(child)).toMatch(/^okra-emulator listening on http:\/\/127\.0\.0\.1:\d+ /)
  })

  it.each([['--version'], ['-v']])('prints the version with %s', async (flag) => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    const result = await exited(cli([flag]))
    expect([result.code, result.stdout, result.stderr]).toStrictEqual([0, `${version}\n`, ''])
  })
})

describe('okra-emulator start-up mistakes: one line on stderr, a non-zero exit, nothing started', () => {
  let dir: string
  let busy: Server | undefined
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'okra-emu-')) })
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true })
    if (busy !== undefined) await new Promise((resolve) => busy!.close(resolve))
    busy = undefined
  })

  async function refused (args: string[]): Promise<string> {
    const result = await exited(cli(args))
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^okra-emulator: [^\n]+\n$/)
    return result.stderr
  }

  it('a port in use', async () => {
    busy = createServer()
    await new Promise<void>((resolve) => busy!.listen(0, '127.0.0.1', resolve))
    const { port } = busy.address() as { port: number }
    expect(await refused(['--port', String(port)])).toBe(`okra-emulator: port ${port} on 127.0.0.1 is already in use (--port 0 picks a free one)\n`)
  })

  it.each([
    [['--port', 'abc'], '--port must be a whole number, got "abc"'],
    [['-p', '70000'], '--port must be at most 65535, got "70000"'],
    [['--host', 'not a host'], '--host must be an IP address or a host name, got "not a host"'],
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    [['--port', '0', '--host', '192.0.2.1'], '--host 192.0.2.1 is not an address of this machine'],
    [['--bogus'], "Unknown option '--bogus' (see okra-emulator --help)"],
    [['-x'], "Unknown option '-x' (see okra-emulator --help)"],
    [['generate', '--port', '1'], "Unknown option '--port' (see okra-emulator --help)"],
    [['--port'], "Option '-p, --port <value>' argument missing (see okra-emulator --help)"],
  ])('%j', async (args, message) => {
    expect(await refused(args)).toBe(`okra-emulator: ${message}\n`)
  })

  it('a --db path that cannot be written', async () => {
    // Root writes anywhere, so the unwritable place is a path under a regular file.
    writeFileSync(join(dir, 'plain-file'), '')
    const unusable = join(dir, 'plain-file', 'state')
    expect(await refused(['--port', '0', '--db', unusable]))
      .toBe(`okra-emulator: ${unusable}: cannot be used as a --db directory (ENOTDIR); choose a --db directory this user can write.\n`)
  })

  it('a missing fixtures file', async () => {
    expect(await refused(['--port', '0', '--fixtures', join(dir, 'missing.json')])).toBe(`okra-emulator: ${join(dir, 'missing.json')}: cannot read file (ENOENT)\n`)
  })
})

/** The pids of every live process under `pid`, from /proc. */
function descendants (pid: number): number[] {
  const parents = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // Field 4 of /proc/PID/stat, after the parenthesised command name, is the parent pid.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {} // gone meanwhile
  }
  const found: number[] = []
  const visit = (p: number): void => { for (const [child, parent] of parents) if (parent === p) { found.push(child); visit(child) } }
  visit(pid)
  return found
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe.skipIf(process.platform !== 'linux')('npm start', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('prints only the ready line on stdout, and %s to npm leaves no process behind', async (signal) => {
    const npm = spawn('npm', ['start', '--', '--port', '0'], { cwd: ROOT, env: { ...process.env, PORT: '' }, stdio: ['ignore', 'pipe', 'pipe'] })
    const output = exited(npm)
    await firstLine(npm)
    const under = descendants(npm.pid!)
    try {
      expect(under.length).toBeGreaterThan(0)
      npm.kill(signal)
      const { stdout } = await output
      expect(stdout).toMatch(/^okra-emulator listening on http:\/\/127\.0\.0\.1:\d+ \([^\n]*\)\n$/)
      expect(under.filter(alive)).toStrictEqual([])
    } finally {
      for (const pid of [npm.pid!, ...under].filter(alive)) process.kill(pid, 'SIGKILL')
    }
  })
})
