import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import { killCliProcesses } from './cli.js'

/** Every file under `dir` and its content, by path relative to `dir`: what a test compares to see nothing was written. */
export function filesUnder (dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, entry)
    if (statSync(path).isFile()) files[relative(dir, path)] = readFileSync(path, 'utf8')
  }
  return files
}

/** Every file and directory under `dir` with its size and modification time. */
export function statsUnder (dir: string): Record<string, { size: number, mtimeMs: number }> {
  const stats: Record<string, { size: number, mtimeMs: number }> = {}
  for (const entry of ['.', ...readdirSync(dir, { recursive: true, encoding: 'utf8' })]) {
    const { size, mtimeMs } = statSync(join(dir, entry))
    stats[entry] = { size, mtimeMs }
  }
  return stats
}

/**
 * A fresh temporary folder for each test, with `state` inside it as the --db path; after each test
 * the CLI children it started are killed and the folder is removed. `use` receives both paths.
 */
export function scratchDbPerTest (name: string, use: (dir: string, db: string) => void): void {
  let dir = ''
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), `okra-emulator-${name}-`))
    use(dir, join(dir, 'state'))
  })
  afterEach(() => {
    killCliProcesses()
    rmSync(dir, { recursive: true, force: true })
  })
}
