/**
 * `npm run build && tsx bench/hardening.ts`: what a hostile client can cost the built emulator.
 * Writes the "hardening" section of bench/RESULTS.md.
 *
 * - flood: 64 KiB bodies of `[[],[],...]` (some 900 KB each once parsed) over 5 tokens, then
 *   chunked bodies of just under 1 MiB on one token; the server's RSS is sampled throughout.
 * - sigterm: 5,000 connections kept open (idle after an answer, or silent), then SIGTERM; the time
 *   to the process's exit.
 *
 *   tsx bench/hardening.ts [--nested 5000] [--chunked 500] [--sockets 5000] [--cli PATH]
 */
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { Readable } from 'node:stream'
import { parseArgs } from 'node:util'
import { Pool } from 'undici'
import { memoryOf, runMain, startEmulator, useCli, type Server } from './lib/processes.js'
import { environment, mb, ms, num, table, writeSection } from './lib/results.js'

const { values: flags } = parseArgs({
  options: {
    nested: { type: 'string', default: '5000' },
    chunked: { type: 'string', default: '500' },
    sockets: { type: 'string', default: '5000' },
    cli: { type: 'string' },
  },
})
if (flags.cli !== undefined) useCli(flags.cli)
const NESTED = Number(flags.nested)
const CHUNKED = Number(flags.chunked)
const SOCKETS = Number(flags.sockets)
const TOKENS = 5
const CONNECTIONS = 20
const ROUTE = '/v2/balance/getByCustomer'

function log (message: string): void {
  process.stdout.write(`[hardening] ${message}\n`)
}

/** `[[],[],...]`, `bytes` long: shallow enough to pass the depth limit, an object per 3 bytes once parsed. */
function nestedArrays (bytes: number): string {
  const body = `[${'[],'.repeat(Math.floor((bytes - 4) / 3))}[]]`
  return body + ' '.repeat(bytes - body.length)
}

interface Flood { label: string, requests: number, seconds: number, before: number, peak: number, after: number, statuses: Map<number, number> }

/** Sends `count` bodies through `CONNECTIONS` connections, sampling the server's RSS every 200 ms. */
async function flood (server: Server, label: string, count: number, body: () => string | Readable, token: (n: number) => string): Promise<Flood> {
  const pool = new Pool(server.url, { connections: CONNECTIONS })
  const before = memoryOf(server.pid).rss
  let peak = before
  const sampler = setInterval(() => { peak = Math.max(peak, memoryOf(server.pid).rss) }, 200)
  const statuses = new Map<number, number>()
  const began = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    for (let n = next++; n < count; n = next++) {
      const answer = await pool.request({
        method: 'POST', path: ROUTE, headers: { authorization: `Bearer ${token(n)}`, 'content-type': 'application/json' }, body: body(),
      })
      await answer.body.dump()
      statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1)
    }
  }))
  const seconds = (performance.now() - began) / 1000
  clearInterval(sampler)
  await pool.close()
  const after = memoryOf(server.pid).rss
  return { label, requests: count, seconds, before, peak: Math.max(peak, after), after, statuses }
}

/** The journal of each flooding token, as /__admin/requests reports it. */
async function journals (server: Server, tokens: string[]): Promise<Array<{ token: string, count: number, dropped: number, text: number }>> {
  return await Promise.all(tokens.map(async (token) => {
    const answer = await fetch(`${server.url}/__admin/requests`, { headers: { authorization: `Bearer ${token}` } })
    const { data } = await answer.json() as { data: { count: number, dropped: number, requests: Array<{ body: string | null }> } }
    const text = data.requests.reduce((sum, e) => sum + Buffer.byteLength(e.body ?? ''), 0)
    return { token, count: data.count, dropped: data.dropped, text }
  }))
}

/** Opens `count` connections to the server: `idle` ones after one answered request, or silent ones. */
async function openSockets (url: string, count: number, idle: boolean): Promise<Socket[]> {
  const { port } = new URL(url)
  const sockets: Socket[] = []
  for (let batch = 0; batch < count; batch += 250) {
    sockets.push(...await Promise.all(Array.from({ length: Math.min(250, count - batch) }, async () => {
      const socket = connect(Number(port), '127.0.0.1').on('error', () => {})
      await once(socket, 'connect')
      if (idle) {
        socket.write('GET /__admin/health HTTP/1.1\r\nHost: bench\r\n\r\n')
        await once(socket, 'data')
      }
      return socket
    })))
  }
  return sockets
}

/** SIGTERM with `count` connections open; milliseconds from the signal to the exit. */
async function sigterm (idle: boolean, count: number): Promise<{ exitMs: number, code: number | null, open: number }> {
  // Long timeouts, so nothing but the shutdown closes the connections; a cap above their number.
  const server = await startEmulator(['--max-connections', String(count + 100), '--keep-alive-timeout', '120s', '--header-timeout', '120s', '--request-timeout', '120s'])
  const sockets = await openSockets(server.url, count, idle)
  const open = sockets.filter((s) => !s.closed).length
  const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve))
  const began = performance.now()
  server.child.kill('SIGTERM')
  const code = await exited
  const exitMs = performance.now() - began
  for (const socket of sockets) socket.destroy()
  return { exitMs, code, open }
}

