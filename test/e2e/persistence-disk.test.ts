import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.js'
import { StoreError } from '../../src/persistence/store.js'
import type { FixtureFile } from '../../src/core/fixture.js'
import { scratchDbPerTest } from '../support/db.js'
import { cli, exited } from '../support/cli.js'
import { defaultFixtures, startTestServer, type Answer } from '../support/server.js'

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const balance = fixture.balances.find((b) => b.available_balance !== undefined)!
const account = balance.account

let dir: string
let db: string
scratchDbPerTest('disk', (folder, path) => { dir = folder; db = path })

describe('--db on a failing disk', () => {
  it('refuses at start-up, in one line, a --db it cannot create', async () => {
    // Permissions do not stop root; a path under a regular file fails for every user.
    writeFileSync(join(dir, 'plain'), '')
    const unusable = join(dir, 'plain', 'state')
    await expect(createApp({ fixtures: await defaultFixtures(), db: unusable })).rejects.toThrow(StoreError)
    const result = await exited(cli(['--port', '0', '--db', unusable]))
    expect([result.code, result.stdout, result.stderr]).toStrictEqual([1, '', `okra-emulator: ${unusable}: cannot be used as a --db directory (ENOTDIR); choose a --db directory this user can write.\n`])
  })

  it('answers a change it cannot save with a 503 in Okra\'s envelope, keeps answering reads, logs it, and saves it with a later request', async () => {
    const logged: string[] = []
    const logger = { level: 'error', stream: new Writable({ write (chunk, _encoding, done) { logged.push(String(chunk)); done() } }) }
    let server = await startTestServer({ db, logger })
    const answers: Answer[] = []
    const send = async (answer: Promise<Answer>): Promise<Answer> => {
      answers.push(await answer)
      return answers.at(-1)!
    }
    const posting = (amount: number) => send(server.post(`/__admin/accounts/${account}/balance`, { posting: amount }))
    expect((await posting(10)).status).toBe(200)

    // The tenant files' directory becomes a plain file: every write under it fails, even as root.
    rmSync(join(db, 'tenants'), { recursive: true })
    writeFileSync(join(db, 'tenants'), '')
    const refused = await posting(5)
    expect([refused.status, refused.body]).toStrictEqual([503, {
      status: 'error',
      message: 'The change was made but could not be saved to the --db database; it is saved with this token\'s next request',
    }])
    expect(refused.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(logged).toHaveLength(1)
    expect(JSON.parse(logged[0]!)).toMatchObject({ level: 50, msg: 'could not save a tenant to --db; retrying on its next request', err: { code: 'ENOTDIR' } })

    // Reads answer from memory, the unsaved change included; each one retries the save and logs the failure.
    const read = await send(server.post('/v2/balance/getByAccount', { account }))
    expect([read.status, read.body.status]).toStrictEqual([200, 'success'])
    const clock = await send(server.get('/__admin/clock'))
    expect(clock.status).toBe(200)
    expect(logged).toHaveLength(3)
    // Another token's look-up has nothing to save and nothing to fail.
    expect((await send(server.get('/__admin/clock', { token: 'bystander' }))).status).toBe(200)
    expect(logged).toHaveLength(3)

    for (const answer of answers) {
      expect(answer.text).not.toContain(dir)
      expect(answer.text).not.toMatch(/ENOTDIR|\/tmp\//)
    }

    // The disk is back: the next request, a read, saves both changes.
    rmSync(join(db, 'tenants'))
    mkdirSync(join(db, 'tenants'))
    expect((await server.get('/__admin/clock')).status).toBe(200)
    const saved = server.app.tenants.get('test-token').exportState()
    await server.close()
    server = await startTestServer({ db })
    try {
      expect(server.app.tenants.get('test-token').exportState()).toStrictEqual(saved)
      expect((await server.admin.addPosting(account, 0)).ledger_balance).toBe(balance.ledger_balance + 15)
    } finally {
      await server.close()
    }
  })
})
