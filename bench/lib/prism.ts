import { createServer } from 'node:net'
import { join } from 'node:path'
import { request } from 'undici'
import { ROOT, runCommand, sleep, spawnTracked, stopChild, type Server } from './processes.js'

/**
 * The newest Prism whose engines still allow Node 20 (5.15 and later need Node 24); Prism 5 mocks
 * OpenAPI 3.1, which our openapi.yaml is.
 */
export const PRISM_VERSION = '5.14.2'

/** Installs Prism into `dir` (never into the project); returns its bin or throws why not. */
export async function installPrism (dir: string): Promise<string> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  await runCommand(npm, ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-save', '--loglevel=error', `@stoplight/prism-cli@${PRISM_VERSION}`], { cwd: dir })
  return join(dir, 'node_modules', '.bin', 'prism')
}

async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

/**
 * Prism mocking openapi.yaml. Its paths are those of the spec without the server prefix (it ignores
 * `servers`), so the bench asks it for /balance/getByCustomer. Logging is at `warn`: at `info` Prism
 * writes a line per request, a cost our emulator does not pay.
 */
export async function startPrism (bin: string, timeoutMs = 60_000): Promise<Server> {
  const port = await freePort()
  const started = performance.now()
  const child = spawnTracked(bin, ['mock', join(ROOT, 'openapi.yaml'), '--port', String(port), '--host', '127.0.0.1', '--verboseLevel', 'warn'])
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (text: string) => { stderr = (stderr + text).slice(-4000) })
  child.stdout?.resume()
  const url = `http://127.0.0.1:${port}`
  // Quiet Prism prints no ready line: it is ready when it answers.
  while (performance.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`Prism exited (${child.exitCode}): ${stderr.trim().split('\n').pop() ?? ''}`)
    try {
      const answer = await request(`${url}/__prism_ready`, { method: 'GET' })
      await answer.body.dump()
      return { name: 'prism', child, pid: child.pid as number, url, readyMs: performance.now() - started, line: '', stop: async () => stopChild(child) }
    } catch {
      await sleep(200)
    }
  }
  await stopChild(child)
  throw new Error(`Prism did not answer within ${timeoutMs} ms`)
}
