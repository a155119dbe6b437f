import { cpus, loadavg, totalmem } from 'node:os'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const RESULTS_PATH = fileURLToPath(new URL('../RESULTS.md', import.meta.url))

const HEADER = `# Benchmark results

Written by \`npm run bench\` and \`npm run soak\` (see bench/README.md). Each part rewrites only its own
section, between its markers, so a partial run (\`--only scale\`) or a soak keeps the other figures.
Every section says when, on what, and in which mode it was measured.
`

/** The line that says where a section's figures come from. */
export function environment (mode: string): string {
  const cpu = cpus()
  const model = cpu[0]?.model.trim() ?? 'unknown CPU'
  const ram = (totalmem() / 2 ** 30).toFixed(1)
  // The load average says how busy the machine was, which explains much of a run-to-run spread.
  const load = loadavg()[0]?.toFixed(1) ?? '?'
  return `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${model}, ${cpu.length} cores, ${ram} GiB RAM · Node ${process.version} · load average ${load} at the end · ${mode}`
}

/** The order sections take when first written, whichever script or part writes first. */
const SECTION_ORDER = ['throughput', 'mixed', 'cold-start', 'import-cost', 'tenants', 'tenants-memory', 'scale', 'persistence', 'soak']

/**
 * Replaces the section `name` of RESULTS.md (between `<!-- name:begin -->` and `<!-- name:end -->`)
 * or inserts it in SECTION_ORDER; the rest of the file is kept as it was. Written to a temp file and
 * renamed, so an interrupted run never leaves half a file.
 */
export async function writeSection (name: string, markdown: string): Promise<void> {
  let text: string
  try {
    text = await readFile(RESULTS_PATH, 'utf8')
  } catch {
    text = HEADER
  }
  const begin = `<!-- ${name}:begin -->`
  const end = `<!-- ${name}:end -->`
  const block = `${begin}\n${markdown.trim()}\n${end}`
  const from = text.indexOf(begin)
  const to = text.indexOf(end)
  if (from >= 0 && to > from) {
    text = text.slice(0, from) + block + text.slice(to + end.length)
  } else {
    const later = SECTION_ORDER.slice(SECTION_ORDER.indexOf(name) + 1)
      .map((next) => text.indexOf(`<!-- ${next}:begin -->`)).filter((at) => at >= 0)
    const at = SECTION_ORDER.includes(name) && later.length > 0 ? Math.min(...later) : -1
    text = at >= 0 ? `${text.slice(0, at)}${block}\n\n${text.slice(at)}` : `${text.trimEnd()}\n\n${block}\n`
  }
  const temp = `${RESULTS_PATH}.${process.pid}.tmp`
  await writeFile(temp, text)
  await rename(temp, RESULTS_PATH)
}

/** A Markdown table; cells are written as given. */
export function table (head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n')
}

export const num = (value: number, digits = 0): string => Number.isFinite(value)
  ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
  : 'n/a'
export const ms = (value: number): string => Number.isFinite(value) ? `${num(value, value < 10 ? 2 : value < 100 ? 1 : 0)} ms` : 'n/a'
// Decimal megabytes, as the targets are written (150 MB is 150,000,000 bytes).
export const mb = (bytes: number): string => Number.isFinite(bytes) ? `${(bytes / 1e6).toFixed(1)} MB` : 'n/a'
export const seconds = (msValue: number): string => Number.isFinite(msValue) ? `${(msValue / 1000).toFixed(2)} s` : 'n/a'
export const ratio = (value: number): string => Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a'

/** pass, miss, or why a target could not be judged. */
export function verdict (ok: boolean | undefined, reason = 'not measured'): string {
  return ok === undefined ? reason : ok ? '**pass**' : '**MISS**'
}