async function main (): Promise<number> {
  log(`flood: ${NESTED} nested 64 KiB bodies over ${TOKENS} tokens, then ${CHUNKED} chunked bodies of 1 MiB on one`)
  // With Node's 5 s keep-alive, a server this busy can time out an idle connection while the next
  // request's bytes already wait unread, and the client sees a reset: the flood keeps them longer.
  const server = await startEmulator(['--keep-alive-timeout', '60s'])
  const idleRss = memoryOf(server.pid).rss
  const nested = nestedArrays(64 * 1024)
  const tokens = Array.from({ length: TOKENS }, (_, n) => `flood-${n}`)
  // A token's journal starts with its first change: one clock move each, so the flood fills journals.
  for (const token of [...tokens, 'flood-chunked']) {
    const moved = await fetch(`${server.url}/__admin/clock/advance`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"by":"1s"}' })
    if (moved.status !== 200) throw new Error(`clock/advance for ${token} answered ${moved.status}`)
  }
  const floods = [await flood(server, '64 KiB `[[],...]`, Content-Length', NESTED, () => nested, (n) => tokens[n % TOKENS] as string)]
  const big = nestedArrays(1024 * 1024 - 1)
  const pieces: string[] = []
  for (let at = 0; at < big.length; at += 64 * 1024) pieces.push(big.slice(at, at + 64 * 1024))
  floods.push(await flood(server, '1 MiB `[[],...]`, chunked', CHUNKED, () => Readable.from(pieces), () => 'flood-chunked'))
  const kept = await journals(server, [...tokens, 'flood-chunked'])
  const alive = (await fetch(`${server.url}/__admin/requests?limit=1`, { headers: { authorization: 'Bearer flood-chunked' } })).status
  await server.stop()
  for (const f of floods) log(`${f.label}: ${f.requests} in ${f.seconds.toFixed(1)} s, RSS ${mb(f.before)} → peak ${mb(f.peak)} → ${mb(f.after)}`)

  const shutdowns = []
  for (const idle of [true, false]) {
    log(`sigterm with ${SOCKETS} ${idle ? 'idle' : 'silent'} connections`)
    shutdowns.push({ idle, ...await sigterm(idle, SOCKETS) })
  }
  for (const s of shutdowns) log(`${s.idle ? 'idle' : 'silent'}: exit ${s.code} after ${ms(s.exitMs)} with ${s.open} open`)

  const statuses = (m: Map<number, number>) => [...m].map(([status, n]) => `${status}: ${num(n)}`).join(', ')
  await writeSection('hardening', `## Hardening

${environment('`tsx bench/hardening.ts` against dist/cli.js')}

**Flood.** ${num(NESTED)} POSTs of a 64 KiB body \`[[],[],...]\` (about 900 KB of objects if it were parsed)
spread over ${TOKENS} tokens, then ${num(CHUNKED)} POSTs of a 1 MiB one sent chunked (no Content-Length) on one
token, ${CONNECTIONS} connections each, \`--keep-alive-timeout 60s\` (at the default 5 s a server this
busy can time a kept-alive connection out while its next request waits unread, and the client sees
a reset). Before the journal kept text only, about 4,800 of the first or
300 of the second exhausted memory. Both hold more objects and arrays than a body may (one per 64
bytes of the route's 1 MiB limit: 16,384), so both are refused with a 400 before they are parsed
(src/http/json-body.ts). The server started at ${mb(idleRss)}.

${table(['Flood', 'Requests', 'Time', 'Statuses', 'RSS before', 'Peak RSS', 'RSS after'], floods.map((f) => [
    f.label, num(f.requests), `${f.seconds.toFixed(1)} s`, statuses(f.statuses), mb(f.before), mb(f.peak), mb(f.after),
  ]))}

The bound: a tenant's journal keeps at most 1,000 requests and 1 MiB of text (the first 4 KiB of
each body), so these ${TOKENS + 1} tokens' journals hold at most ${TOKENS + 1} MiB of text whatever is sent. What
the RSS shows beyond that is transient: the text of the body being read on each of the ${CONNECTIONS} connections
(1 MiB at most; no longer its parsed form, which for a 1 MiB \`[[],...]\` was some 15 MB of arrays), and the heap V8 keeps once grown. That
part grows with the connections sending at once, up to \`--max-connections\`, not with the number
of requests: nothing of a body outlives its request but the journal's 4 KiB. After the flood \`/__admin/requests\` answered ${alive}; each journal kept:

${table(['Token', 'Entries kept', 'Dropped', 'Body text kept'], kept.map((k) => [k.token, num(k.count), num(k.dropped), mb(k.text)]))}

**SIGTERM with ${num(SOCKETS)} connections open** (\`--max-connections ${SOCKETS + 100}\`, every timeout at 120 s so that
only the shutdown closes them):

${table(['Connections', 'Open at SIGTERM', 'Exit code', 'SIGTERM to exit'], shutdowns.map((s) => [
    s.idle ? 'idle (kept alive after an answer)' : 'silent (connected, nothing sent)', num(s.open), String(s.code), ms(s.exitMs),
  ]))}

Connections with nothing being answered close at once on SIGTERM; the 3 s grace is only for
requests being answered.
`)
  return floods.every((f) => f.peak < 1e9) && shutdowns.every((s) => s.code === 0) && alive === 200 ? 0 : 1
}

await runMain(main)
