import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** The emulator's CLI: this tree's build, unless a script was given `--cli` to measure another. */
export let CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))

export function useCli (path: string): void {
  CLI = resolve(path)
}

/**
 * Every child the bench starts runs in its own process group (detached), so stopping it also stops
 * whatever it forked (npm, Prism's workers). The set is what must be gone before the bench exits.
 */
const live = new Set<ChildProcess>()
const tempDirs = new Set<string>()

/** A temp folder removed at the end, however the run ends. */
export function trackTempDir (path: string): string {
  tempDirs.add(path)
  return path
}

export async function removeTempDir (path: string): Promise<void> {
  await rm(path, { recursive: true, force: true })
  tempDirs.delete(path)
}

export function spawnTracked (command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true })
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

function killGroup (child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try { process.kill(-child.pid, signal) } catch {}
}

/** SIGTERM to the child's group, SIGKILL if it has not gone after `graceMs`. */
export async function stopChild (child: ChildProcess, graceMs = 5000): Promise<void> {
  // Long gone: its id may belong to someone else by now, so it is left alone.
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  killGroup(child, 'SIGTERM')
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
  // Whatever the leader forked and left behind in its group, at once, before its id can be reused.
  killGroup(child, 'SIGKILL')
}

/** Stops every child still running and removes every temp folder; safe to call more than once. */
/** Runs a bench script's main, always cleans up what it started, and exits with its code. */
export async function runMain (main: () => Promise<number>): Promise<never> {
  let code = 1
  try {
    code = await main()
  } catch (error) {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`)
  } finally {
    await cleanUp()
  }
  // Keep-alive sockets of undici's global pool would hold the process a few seconds more.
  process.exit(code)
}

async function cleanUp (): Promise<void> {
  await Promise.all([...live].map(async (child) => stopChild(child, 2000)))
  await Promise.all([...tempDirs].map(removeTempDir))
}

// Last resort on a crash or Ctrl-C: nothing the bench started may outlive it.
process.on('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping children and removing temp folders\n`)
    cleanUp().finally(() => process.exit(130))
  })
}

export interface Server {
  name: string
  child: ChildProcess
  pid: number
  /** e.g. http://127.0.0.1:41234 */
  url: string
  /** Milliseconds from spawn to the ready line. */
  readyMs: number
  /** The ready line itself. */
  line: string
  stop (): Promise<void>
}

/**
 * Spawns a server and waits for a stdout line matching `ready` (its first group is the URL).
 * Rejects with the tail of stderr if the child exits or `timeoutMs` passes first.
 */
export async function startServer (name: string, command: string, args: string[], ready: RegExp, timeoutMs = 60_000, options: SpawnOptions = {}): Promise<Server> {
  const started = performance.now()
  const child = spawnTracked(command, args, options)
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (text: string) => { stderr = (stderr + text).slice(-4000) })
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  try {
    const [url, line] = await new Promise<[string, string]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no ready line after ${timeoutMs} ms`)), timeoutMs)
      lines.on('line', (line) => {
        const match = ready.exec(line)
        if (match !== null) { clearTimeout(timer); resolve([match[1] as string, line]) }
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`${name} exited (${signal ?? code}) before it was ready: ${summary(stderr)}`))
      })
      child.once('error', (error) => { clearTimeout(timer); reject(error) })
    })
    const readyMs = performance.now() - started
    // Keep draining stdout so a chatty child never blocks on a full pipe.
    child.stdout?.resume()
    return { name, child, pid: child.pid as number, url, readyMs, line, stop: async () => stopChild(child) }
  } catch (error) {
    await stopChild(child)
    throw error
  } finally {
    lines.removeAllListeners('line')
  }
}

const EMULATOR_READY = /okra-emulator listening on (http:\/\/\S+)/

/** The built emulator (dist/cli.js) as its own process. */
export async function startEmulator (args: string[] = [], timeoutMs = 60_000): Promise<Server> {
  return startServer('emulator', process.execPath, [CLI, '--port', '0', ...args], EMULATOR_READY, timeoutMs)
}

/** Runs a command to its end; rejects with the last stderr line on a non-zero exit. */
export async function runCommand (command: string, args: string[], options: SpawnOptions = {}): Promise<{ stdout: string, stderr: string }> {
  const child = spawnTracked(command, args, options)
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (text: string) => { stdout = (stdout + text).slice(-64_000) })
  child.stderr?.setEncoding('utf8').on('data', (text: string) => { stderr = (stderr + text).slice(-64_000) })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (exitCode, signal) => resolve(signal === null ? exitCode : -1))
  })
  if (code !== 0) {
    const error = new Error(summary(stderr) || `exit ${code}`) as Error & { stderr: string }
    error.stderr = stderr
    throw error
  }
  return { stdout, stderr }
}

/**
 * The line of a failed command's stderr that says what went wrong: a fatal V8 error (out of
 * memory) or an Error line if there is one, since a crash prints GC traces and stacks around it.
 */
function summary (text: string): string {
  const lines = text.trim().split('\n').map((line) => line.trim()).filter((line) => line !== '')
  return lines.find((line) => /FATAL ERROR|^\w*Error\b|^okra-emulator:/.test(line)) ?? lines[0] ?? ''
}

export interface Memory {
  /** Resident set now, in bytes. */
  rss: number
  /** The highest resident set so far (VmHWM), in bytes. */
  peak: number
}

/** Reads a process's resident memory from /proc (Linux only). */
export function memoryOf (pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
  return { rss: kb('VmRSS'), peak: kb('VmHWM') }
}

export const sleep = async (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
