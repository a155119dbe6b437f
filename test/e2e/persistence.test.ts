import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.js'
import { StoreError } from '../../src/persistence/store.js'
import type { FixtureFile } from '../../src/core/fixture.js'
import { cli, exited, readyUrl } from '../support/cli.js'
import { defaultFixtures, startTestServer, TEST_CLOCK_START, type TestServer } from '../support/server.js'
import { filesUnder, scratchDbPerTest } from '../support/db.js'

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const balance = fixture.balances.find((b) => b.available_balance !== undefined)!
const account = balance.account

let dir: string
let db: string
scratchDbPerTest('db', (folder, path) => { dir = folder; db = path })

describe('--db persistence', () => {
  it('keeps every tenant\'s records, balances, clock, settings and webhook log across a restart', async () => {
    let server: TestServer = await startTestServer({ db })
    const tenant = () => server.app.tenants.get('test-token')
    const record = (await server.post('/v2/balance/refresh', { account_id: account })).body.data.record as string
    await server.admin.addPosting(account, 250)
    await server.admin.advance('2s')
    await server.post('/v2/balance/check', { account_id: account })
    await server.admin.setPolicy({ kind: 'polls', polls: 2 })
    await server.admin.setWebhook('http://127.0.0.1:9/hook', 'wh-token')
    await server.admin.addFault({ match: { route: 'balance/getByType' }, action: { kind: 'rate_limit' }, times: 3 })
    await server.admin.advance('1s')
    await server.admin.as('second').addPosting(account, -5)
    await server.admin.as('third').scenario({ name: 'slow-banks' })
    const before = tenant().exportState()
    const second = server.app.tenants.get('second').exportState()
    await server.close()

    server = await startTestServer({ db })
    try {
      expect(tenant().exportState()).toStrictEqual(before)
      expect(server.app.tenants.get('second').exportState()).toStrictEqual(second)
      expect(server.app.tenants.get('third').scenario.label).toBe('slow-banks')
      expect((await server.admin.clock()).now).toBe('2026-11-02T09:00:03.000Z')
      const done = await server.get(`/v2/callback?record=${record}&method=BALANCE`)
      expect([done.status, done.body.data.balance.ledger_balance]).toStrictEqual([200, balance.ledger_balance + 250])
      expect((await server.admin.health()).persistence).toBe('state')
    } finally {
      await server.close()
    }
  })

  it('keeps tokens spelled like Object.prototype\'s keys across a restart', async () => {
    const tokens = ['__proto__', 'constructor', 'hasOwnProperty', 'toString']
    let server = await startTestServer({ db })
    for (const [i, token] of tokens.entries()) await server.admin.as(token).addPosting(account, i + 1)
    const before = tokens.map((token) => server.app.tenants.get(token).exportState())
    await server.close()
    expect(readdirSync(join(db, 'tenants'))).toHaveLength(tokens.length)

    server = await startTestServer({ db })
    try {
      expect(tokens.map((token) => server.app.tenants.get(token).exportState())).toStrictEqual(before)
      for (const [i, token] of tokens.entries()) {
        expect([token, (await server.admin.as(token).addPosting(account, 0)).ledger_balance]).toStrictEqual([token, balance.ledger_balance + i + 1])
      }
    } finally {
      await server.close()
    }
  })

  it('writes an inline scenario once for every tenant that loads it, and removes it when none does', async () => {
    const inline = JSON.parse(readFileSync(new URL('../../fixtures/slow-banks.json', import.meta.url), 'utf8')) as FixtureFile
    let server = await startTestServer({ db })
    await server.admin.as('a').scenario(inline)
    await server.admin.as('b').scenario(inline)
    await server.admin.as('b').addPosting(inline.balances[0]!.account, 7)
    const before = server.app.tenants.get('b').exportState()
    await server.close()
    expect(Object.values(filesUnder(join(db, 'scenarios'))).map((text) => JSON.parse(text))).toStrictEqual([inline])

    server = await startTestServer({ db })
    try {
      expect([server.app.tenants.get('a').scenario.label, server.app.tenants.get('b').scenario.label]).toStrictEqual(['inline', 'inline'])
      expect(server.app.tenants.get('b').exportState()).toStrictEqual(before)
      await server.admin.as('a').reset()
      expect(readdirSync(join(db, 'scenarios'))).toHaveLength(1)
      await server.admin.as('b').reset()
      expect(readdirSync(join(db, 'scenarios'))).toStrictEqual([])
    } finally {
      await server.close()
    }
  })

  it('refuses a corrupt, foreign or other-version database with a clear message and leaves it untouched', async () => {
    const dataset = await defaultFixtures()
    const manifest = join(db, 'manifest.json')
    mkdirSync(db)
    for (const [content, message] of [
      ['{"format": "okra-emulator/db", "version": 2, "fixt', /its manifest.json is not valid JSON/],
      ['{"hello": "world"}', /is not an okra-emulator database/],
      ['{"format": "okra-emulator/db", "version": 9, "fixtures": {}}', /of version 9; this emulator reads version 2/],
      ['{"format": "okra-emulator/db", "version": 2, "fixtures": {"owner": "x", "customers": 1, "accounts": 1, "balances": 1}}', /was written over other fixtures/],
    ] as const) {
      writeFileSync(manifest, content)
      await expect(createApp({ fixtures: dataset, db })).rejects.toThrow(StoreError)
      await expect(createApp({ fixtures: dataset, db })).rejects.toThrow(message)
      expect(filesUnder(db)).toStrictEqual({ 'manifest.json': content })
    }
    const child = cli(['--port', '0', '--db', db])
    const result = await exited(child)
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`okra-emulator: ${db}: was written over other fixtures (owner x, 1 balances, not owner ${fixture.owner}, ${fixture.balances.length} balances); start with the same --fixtures or another --db. The database was left untouched.\n`)
    expect(filesUnder(db)).toStrictEqual({ 'manifest.json': readFileSync(manifest, 'utf8') })
  })

  it('starts on a database whose first start was killed before it wrote its manifest', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid
    mkdirSync(join(db, 'tenants'), { recursive: true })
    writeFileSync(join(db, 'lock'), `${gone}\n`)
    writeFileSync(join(db, `manifest.json.${gone}.1.tmp`), '{"format": "okra-e')
    const server = await startTestServer({ db })
    try {
      await server.admin.addPosting(account, 1)
      expect(Object.keys(filesUnder(db)).sort()).toStrictEqual(['lock', 'manifest.json', expect.stringMatching(/^tenants\/[0-9a-f]{64}\.json$/)])
    } finally {
      await server.close()
    }
  })

  it('refuses a damaged tenant file, a directory of other files, and 0.1.0\'s single-file database', async () => {
    const dataset = await defaultFixtures()
    let server = await startTestServer({ db })
    await server.admin.addPosting(account, 1)
    await server.close()
    const [name] = readdirSync(join(db, 'tenants'))
    writeFileSync(join(db, 'tenants', name!), '{"token": "test-to')
    const damaged = filesUnder(db)
    await expect(createApp({ fixtures: dataset, db })).rejects.toThrow(`${db}: tenants/${name} cannot be read as JSON`)
    expect(filesUnder(db)).toStrictEqual(damaged)

    const other = join(dir, 'photos')
    mkdirSync(other)
    writeFileSync(join(other, 'cat.jpg'), 'meow')
    await expect(createApp({ fixtures: dataset, db: other })).rejects.toThrow(`${other}: is a directory with files but no manifest.json, not an okra-emulator database; choose an empty or new directory. It was left untouched.`)
    expect(filesUnder(other)).toStrictEqual({ 'cat.jpg': 'meow' })

    const old = join(dir, 'state.json')
    const content = '{\n  "format": "okra-emulator/db",\n  "version": 1,\n  "tenants": {}\n}'
    writeFileSync(old, content)
    const child = cli(['--port', '0', '--db', old])
    const result = await exited(child)
    expect([result.code, result.stderr]).toStrictEqual([1, `okra-emulator: ${old}: is an okra-emulator 0.1 database (one JSON file); --db now names a directory, and the old file is not read. Start with a new --db path. The file was left untouched.\n`])
    expect(readFileSync(old, 'utf8')).toBe(content)
    server = await startTestServer({ db: join(dir, 'fresh') })
    await server.close()
  })

  it('after SIGKILL in the middle of a stream of changes, restarts from a valid file holding every answered change', async () => {
    const args = ['--port', '0', '--db', db, '--clock', 'frozen', '--clock-start', TEST_CLOCK_START]
    let child = cli(args)
    let url = await readyUrl(child)
    const post = (base: string, posting: number) => request(`${base}/__admin/accounts/${account}/balance`, {
      method: 'POST',
      headers: { authorization: 'Bearer stream', 'content-type': 'application/json' },
      body: JSON.stringify({ posting }),
    }).then(async (r) => ({ status: r.statusCode, body: await r.body.json() as { data: { bank: { ledger_balance: number } } } }))

    // Four writers post 1 each; the process is killed while some of their requests are in flight.
    const killed = exited(child)
    let answered = 0
    let sent = 0
    const writer = async (): Promise<void> => {
      for (;;) {
        sent += 1
        const answer = await post(url, 1).catch(() => null)
        if (answer === null) return
        expect(answer.status).toBe(200)
        answered += 1
        if (answered === 150) child.kill('SIGKILL')
      }
    }
    await Promise.all([writer(), writer(), writer(), writer()])
    expect((await killed).signal).toBe('SIGKILL')
    expect(answered).toBeGreaterThanOrEqual(150)

    const stored = JSON.parse(readFileSync(join(db, 'manifest.json'), 'utf8'))
    expect(stored.format).toBe('okra-emulator/db')
    child = cli(args)
    url = await readyUrl(child)
    const after = await post(url, 0)
    const applied = Math.round((after.body.data.bank.ledger_balance - balance.ledger_balance) * 100) / 100
    // Every answered posting is there; a posting that was written but not yet answered may be too.
    expect(applied).toBeGreaterThanOrEqual(answered)
    expect(applied).toBeLessThanOrEqual(sent)
    const done = exited(child)
    child.kill('SIGTERM')
    expect((await done).code).toBe(0)
  })
})
