/**
 * `npm run build && tsx bench/tenants-memory.ts`: what tenants cost the built emulator's memory.
 * Writes the "tenants-memory" section of bench/RESULTS.md.
 *
 * - look-ups: 100,000 distinct bearer tokens each look a customer up; none changes anything, so
 *   none should be kept (goal: RSS grows by 20 MB at most).
 * - changes: then 10,000 distinct tokens (the default --max-tenants) each start a refresh, so each
 *   is kept with one record.
 *
 *   tsx bench/tenants-memory.ts [--lookups 100000] [--changers 10000] [--cli PATH]
 */
import { parseArgs } from 'node:util'
import { Pool } from 'undici'
import { memoryOf, runMain, sleep, startEmulator, useCli, type Server } from './lib/processes.js'
import { environment, mb, table, writeSection } from './lib/results.js'

const { values: flags } = parseArgs({
  options: {
    lookups: { type: 'string', default: '100000' },
    changers: { type: 'string', default: '10000' },
    cli: { type: 'string' },
  },
})
if (flags.cli !== undefined) useCli(flags.cli)
const LOOKUPS = Number(flags.lookups)
const CHANGERS = Number(flags.changers)
const CONNECTIONS = 20
const CUSTOMER = '65e0fb087fcd5c0200000000'
const ACCOUNT = '65e0fafe7fcd5c0300000000'

/** `count` POSTs, CONNECTIONS at a time, each with its own token; every answer must be `status`. */
async function flood (server: Server, count: number, path: string, body: unknown, tokenOf: (i: number) => string): Promise<void> {
  const pool = new Pool(server.url, { connections: CONNECTIONS, pipelining: 1 })
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      const answer = await pool.request({ method: 'POST', path, headers: { authorization: `Bearer ${tokenOf(i)}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
      await answer.body.dump()
      if (answer.statusCode !== 200) throw new Error(`${path} answered ${answer.statusCode} to request ${i}`)
    }
  }
  await Promise.all(Array.from({ length: CONNECTIONS }, worker))
  await pool.close()
}

/** RSS after the process has had time to collect what it let go (garbage is collected lazily). */
async function settledRss (server: Server): Promise<number> {
  await sleep(3000)
  return memoryOf(server.pid).rss
}

async function main (): Promise<number> {
  const server = await startEmulator(['--clock', 'frozen'])
  try {
    await flood(server, 200, '/v2/balance/getByCustomer', { customer: CUSTOMER }, (i) => `warm-${i}`)
    const before = await settledRss(server)
    let began = performance.now()
    await flood(server, LOOKUPS, '/v2/balance/getByCustomer', { customer: CUSTOMER }, (i) => `reader-${i}`)
    const lookupSeconds = (performance.now() - began) / 1000
    const afterLookups = await settledRss(server)
    began = performance.now()
    await flood(server, CHANGERS, '/v2/balance/refresh', { account_id: ACCOUNT }, (i) => `changer-${i}`)
    const changeSeconds = (performance.now() - began) / 1000
    const afterChanges = await settledRss(server)
    const peak = memoryOf(server.pid).peak
    const lookupGrowth = afterLookups - before
    const changeGrowth = afterChanges - afterLookups
    await writeSection('tenants-memory', `## Tenants: memory of look-ups and changes

${environment(`bench/tenants-memory.ts, ${CONNECTIONS} connections, --clock frozen`)}

${LOOKUPS.toLocaleString('en')} distinct tokens each look a customer up (${lookupSeconds.toFixed(0)} s), then
${CHANGERS.toLocaleString('en')} distinct tokens each start a refresh (${changeSeconds.toFixed(0)} s), on the built
emulator after 200 warm-up look-ups. RSS is read 3 s after each phase.

${table(['RSS before', 'after the look-ups', 'added by look-ups', 'after the changes', 'added by changes', 'per changed tenant', 'peak RSS'], [[
  mb(before), mb(afterLookups), mb(lookupGrowth), mb(afterChanges), mb(changeGrowth), `${(changeGrowth / CHANGERS / 1024).toFixed(1)} KiB`, mb(peak),
]])}

| Target | Figure | Result |
| --- | --- | --- |
| ${LOOKUPS.toLocaleString('en')} look-up tokens add ≤ 20 MB | ${mb(lookupGrowth)} | **${lookupGrowth <= 20e6 ? 'pass' : 'FAIL'}** |
`)
    process.stdout.write(`[tenants-memory] before ${mb(before)}, after look-ups ${mb(afterLookups)}, after changes ${mb(afterChanges)}\n`)
    return lookupGrowth <= 20e6 ? 0 : 1
  } finally {
    await server.stop()
  }
}

await runMain(main)
