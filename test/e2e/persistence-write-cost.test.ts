import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Pool } from 'undici'
import { describe, expect, it } from 'vitest'
import type { FixtureFile } from '../../src/core/fixture.js'
import { cli, exited, readyUrl } from '../support/cli.js'
import { filesUnder, scratchDbPerTest, statsUnder } from '../support/db.js'
import { startTestServer } from '../support/server.js'

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as FixtureFile
const account = fixture.balances[0]!.account

let db: string
scratchDbPerTest('cost', (_folder, path) => { db = path })

/** Bytes the process has handed to write(2) so far: files and sockets alike, counted by the kernel. */
function bytesWritten (pid: number): number {
  return Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1])
}

describe('--db write cost', () => {
  it('costs the same per change at 10 tenants and at 1,000', async () => {
    const child = cli(['--port', '0', '--db', db, '--clock', 'frozen'])
    const pool = new Pool(await readyUrl(child), { connections: 4 })
    const post = async (token: string, posting: number): Promise<void> => {
      const answer = await pool.request({
        method: 'POST',
        path: `/__admin/accounts/${account}/balance`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ posting }),
      })
      await answer.body.text()
      expect(answer.statusCode).toBe(200)
    }
    const grow = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += 50) await Promise.all(Array.from({ length: Math.min(50, to - i) }, (_, k) => post(`tenant-${i + k}`, 1)))
    }
    // The same change to the same tenant, measured the same way at both sizes.
    const costOfChange = async (): Promise<number> => {
      const before = bytesWritten(child.pid!)
      await post('probe', 1)
      return bytesWritten(child.pid!) - before
    }
    try {
      await post('probe', 1)
      await grow(0, 9)
      const atTen = await costOfChange()
      await grow(9, 999)
      const atThousand = await costOfChange()
      expect(Object.keys(filesUnder(join(db, 'tenants')))).toHaveLength(1000)
      // One tenant's file and the answer: about 2 KB. Rewriting every tenant would be ~1,000 times that.
      expect(atTen).toBeLessThan(4000)
      expect(atThousand).toBeLessThan(atTen * 1.5)
    } finally {
      await pool.close()
      const done = exited(child)
      child.kill('SIGTERM')
      await done
    }
  }, 60_000)

  it('writes nothing for a look-up, a new token\'s first one included', async () => {
    const server = await startTestServer({ db })
    try {
      await server.admin.addPosting(account, 1)
      const files = filesUnder(db)
      const stats = statsUnder(db)
      for (const token of ['test-token', 'newcomer']) {
        for (const path of ['/v2/balance/getByCustomer', '/v2/balance/getByAccount', '/v2/products/balances']) {
          expect((await server.post(path, { customer: fixture.customers[0]!._id, account }, { token })).status).toBe(200)
        }
        await server.admin.as(token).records()
        await server.admin.as(token).clock()
        await server.admin.as(token).webhooks()
      }
      // The newcomer changed nothing, so it is not even kept in memory.
      expect(server.app.tenants.size).toBe(1)
      expect(filesUnder(db)).toStrictEqual(files)
      expect(statsUnder(db)).toStrictEqual(stats)
    } finally {
      await server.close()
    }
    // Closing writes nothing for the newcomer either, and gives the lock back.
    expect(Object.keys(filesUnder(join(db, 'tenants')))).toHaveLength(1)
    expect(existsSync(join(db, 'lock'))).toBe(false)
  })
})
