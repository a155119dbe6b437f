import { readFileSync } from 'node:fs'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { AdminClient } from '../../src/client.js'
import type { FixtureFile } from '../../src/core/fixture.js'
import { cli, exited, readyUrl } from '../support/cli.js'
import { scratchDbPerTest } from '../support/db.js'

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile

let db: string
scratchDbPerTest('clock', (_folder, path) => { db = path })

/** Starts the CLI and returns an admin client for token "clock" and a way to stop it with a signal. */
async function start (args: string[]) {
  const child = cli(['--port', '0', ...args])
  const admin = new AdminClient(await readyUrl(child), { token: 'clock' })
  const stop = async (signal: NodeJS.Signals) => {
    const done = exited(child)
    child.kill(signal)
    return await done
  }
  return { admin, stop }
}

describe('the clock under --db, over the socket', () => {
  it('keeps freeze, advance and resume across SIGKILL and SIGTERM, to the millisecond', { timeout: 90_000 }, async () => {
    const args = ['--db', db]
    let run = await start(args)
    const frozen = await run.admin.freeze()
    const advanced = await run.admin.advance('90s')
    expect(Date.parse(advanced.now) - Date.parse(frozen.now)).toBe(90_000)
    expect((await run.stop('SIGKILL')).signal).toBe('SIGKILL')

    run = await start(args)
    expect(await run.admin.clock()).toStrictEqual({ now: advanced.now, mode: 'frozen' })
    const later = await run.admin.advance(3_600_001)
    expect((await run.stop('SIGTERM')).code).toBe(0)

    run = await start(args)
    expect(await run.admin.clock()).toStrictEqual({ now: later.now, mode: 'frozen' })
    const resumed = await run.admin.resume()
    await run.stop('SIGKILL')

    run = await start(args)
    const clock = await run.admin.clock()
    // A running clock resumes from the time last saved: the resume's save, taken as it resumed from
    // the frozen instant. Under load that save can read a few ms before the answer's own `now`.
    expect(clock.mode).toBe('running')
    expect(Date.parse(resumed.now)).toBeGreaterThanOrEqual(Date.parse(later.now))
    expect(Date.parse(clock.now)).toBeGreaterThanOrEqual(Date.parse(later.now))
    await run.stop('SIGTERM')
  })

  it('hands out record ids that a previous run of the same steps did not', { timeout: 60_000 }, async () => {
    const ids: string[] = []
    for (let i = 0; i < 2; i++) {
      const run = await start(['--clock', 'frozen', '--clock-start', '2026-11-02T09:00:00Z'])
      const answer = await request(`${run.admin.url}/v2/balance/refresh`, {
        method: 'POST',
        headers: { authorization: 'Bearer clock', 'content-type': 'application/json' },
        body: JSON.stringify({ account_id: fixture.accounts[0]!._id }),
      })
      ids.push((await answer.body.json() as { data: { record: string } }).data.record)
      await run.stop('SIGTERM')
    }
    const seconds = (Date.parse('2026-11-02T09:00:00Z') / 1000).toString(16)
    expect(ids.map((id) => [id.slice(0, 8), id.slice(18)])).toStrictEqual([[seconds, '000001'], [seconds, '000001']])
    expect(ids[0]).not.toBe(ids[1])
  })
})
