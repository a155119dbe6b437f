/**
 * `npm run build && npx tsx bench/persistence.ts`: what one change costs the `--db` store at 10 and
 * at 10,000 tenants. Bytes are the kernel's count of what the server process handed to write(2)
 * (/proc/<pid>/io wchar: the tenant's file and the HTTP answer), so nothing is taken on the
 * store's word. Writes the "persistence" section of bench/RESULTS.md.
 *
 *   --sizes 10,10000     tenant counts to measure at
 *   --changes 50         changes measured at each size
 *   --cli PATH           another build's dist/cli.js (e.g. 0.1.0's single-file store)
 */
import { mkdtemp, readdir, stat } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Pool } from 'undici'
import { runMain, startEmulator, trackTempDir, useCli } from './lib/processes.js'
import { environment, ms, num, ratio, table, verdict, writeSection } from './lib/results.js'

const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,10000' },
    changes: { type: 'string', default: '50' },
    cli: { type: 'string' },
  },
})
if (flags.cli !== undefined) useCli(flags.cli)
const sizes = flags.sizes.split(',').map(Number)
const changes = Number(flags.changes)
if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1) || !(changes > 0)) throw new Error('--sizes N,M (tenant counts) and --changes N > 0, please')

const ACCOUNT = (JSON.parse(readFileSync(new URL('../fixtures/default.json', import.meta.url), 'utf8')) as { balances: Array<{ account: string }> }).balances[0]!.account

function bytesWritten (pid: number): number {
  return Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? NaN)
}

/** Bytes of every file under `dir`: what the database holds on disk. */
async function sizeOf (dir: string): Promise<number> {
  const info = await stat(dir)
  if (!info.isDirectory()) return info.size
  let total = 0
  for (const entry of await readdir(dir)) total += await sizeOf(join(dir, entry))
  return total
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

await runMain(async () => {
  const db = join(trackTempDir(await mkdtemp(join(tmpdir(), 'okra-emulator-bench-db-'))), 'state')
  const server = await startEmulator(['--db', db, '--clock', 'frozen'])
  const pool = new Pool(server.url, { connections: 8 })
  const post = async (token: string): Promise<void> => {
    const answer = await pool.request({
      method: 'POST',
      path: `/__admin/accounts/${ACCOUNT}/balance`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"posting":1}',
    })
    await answer.body.text()
    if (answer.statusCode !== 200) throw new Error(`a posting answered ${answer.statusCode}`)
  }
  let tenants = 0
  const rows: string[][] = []
  const perChange: number[] = []
  for (const size of sizes) {
    const growStarted = performance.now()
    const grown = size - tenants
    while (tenants < size) {
      const batch = Array.from({ length: Math.min(100, size - tenants) }, (_, k) => `tenant-${tenants + k}`)
      await Promise.all(batch.map(post))
      tenants += batch.length
    }
    const growMs = performance.now() - growStarted
    // A new tenant changed again and again, one change at a time: each write measured alone, and
    // at every size the measured tenant has the same history, so only the database's size differs.
    const bytes: number[] = []
    const times: number[] = []
    for (let i = 0; i < changes; i++) {
      const before = bytesWritten(server.pid)
      const started = performance.now()
      await post(`probe-${size}`)
      times.push(performance.now() - started)
      bytes.push(bytesWritten(server.pid) - before)
    }
    perChange.push(median(bytes))
    rows.push([num(size), num(median(bytes)), ms(median(times)), `${num(grown / (growMs / 1000))}/s`, `${num(await sizeOf(db) / 1024)} KiB`])
    process.stderr.write(`${size} tenants: ${median(bytes)} bytes per change\n`)
  }
  await pool.close()
  await server.stop()
  const growth = perChange.at(-1)! / perChange[0]!
  await writeSection('persistence', `## Persistence

${environment(flags.cli === undefined ? 'bench/persistence.ts' : `bench/persistence.ts --cli ${flags.cli}`)}

\`--db\` with the default fixtures, frozen clock. Each tenant is made by one posting (8 connections);
then ${changes} postings, one at a time, to a new tenant (a new one at each size). Bytes per change
are what the server process handed to write(2) for it (\`/proc/<pid>/io\` wchar: the tenant's file and the HTTP answer), median.

${table(['tenants', 'bytes written per change', 'change answered in (median)', 'tenants made (one change each)', 'database on disk'], rows)}

| Target | Figure | Result |
| --- | --- | --- |
| bytes per change at ${num(sizes.at(-1)!)} tenants ≤ 1.5 × at ${num(sizes[0]!)} | ${ratio(growth)} | ${verdict(growth <= 1.5)} |`)
  return 0
})
