import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.js'
import { StoreError } from '../../src/persistence/store.js'
import { scratchDbPerTest } from '../support/db.js'
import { cli, exited, readyUrl } from '../support/cli.js'
import { defaultFixtures, startTestServer } from '../support/server.js'

let db: string
scratchDbPerTest('lock', (_folder, path) => { db = path })

describe('--db lock', () => {
  it('refuses a second emulator on the same --db with one line naming the pid that holds it, and takes over once that pid is gone', async () => {
    const first = cli(['--port', '0', '--db', db])
    await readyUrl(first)
    expect(readFileSync(join(db, 'lock'), 'utf8')).toBe(`${first.pid}\n`)

    const second = await exited(cli(['--port', '0', '--db', db]))
    expect([second.code, second.stdout, second.stderr]).toStrictEqual([1, '', `okra-emulator: ${db}: is in use by another okra-emulator (pid ${first.pid}); stop it or choose another --db. If pid ${first.pid} is not an okra-emulator, delete ${join(db, 'lock')}.\n`])

    // Killed, it cannot remove its lock: the next emulator finds a pid that is gone and takes over.
    const killed = exited(first)
    first.kill('SIGKILL')
    await killed
    expect(readFileSync(join(db, 'lock'), 'utf8')).toBe(`${first.pid}\n`)
    const third = cli(['--port', '0', '--db', db])
    const url = await readyUrl(third)
    expect(readFileSync(join(db, 'lock'), 'utf8')).toBe(`${third.pid}\n`)
    const health = await request(`${url}/__admin/health`)
    expect([health.statusCode, (await health.body.json() as { data: { ready: boolean } }).data.ready]).toStrictEqual([200, true])
    const done = exited(third)
    third.kill('SIGTERM')
    const end = await done
    expect([end.code, end.signal, end.stderr]).toStrictEqual([0, null, ''])
    expect(existsSync(join(db, 'lock'))).toBe(false)
  })

  it('refuses a second app on the same --db in the same process, and lets it open once the first is closed', async () => {
    const server = await startTestServer({ db })
    const dataset = await defaultFixtures()
    await expect(createApp({ fixtures: dataset, db })).rejects.toThrow(StoreError)
    await expect(createApp({ fixtures: dataset, db })).rejects.toThrow(`${db}: is in use by another okra-emulator (pid ${process.pid})`)
    await server.close()
    const again = await createApp({ fixtures: dataset, db })
    await again.close()
  })
})
