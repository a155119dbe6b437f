/**
 * `npm run bench:import`: what importing the package costs a test file. Times a fresh `node` that
 * imports okra-emulator (by name, so through package.json's exports, as a user's code does) against
 * a bare `node -e ''`, runs interleaved so a busy moment hits every case alike; median of 10.
 * Writes the "import-cost" section of bench/RESULTS.md.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { environment, table, writeSection } from './lib/results.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const RUNS = 10
const TARGET_MS = 100

const cases: Array<[string, string[]]> = [
  ["node -e ''", ['-e', '']],
  ["import('okra-emulator')", ['--input-type=module', '-e', "await import('okra-emulator')"]],
  ["require('okra-emulator')", ['-e', "require('okra-emulator')"]],
  ["import('okra-emulator/client')", ['--input-type=module', '-e', "await import('okra-emulator/client')"]],
]

function timeOnce (args: string[]): number {
  const start = process.hrtime.bigint()
  execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' })
  return Number(process.hrtime.bigint() - start) / 1e6
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return ((sorted[(RUNS - 1) >> 1] as number) + (sorted[RUNS >> 1] as number)) / 2
}

const times = cases.map((): number[] => [])
for (let run = 0; run < RUNS; run++) cases.forEach(([, args], i) => times[i]!.push(timeOnce(args)))
const bare = median(times[0]!)
const rows = cases.map(([name], i) => {
  const m = median(times[i]!)
  return [`\`${name}\``, `${m.toFixed(0)} ms`, i === 0 ? '' : `+${(m - bare).toFixed(0)} ms`]
})
const esm = median(times[1]!) - bare
const cjs = median(times[2]!) - bare
const worst = Math.max(esm, cjs)
const markdown = `## Import cost

${environment(`median of ${RUNS}, runs interleaved`)}

A fresh \`node\` importing the built package by name (package.json "exports"), against a bare start.
Fastify, the app and faker load on the first createApp/startEmulator or fixture call, not on import.

${table(['process', 'median', 'over bare node'], rows)}

${table(['Target', 'Figure', 'Result'], [[`import ≤ ${TARGET_MS} ms over bare node (ES module and CommonJS)`, `${worst.toFixed(0)} ms`, worst <= TARGET_MS ? '**pass**' : '**MISS**']])}
`
await writeSection('import-cost', markdown)
console.log(markdown)
