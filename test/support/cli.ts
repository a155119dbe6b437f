import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

export const ROOT = new URL('../..', import.meta.url).pathname
const started: ChildProcess[] = []

/** Runs the CLI from source, as `okra-emulator ARGS`; killCliProcesses() ends whatever is left. */
export function cli (args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT, env: { ...process.env, ...env, PORT: env.PORT ?? '' }, stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.push(child)
  return child
}

export function firstLine (child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing`)))
  })
}

/** The root URL from the CLI's ready line. */
export async function readyUrl (child: ChildProcess): Promise<string> {
  const line = await firstLine(child)
  const match = /^okra-emulator listening on (http:\/\/[^ ]+) /.exec(line)
  if (match === null) throw new Error(`not a ready line: ${line}`)
  return match[1] as string
}

export function exited (child: ChildProcess): Promise<{ code: number | null, signal: NodeJS.Signals | null, stderr: string, stdout: string }> {
  let stderr = ''
  let stdout = ''
  child.stderr!.on('data', (d) => { stderr += d })
  child.stdout!.on('data', (d) => { stdout += d })
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr, stdout })))
}

export function killCliProcesses (): void {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}
